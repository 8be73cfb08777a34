"""Lead routing rules of the demo program, so a new lead routes without hand work. Safe to run
again: rules are found by name and never duplicated."""

from django.db import transaction

from partners.models import BusinessModel, Region, Tier

from ..models import LeadRoutingRule

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


def seed(*, stdout) -> None:
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
    stdout.write(f"Lead routing: {created} new routing rules.")
