"""Demo data for onboarding, joint business plans, the content library and business cases (their
models and BluePeak's cases: ``demo_business_cases``).

Idempotent: every row is found by a natural key (a template's business model, a plan's partner
and year, an asset's title, a model's name, a case's partner and prospect) before it is made.
Library files are small PDFs rendered at seed time, so no binary is kept in the repository.
"""

import datetime as dt
from dataclasses import dataclass, field

from django.core.files.base import ContentFile
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.text import slugify

from partners.models import BusinessModel, Partner, PartnerMembership, Tier
from prm.models import User
from prm.periods import fiscal_quarter, fiscal_year

from .content import services as content_services
from .demo_business_cases import (
    MSP_SECURITY_ROI,
    seed_business_case_models,
    seed_business_cases,
)
from .models import (
    Asset,
    JointBusinessPlan,
    OnboardingStep,
    OnboardingTemplate,
    PlanTarget,
)
from .programs import onboarding
from .programs import services as program_services

Kind = OnboardingStep.Kind
BM = BusinessModel

# --- Onboarding -------------------------------------------------------------------------------

# Business model: (people to certify, with a joint business plan?, the model's own custom step)
ONBOARDING = {
    BM.RESELLER: (2, True, "Set up the not-for-resale demo environment"),
    BM.MSP: (2, True, "Add the managed security bundle to your service catalogue"),
    BM.MSSP: (2, True, "Connect your SOC to the platform's monitoring feed"),
    BM.SI: (2, True, "Nominate a delivery lead for joint projects"),
    BM.ISV: (1, True, "List your integration in the partner marketplace"),
    BM.DISTRIBUTOR: (1, True, "Load the price list into your ordering system"),
    BM.REFERRAL: (1, False, "Add your referral link to your website"),
    BM.ADVISOR: (1, False, "Brief your supplier desk on the portfolio"),
    "": (1, True, "Complete your organisation profile"),
}


def _template_steps(people: int, with_plan: bool, custom: str) -> list[tuple]:
    steps = [
        (Kind.AGREEMENT_ACCEPTED, "Accept the partner program agreement", 1),
        (Kind.INTRODUCTORY_MEETING, "Introductory meeting with your channel account manager", 1),
        (Kind.FIRST_CERTIFICATIONS, f"Certify your first {people} people", people),
    ]
    if with_plan:
        steps.append((Kind.JOINT_BUSINESS_PLAN, "Agree this year's joint business plan", 1))
    steps.append((Kind.CUSTOM, custom, 1))
    return steps


def seed_onboarding_templates() -> int:
    created = 0
    for business_model, (people, with_plan, custom) in ONBOARDING.items():
        label = BusinessModel(business_model).label if business_model else "Default"
        template, made = OnboardingTemplate.objects.get_or_create(
            business_model=business_model,
            defaults={
                "name": f"{label} onboarding",
                "description": "Agreement, first certifications, a joint plan and introductions.",
            },
        )
        if not made:
            continue
        created += 1
        for position, (kind, title, count) in enumerate(_template_steps(people, with_plan, custom)):
            OnboardingStep.objects.create(
                template=template, position=position, kind=kind, title=title, required_count=count
            )
    return created


def seed_onboarding_progress() -> int:
    started = 0
    partners = Partner.objects.filter(status=Partner.Status.ONBOARDING).select_related(
        "channel_manager"
    )
    for index, partner in enumerate(partners.order_by("display_name")):
        if hasattr(partner, "onboarding"):
            continue
        cam = partner.channel_manager
        onboarding.start_onboarding(partner=partner, actor=cam)
        started += 1
        if cam is not None and index % 2 == 0:
            meeting = partner.onboarding.template.steps.filter(
                kind=Kind.INTRODUCTORY_MEETING
            ).first()
            if meeting is not None:
                onboarding.check_onboarding_step(
                    actor=cam, partner=partner, step=meeting, done=True, note="Kick-off call held"
                )
    return started


# --- Joint business plans ---------------------------------------------------------------------

PLANS = {
    "Northwind Systems": {
        "title": "Northwind × Platform: mid-market growth plan",
        "summary": "Grow in Pacific Northwest healthcare and logistics; certify a sales and a "
        "technical lead in every office; two reference customers by Q3.",
        "targets": [
            (PlanTarget.Metric.REGISTERED_DEALS, "Registered in the portal", "40", "Alex Kim", 4),
            (PlanTarget.Metric.CLOSED_WON, "Partner-sourced bookings", "850000", "Alex Kim", 4),
            (PlanTarget.Metric.CERTIFIED_PEOPLE, "Sales and technical", "8", "Jamie Lee", 2),
            (PlanTarget.Metric.CO_MARKETING, "Webinars and field events", "4", "Morgan Diaz", 4),
        ],
        "initiatives": [
            ("Healthcare target-account campaign", "Jamie Lee", 1, 2),
            ("Joint webinar series", "Morgan Diaz", 2, 4),
        ],
    },
    "BluePeak Managed IT": {
        "title": "BluePeak: managed security bundle launch",
        "summary": "Package the security bundle as a monthly managed offer and convert the "
        "existing backup customers.",
        "targets": [
            (PlanTarget.Metric.NEW_CUSTOMERS, "Bundle subscribers", "25", "Riley Chen", 4),
            (PlanTarget.Metric.PIPELINE, "Qualified pipeline", "300000", "Riley Chen", 3),
            (PlanTarget.Metric.CERTIFIED_PEOPLE, "Technical staff", "4", "Sam Patel", 2),
        ],
        "initiatives": [
            ("Bundle pricing and packaging", "Riley Chen", 1, 1),
            ("Customer base conversion campaign", "Sam Patel", 2, 4),
        ],
    },
    "Continental Distribution": {
        "title": "Continental: two-tier recruitment in EMEA",
        "summary": "Recruit and enable resellers in Benelux and North Africa.",
        "targets": [
            (PlanTarget.Metric.ENABLEMENT_SESSIONS, "Reseller bootcamps", "6", "Eva de Vries", 4),
            (PlanTarget.Metric.REGISTERED_DEALS, "Via resellers", "60", "Eva de Vries", 4),
        ],
        "initiatives": [("Reseller bootcamp roadshow", "Eva de Vries", 2, 3)],
    },
}


CHECKIN_NOTES = [
    "Kick-off held: targets agreed and the target-account list shared (42 accounts). "
    "Next: date the first joint webinar.",
    "11 deals registered against 10 planned; two certifications behind plan. "
    "Next: certification push before quarter end.",
    "Pipeline at 70% of target; first reference customer live. "
    "Next: second reference customer and a case study.",
    "Renewal campaign launched; next year's planning session booked.",
]


def _quarter_bounds(year_start: dt.date, quarter: int) -> tuple[dt.date, dt.date]:
    start = fiscal_quarter(year_start).start
    for _ in range(quarter - 1):
        start = fiscal_quarter(start).next().start
    return start, fiscal_quarter(start).end


def _admin_of(partner: Partner) -> User | None:
    membership = (
        PartnerMembership.objects.filter(partner=partner, role=PartnerMembership.Role.ADMIN)
        .select_related("user")
        .order_by("created_at", "pk")
        .first()
    )
    return membership.user if membership else None


def _seed_plan(partner: Partner, spec: dict, year) -> bool:
    if JointBusinessPlan.objects.filter(partner=partner, fiscal_year=year.year).exists():
        return False
    author, approver = partner.channel_manager, _admin_of(partner)
    if author is None or approver is None:
        return False
    plan = program_services.create_plan(
        actor=author,
        partner=partner,
        fiscal_year=year.year,
        title=spec["title"],
        summary=spec["summary"],
    )
    quarters = {q: _quarter_bounds(year.start, q) for q in (1, 2, 3, 4)}
    program_services.update_plan(
        actor=author,
        plan=plan,
        title=spec["title"],
        summary=spec["summary"],
        targets=[
            {"metric": m, "description": d, "target_value": v, "owner": o, "due_quarter": q}
            for m, d, v, o, q in spec["targets"]
        ],
        initiatives=[
            {
                "title": title,
                "owner": owner,
                "starts_on": quarters[first][0],
                "ends_on": quarters[last][1],
            }
            for title, owner, first, last in spec["initiatives"]
        ],
        checkins=[
            {
                "scheduled_on": quarters[q][0] + dt.timedelta(days=40),
                "agenda": "Status to target, pipeline review, next quarter's priorities",
            }
            for q in (1, 2, 3, 4)
        ],
    )
    program_services.approve_plan(actor=approver, plan=plan, note="Agreed in the planning session")
    today = timezone.localdate()
    held = plan.checkins.filter(scheduled_on__lte=today)  # only meetings already past
    for checkin, notes in zip(held, CHECKIN_NOTES, strict=False):
        program_services.record_checkin(
            actor=author, checkin=checkin, held_on=checkin.scheduled_on, notes=notes
        )
    return True


def seed_plans() -> int:
    year = fiscal_year(timezone.localdate())
    partners = Partner.objects.filter(display_name__in=list(PLANS)).select_related(
        "channel_manager"
    )
    return sum(_seed_plan(partner, PLANS[partner.display_name], year) for partner in partners)


# --- Content library --------------------------------------------------------------------------

A = Asset.Kind
MSPS, TOP, SILVER_UP = ["msp", "mssp"], ["Gold", "Platinum"], ["Silver", "Gold", "Platinum"]


@dataclass(frozen=True)
class DemoAsset:
    title: str
    kind: str
    description: str
    co_brandable: bool = False
    tiers: list[str] = field(default_factory=list)  # tier names; empty: every tier
    business_models: list[str] = field(default_factory=list)  # empty: every model
    link: str = ""


ASSETS = [
    DemoAsset("Platform overview", A.COLLATERAL, "Two-page introduction for first meetings.",
              co_brandable=True),
    DemoAsset("Platform datasheet", A.DATASHEET, "Features, editions and system requirements.",
              co_brandable=True),
    DemoAsset("Security bundle datasheet", A.DATASHEET,
              "What the managed security bundle covers.", co_brandable=True,
              business_models=MSPS),
    DemoAsset("Executive pitch deck", A.PITCH_DECK, "Twelve slides for an executive sponsor."),
    DemoAsset("MSP security bundle pitch deck", A.PITCH_DECK,
              "Selling the bundle as a monthly service.", co_brandable=True,
              business_models=MSPS),
    DemoAsset("Distributor recruitment deck", A.PITCH_DECK,
              "Recruiting resellers into two-tier.", business_models=["distributor"]),
    DemoAsset("Healthcare campaign in a box", A.CAMPAIGN,
              "Emails, landing page copy and a webinar script for clinics.", co_brandable=True,
              tiers=SILVER_UP),
    DemoAsset("Year-end renewal campaign", A.CAMPAIGN, "Three-touch email sequence for renewals.",
              co_brandable=True, business_models=["reseller", "msp"]),
    DemoAsset("Partner-led ABM campaign kit", A.CAMPAIGN,
              "Account-based campaign for top-tier partners.", co_brandable=True, tiers=TOP),
    DemoAsset("Case study: Harbor Health Network", A.COLLATERAL,
              "2,400 seats migrated with SSO in six weeks.", co_brandable=True),
    DemoAsset("Case study: Lakeside Logistics", A.COLLATERAL, "24/7 monitoring for 40 sites.",
              co_brandable=True, business_models=MSPS),
    DemoAsset("Integration guide for ISVs", A.DATASHEET,
              "API, webhooks and certification of connectors.", business_models=["isv", "si"]),
    DemoAsset("Competitive battlecard", A.COLLATERAL,
              "How we win against the usual alternatives.", tiers=SILVER_UP),
    DemoAsset("Product tour (video)", A.VIDEO, "A 6-minute walk through the platform.",
              link="https://videos.example/platform-tour"),
    DemoAsset("Selling managed security (webinar recording)", A.VIDEO,
              "Partner webinar with BluePeak.", business_models=MSPS,
              link="https://videos.example/msp-webinar"),
]  # fmt: skip


def _sample_pdf(title: str, description: str, kind_label: str) -> bytes:
    from weasyprint import HTML

    html = render_to_string(
        "enablement/asset_sample.html",
        {"title": title, "description": description, "kind": kind_label},
    )
    return HTML(string=html).write_pdf()


def seed_assets(ops: User) -> int:
    tiers = {tier.name: tier for tier in Tier.objects.all()}
    existing = set(Asset.objects.values_list("title", flat=True))
    created = 0
    for spec in ASSETS:
        if spec.title in existing:
            continue
        upload = None
        if not spec.link:
            data = _sample_pdf(spec.title, spec.description, Asset.Kind(spec.kind).label)
            upload = ContentFile(data, name=f"{slugify(spec.title)}.pdf")
        content_services.create_asset(
            actor=ops,
            title=spec.title,
            kind=spec.kind,
            description=spec.description,
            upload=upload,
            external_url=spec.link,
            tiers=[tiers[name] for name in spec.tiers if name in tiers],
            business_models=spec.business_models,
            co_brandable=spec.co_brandable,
            published=True,
        )
        created += 1
    return created


def seed(*, stdout) -> None:
    ops = User.objects.filter(internal_role__in=["ops", "admin"]).order_by("-internal_role").first()
    with transaction.atomic():
        templates = seed_onboarding_templates()
        started = seed_onboarding_progress()
        plans = seed_plans()
    assets = cases = 0
    if ops is not None:
        with transaction.atomic():
            assets = seed_assets(ops)
            models = seed_business_case_models(ops)
            bluepeak = Partner.objects.filter(display_name="BluePeak Managed IT").first()
            author = _admin_of(bluepeak) if bluepeak else None
            if bluepeak is not None and author is not None:
                cases = seed_business_cases(models[MSP_SECURITY_ROI["name"]], bluepeak, author)
    stdout.write(
        f"enablement programs: {templates} onboarding templates, {started} partners onboarding, "
        f"{plans} approved plans, {assets} assets, {cases} business cases added\n"
    )
