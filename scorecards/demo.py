"""Demo data: the tier review of the quarter that closed last, with its proposals waiting for
program ops (run once; seeding again leaves it as it is)."""

from django.utils import timezone

from .models import TierReview
from .review import selectors, services


def seed(*, stdout) -> None:
    quarter = selectors.last_closed_quarter(timezone.localdate())
    if TierReview.objects.filter(quarter=quarter.label).exists():
        return
    review = services.start_review(quarter=quarter.label, actor=None, queue=False)
    review = services.run_review(review.pk)
    stdout.write(
        f"  tier review {review.quarter}: {review.promote_count} to promote, "
        f"{review.demote_count} to demote, {review.hold_count} to hold\n"
    )
