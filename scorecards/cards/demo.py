"""Demo data: a year of quarterly scorecards for every active partner (the four closed quarters
final, the current one live), with customer satisfaction rated by each partner's channel
account manager so the trend moves. Seeding again leaves existing scorecards as they are."""

import random

from django.db import transaction

from partners.models import Partner

from . import services
from .criteria import Criterion
from .models import CamRating, Scorecard

QUARTERS_BACK = 4
NOTES = {
    2: "Two escalations from customers this quarter.",
    3: "Customers satisfied; renewals on time.",
    4: "Strong renewal feedback and a customer reference call.",
    5: "Outstanding feedback from every customer reviewed.",
}


def seed(*, stdout) -> None:
    partners = list(
        Partner.objects.filter(status=Partner.Status.ACTIVE).select_related("channel_manager")
    )
    if not partners or Scorecard.objects.exists():
        return
    rng = random.Random("scorecards")
    quarters = [services.current_quarter()]
    for _i in range(QUARTERS_BACK):
        quarters.insert(0, quarters[0].previous())
    with transaction.atomic():
        for quarter in quarters:
            services.compute_scorecards(partners, quarter)
            _rate(quarter, partners, rng)
    stdout.write(
        f"  scorecards: {len(partners)} partners × {len(quarters)} quarters "
        f"({quarters[0].label} to {quarters[-1].label})\n"
    )


def _rate(quarter, partners, rng: random.Random) -> None:
    cards = Scorecard.objects.filter(quarter=quarter.label, partner__in=partners).select_related(
        "partner"
    )
    for card in cards:
        cam = card.partner.channel_manager
        if cam is None or CamRating.objects.filter(scorecard=card).exists():
            continue
        rating = rng.choice([2, 3, 3, 4, 4, 5])
        services.rate_criterion(
            actor=cam,
            scorecard=card,
            criterion=Criterion.CUSTOMER_SATISFACTION,
            rating=rating,
            note=NOTES[rating],
        )
