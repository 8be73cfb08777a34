"""Lead routing rules of the demo program, so a new lead routes without hand work, and a dozen
leads at each step of their life: new ones for ops to route, offers waiting for Northwind and
BluePeak to answer, accepted, converted to a registration and rejected ones. Safe to run again:
rules and leads are found by name and never duplicated."""

import datetime as dt

from django.db import transaction
from django.utils import timezone

from partners.models import BusinessModel, Partner, PartnerMembership, Region, Tier
from prm.models import User

from ..models import Lead, LeadRoutingRule
from . import services

# name, priority, criteria. The last rule takes any lead an active partner can serve.
RULES = [
    (
        "Managed services in EMEA",
        10,
        {"regions": [Region.EMEA], "business_models": [BusinessModel.MSP, BusinessModel.MSSP]},
    ),
    ("Healthcare leads to healthcare specialists", 20, {"specialty": "healthcare"}),
    ("Top tiers first", 50, {"min_tier_rank": "top"}),
    ("Any partner serving the lead's country", 100, {}),
]


# company, contact, country, region, industry, specialty, amount and currency, what becomes of it
# (new: waiting for ops; route: through the rules; offer/accept/convert/reject: to the partner
# named, by hand).
LEADS = [
    (
        "Quay Street Bakeries",
        "Aoife Byrne",
        "IE",
        "EMEA",
        "Food and beverage",
        "",
        "18000 EUR",
        ("new", None),
    ),
    ("Saguaro Solar", "Luis Ortega", "US", "NA", "Energy", "", "64000 USD", ("new", None)),
    (
        "Summit Orthopedics",
        "Dr. Hannah Lee",
        "US",
        "NA",
        "Healthcare",
        "healthcare",
        "85000 USD",
        ("route", None),
    ),
    (
        "Harbor Freight Lines",
        "Mia Jensen",
        "US",
        "NA",
        "Logistics",
        "",
        "48000 USD",
        ("offer", "Northwind"),
    ),
    (
        "Peak Dental Group",
        "Omar Haddad",
        "US",
        "NA",
        "Healthcare",
        "",
        "36000 USD",
        ("offer", "Northwind"),
    ),
    (
        "Rhein Logistik",
        "Jonas Weber",
        "DE",
        "EMEA",
        "Logistics",
        "",
        "75000 EUR",
        ("offer", "BluePeak"),
    ),
    (
        "Lakeside Credit Union",
        "Grace Kim",
        "CA",
        "NA",
        "Financial services",
        "",
        "90000 USD",
        ("accept", "Northwind"),
    ),
    (
        "Alder Manufacturing",
        "Pete Novak",
        "US",
        "NA",
        "Manufacturing",
        "",
        "120000 USD",
        ("convert", "Northwind"),
    ),
    (
        "Corvid Analytics",
        "Sara Lind",
        "GB",
        "EMEA",
        "Software",
        "",
        "55000 EUR",
        ("reject", "BluePeak"),
    ),
]
REJECTION = "Outside our managed-services focus: a one-off analytics project."


def seed(*, stdout) -> None:
    created = _seed_rules()
    stdout.write(f"Lead routing: {created} new routing rules.")
    stdout.write(f"Leads: {_seed_leads()} new leads.")


def _seed_rules() -> int:
    created = 0
    top = Tier.objects.order_by("-rank").values_list("rank", flat=True).first()
    with transaction.atomic():
        for name, priority, criteria in RULES:
            values = {
                key: [str(v) for v in val] if isinstance(val, list) else val
                for key, val in criteria.items()
            }
            if values.get("min_tier_rank") == "top":
                if top is None:
                    continue
                values["min_tier_rank"] = top
            _rule, made = LeadRoutingRule.objects.get_or_create(
                name=name, defaults={"priority": priority, **values}
            )
            created += made
    return created


def _seed_leads() -> int:
    ops = User.objects.filter(internal_role=User.InternalRole.PROGRAM_OPS, is_active=True).first()
    if ops is None:
        return 0
    created = 0
    for company, contact, country, region, industry, specialty, amount, fate in LEADS:
        if Lead.objects.filter(company_name=company).exists():
            continue
        partner = _partner(fate[1]) if fate[1] else None
        if fate[1] and partner is None:
            continue
        estimated, currency = amount.split()
        with transaction.atomic():
            lead = services.create_lead(
                actor=ops,
                company_name=company,
                contact_name=contact,
                contact_email=f"{contact.split()[-1].lower()}@{company.split()[0].lower()}.example",
                country=country,
                region=region,
                industry=industry,
                specialty=specialty,
                description=f"{contact} asked for a call about the platform.",
                estimated_amount=estimated,
                currency=currency,
            )
            _advance(lead, fate[0], partner, ops)
        created += 1
    return created


def _partner(prefix: str) -> Partner | None:
    return (
        Partner.objects.filter(display_name__startswith=prefix, status=Partner.Status.ACTIVE)
        .order_by("pk")
        .first()
    )


def _advance(lead: Lead, fate: str, partner: Partner | None, ops: User) -> None:
    if fate == "new":
        return
    if fate == "route":
        services.route_lead(lead=lead, actor=ops)
        return
    assert partner is not None
    services.offer_lead(lead=lead, partner=partner, actor=ops)
    member = (
        PartnerMembership.objects.filter(partner=partner)
        .order_by("-role", "user__email")
        .select_related("user")
        .first()
    )
    if fate == "offer" or member is None:
        return
    if fate == "reject":
        services.reject_lead(lead=lead, actor=member.user, reason=REJECTION)
        return
    services.accept_lead(lead=lead, actor=member.user)
    if fate == "convert":
        services.convert_lead(
            lead=lead,
            actor=member.user,
            expected_close_date=timezone.localdate() + dt.timedelta(days=60),
            product_lines=["Platform"],
        )
