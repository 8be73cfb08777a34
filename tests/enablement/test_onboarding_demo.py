"""The programs demo seeder: realistic rows, hand-checkable numbers, idempotent."""

import io

import pytest

from enablement import demo_programs
from enablement.models import (
    Asset,
    AssetUsage,
    BusinessCase,
    BusinessCaseModel,
    JointBusinessPlan,
    OnboardingProgress,
    OnboardingTemplate,
)
from partners import demo as partners_demo
from partners.models import BusinessModel, Partner

pytestmark = pytest.mark.django_db


def counts() -> dict[str, int]:
    models = (
        OnboardingTemplate, OnboardingProgress, JointBusinessPlan, Asset, BusinessCaseModel,
        BusinessCase, AssetUsage,
    )  # fmt: skip
    return {model.__name__: model.objects.count() for model in models}


def test_the_demo_programs_are_seeded_once(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.dummy.EmailBackend"
    partners_demo.seed(stdout=io.StringIO())
    out = io.StringIO()

    demo_programs.seed(stdout=out)

    assert "enablement programs:" in out.getvalue()
    assert set(OnboardingTemplate.objects.values_list("business_model", flat=True)) == {
        "",
        *BusinessModel.values,
    }
    onboarding = Partner.objects.filter(status=Partner.Status.ONBOARDING)
    assert OnboardingProgress.objects.count() == onboarding.count() > 0
    northwind = JointBusinessPlan.objects.get(partner__display_name="Northwind Systems")
    assert (
        northwind.status == "approved" and northwind.approved_by.email == "admin@northwind.example"
    )
    assert northwind.targets.count() == 4 and northwind.checkins.count() == 4
    assert Asset.objects.filter(published=True).count() == 15
    pdf = Asset.objects.exclude(file="").first()
    assert pdf.file.open("rb").read(4) == b"%PDF"
    roi = BusinessCaseModel.objects.get(name="MSP security bundle ROI")
    roi.full_clean()
    bluepeak_cases = BusinessCase.objects.filter(partner__display_name="BluePeak Managed IT")
    assert bluepeak_cases.count() == 3
    summit = bluepeak_cases.get(prospect_name="Summit County Credit Union")
    assert summit.deal_amount == 13740  # 120 seats × 8.50 × 12 + 1,500 onboarding

    before = counts()
    demo_programs.seed(stdout=io.StringIO())
    assert counts() == before
