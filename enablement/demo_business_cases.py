"""Demo business case models (an MSP security ROI, a consolidation savings case) and the cases
BluePeak builds with them. Idempotent: a model is found by its name, a case by its partner and
prospect."""

from partners.models import Partner
from prm.models import User

from .business_cases import services as case_services
from .models import BusinessCase, BusinessCaseModel

# The model's numbers are checked by hand in tests/enablement/test_business_cases.py.
MSP_SECURITY_ROI = {
    "name": "MSP security bundle ROI",
    "description": "What the managed security bundle returns to a small business in its first "
    "year: tools retired, incidents avoided and admin time saved, against the price.",
    "inputs": [
        {"key": "seats", "label": "Users / seats", "unit": "seats", "default": "50", "min": "1"},
        {
            "key": "current_cost_per_seat",
            "label": "Current security tools, cost per seat per month",
            "unit": "per seat / month",
            "default": "6.00",
            "min": "0",
        },
        {
            "key": "incidents_per_year",
            "label": "Security incidents per year",
            "unit": "incidents",
            "default": "4",
            "min": "0",
        },
        {
            "key": "hours_lost_per_incident",
            "label": "Hours lost per incident",
            "unit": "hours",
            "default": "12",
            "min": "0",
        },
        {
            "key": "price_per_seat",
            "label": "Price offered, per seat per month",
            "unit": "per seat / month",
            "default": "9.00",
            "min": "0",
        },
        {
            "key": "onboarding_fee",
            "label": "One-time onboarding fee",
            "unit": "",
            "default": "1500",
            "min": "0",
        },
    ],
    "assumptions": {
        "hourly_cost": "65",
        "incident_reduction": "0.60",
        "admin_hours_saved_per_seat": "1.5",
    },
    "formulas": [
        {
            "key": "annual_subscription",
            "label": "Annual subscription",
            "expression": "seats * price_per_seat * 12",
            "format": "money",
        },
        {
            "key": "first_year_price",
            "label": "First-year price",
            "expression": "annual_subscription + onboarding_fee",
            "format": "money",
        },
        {
            "key": "tools_retired",
            "label": "Current tools retired",
            "expression": "seats * current_cost_per_seat * 12",
            "format": "money",
        },
        {
            "key": "incident_savings",
            "label": "Incident cost avoided",
            "expression": "incidents_per_year * incident_reduction * hours_lost_per_incident"
            " * hourly_cost",
            "format": "money",
        },
        {
            "key": "admin_savings",
            "label": "Admin time saved",
            "expression": "seats * admin_hours_saved_per_seat * hourly_cost",
            "format": "money",
        },
        {
            "key": "total_benefit",
            "label": "Total first-year benefit",
            "expression": "tools_retired + incident_savings + admin_savings",
            "format": "money",
        },
        {
            "key": "net_benefit",
            "label": "Net benefit",
            "expression": "total_benefit - first_year_price",
            "format": "money",
        },
        {
            "key": "payback_months",
            "label": "Payback period",
            "expression": "first_year_price / (total_benefit / 12)",
            "format": "months",
        },
        {
            "key": "roi",
            "label": "Return on investment",
            "expression": "net_benefit / first_year_price",
            "format": "percent",
        },
    ],
    "deal_amount_key": "first_year_price",
    "currency": "USD",
    "business_models": ["msp", "mssp"],
}

CONSOLIDATION_SAVINGS = {
    "name": "Tool consolidation savings",
    "description": "Three-year savings from replacing overlapping point tools with the platform.",
    "inputs": [
        {"key": "users", "label": "Users", "unit": "users", "default": "200", "min": "1"},
        {
            "key": "tools_replaced_cost",
            "label": "Annual cost of the tools replaced",
            "unit": "per year",
            "default": "48000",
            "min": "0",
        },
        {
            "key": "price_per_user",
            "label": "Price offered, per user per year",
            "unit": "per user / year",
            "default": "120",
            "min": "0",
        },
    ],
    "assumptions": {"years": "3", "migration_cost_per_user": "15"},
    "formulas": [
        {
            "key": "three_year_price",
            "label": "Three-year price",
            "expression": "users * price_per_user * years",
            "format": "money",
        },
        {
            "key": "migration_cost",
            "label": "Migration effort",
            "expression": "users * migration_cost_per_user",
            "format": "money",
        },
        {
            "key": "three_year_savings",
            "label": "Three-year savings",
            "expression": "tools_replaced_cost * years - three_year_price - migration_cost",
            "format": "money",
        },
        {
            "key": "savings_share",
            "label": "Savings against today's spend",
            "expression": "three_year_savings / max(tools_replaced_cost * years, 1)",
            "format": "percent",
        },
    ],
    "deal_amount_key": "three_year_price",
    "currency": "USD",
    "business_models": [],
}

BLUEPEAK_CASES = [
    ("Front Range Dental Group", {"seats": "45", "incidents_per_year": "3"}),
    ("Summit County Credit Union", {"seats": "120", "current_cost_per_seat": "7.50",
                                    "incidents_per_year": "6", "price_per_seat": "8.50"}),
    ("Aspen Ridge Logistics", {"seats": "80", "hours_lost_per_incident": "16"}),
]  # fmt: skip


def seed_business_case_models(ops: User) -> dict[str, BusinessCaseModel]:
    models = {}
    for spec in (MSP_SECURITY_ROI, CONSOLIDATION_SAVINGS):
        fields = {key: value for key, value in spec.items() if key != "name"}
        model, _created = BusinessCaseModel.objects.get_or_create(
            name=spec["name"], defaults={**fields, "published": True, "created_by": ops}
        )
        model.full_clean()
        models[spec["name"]] = model
    return models


def seed_business_cases(model: BusinessCaseModel, partner: Partner, author: User) -> int:
    """BluePeak's cases built on ``model`` by ``author``, each once (found by its prospect)."""
    created = 0
    for prospect, inputs in BLUEPEAK_CASES:
        if BusinessCase.objects.filter(partner=partner, prospect_name=prospect).exists():
            continue
        case_services.build_business_case(
            actor=author, partner=partner, model=model, prospect_name=prospect, inputs=inputs
        )
        created += 1
    return created
