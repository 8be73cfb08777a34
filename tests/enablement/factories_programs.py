"""Factories and file builders for onboarding, plan, content and business-case tests."""

import copy
import datetime as dt
import io
import zipfile

import factory
from django.core.files.uploadedfile import SimpleUploadedFile

from enablement.demo_business_cases import MSP_SECURITY_ROI
from enablement.models import (
    Asset,
    BusinessCaseModel,
    JointBusinessPlan,
    OnboardingStep,
    OnboardingTemplate,
    PlanCheckIn,
    PlanTarget,
)
from prm.periods import parse_period
from tests.factories import PartnerFactory, UserFactory

Kind = OnboardingStep.Kind


class OnboardingTemplateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OnboardingTemplate
        django_get_or_create = ["business_model"]

    name = factory.LazyAttribute(lambda o: f"{o.business_model or 'Default'} onboarding")
    business_model = "reseller"


class OnboardingStepFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OnboardingStep

    template = factory.SubFactory(OnboardingTemplateFactory)
    position = factory.Sequence(lambda n: n)
    kind = Kind.CUSTOM
    title = factory.Sequence(lambda n: f"Step {n}")


def full_template(business_model: str = "reseller", *, people: int = 2) -> OnboardingTemplate:
    """A checklist with one step of every kind, in the order the demo uses."""
    template = OnboardingTemplateFactory(business_model=business_model)
    for position, (kind, title) in enumerate(
        [
            (Kind.AGREEMENT_ACCEPTED, "Accept the agreement"),
            (Kind.INTRODUCTORY_MEETING, "Introductory meeting"),
            (Kind.FIRST_CERTIFICATIONS, "First people certified"),
            (Kind.JOINT_BUSINESS_PLAN, "Joint business plan"),
            (Kind.CUSTOM, "Demo environment"),
        ]
    ):
        OnboardingStepFactory(
            template=template,
            position=position,
            kind=kind,
            title=title,
            required_count=people if kind == Kind.FIRST_CERTIFICATIONS else 1,
        )
    return template


class PlanFactory(factory.django.DjangoModelFactory):
    """A draft plan for FY2026 (January to December with the default fiscal year)."""

    class Meta:
        model = JointBusinessPlan

    partner = factory.SubFactory(PartnerFactory)
    fiscal_year = 2026
    title = factory.Sequence(lambda n: f"Plan {n}")
    created_by = factory.SubFactory(UserFactory)


class PlanTargetFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PlanTarget

    plan = factory.SubFactory(PlanFactory)
    metric = PlanTarget.Metric.REGISTERED_DEALS
    target_value = "20"
    owner = "Alex Owner"
    due_quarter = 4


class PlanCheckInFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PlanCheckIn

    plan = factory.SubFactory(PlanFactory)
    scheduled_on = factory.LazyAttribute(lambda o: parse_period(o.plan.year_label).start)


def ready_plan(**kwargs) -> JointBusinessPlan:
    """A draft with a target and a check-in, so it can be approved."""
    plan = PlanFactory(**kwargs)
    PlanTargetFactory(plan=plan)
    PlanCheckInFactory(plan=plan, scheduled_on=dt.date(plan.fiscal_year, 2, 15))
    return plan


class AssetFactory(factory.django.DjangoModelFactory):
    """A published link asset (no file), visible to everyone unless restricted."""

    class Meta:
        model = Asset
        skip_postgeneration_save = True

    title = factory.Sequence(lambda n: f"Asset {n}")
    kind = Asset.Kind.COLLATERAL
    external_url = factory.Sequence(lambda n: f"https://content.example/{n}")
    published = True

    @factory.post_generation
    def tiers(self, create, extracted, **kwargs):
        if create and extracted:
            self.visible_to_tiers.set(extracted)


class BusinessCaseModelFactory(factory.django.DjangoModelFactory):
    """The demo's "MSP security bundle ROI" definition, published."""

    class Meta:
        model = BusinessCaseModel
        django_get_or_create = ["name"]

    name = MSP_SECURITY_ROI["name"]
    description = MSP_SECURITY_ROI["description"]
    inputs = factory.LazyFunction(lambda: copy.deepcopy(MSP_SECURITY_ROI["inputs"]))
    assumptions = factory.LazyFunction(lambda: dict(MSP_SECURITY_ROI["assumptions"]))
    formulas = factory.LazyFunction(lambda: copy.deepcopy(MSP_SECURITY_ROI["formulas"]))
    deal_amount_key = MSP_SECURITY_ROI["deal_amount_key"]
    currency = "USD"
    business_models = factory.LazyFunction(lambda: ["msp", "mssp"])
    published = True


# --- Files ------------------------------------------------------------------------------------

PNG_BYTES = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"
    b"\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\xcf\xc0\xf0\x1f\x00\x05\x00\x01\xff\x89\x99"
    b"=\x1d\x00\x00\x00\x00IEND\xaeB`\x82"
)
JPEG_BYTES = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + b"\x00" * 64


def pdf_bytes(text: str = "Sample") -> bytes:
    from weasyprint import HTML

    return HTML(string=f"<h1>{text}</h1>").write_pdf()


OFFICE_PARTS = {
    "docx": ("word/document.xml", "wordprocessingml.document.main+xml"),
    "pptx": ("ppt/presentation.xml", "presentationml.presentation.main+xml"),
    "xlsx": ("xl/workbook.xml", "spreadsheetml.sheet.main+xml"),
    "docm": ("word/document.xml", "wordprocessingml.document.macroEnabled.main+xml"),
}


def office_bytes(kind: str) -> bytes:
    """A minimal Office Open XML package of ``kind`` (docx, pptx, xlsx, or docm with macros)."""
    part, main = OFFICE_PARTS[kind]
    content_type = (
        "application/vnd.ms-word.document.macroEnabled.main+xml"
        if kind == "docm"
        else f"application/vnd.openxmlformats-officedocument.{main}"
    )
    content_types = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="xml" ContentType="application/xml"/>'
        f'<Override PartName="/{part}" ContentType="{content_type}"/></Types>'
    )
    return _zip_bytes(
        {
            "[Content_Types].xml": content_types,
            "_rels/.rels": "<Relationships/>",
            part: "<document/>",
        }
    )


def plain_zip_bytes() -> bytes:
    return _zip_bytes({"readme.txt": "not an office document"})


def _zip_bytes(members: dict[str, str]) -> bytes:
    """A zip of ``members`` with a fixed timestamp: the same bytes whenever it is built (test
    ids include them, and every parallel test process must collect the same ids)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as package:
        for name, text in members.items():
            package.writestr(zipfile.ZipInfo(name, date_time=(2026, 1, 1, 0, 0, 0)), text)
    return buffer.getvalue()


def upload(name: str, data: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data)
