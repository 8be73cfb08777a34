from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from prm.exceptions import DomainError
from scorecards.review import selectors, services


class Command(BaseCommand):
    help = (
        "Run the tier review of a closed fiscal quarter here and now (or continue an "
        "interrupted one). Without --quarter, the quarter that closed last."
    )

    def add_arguments(self, parser):
        parser.add_argument("--quarter", help="fiscal quarter, e.g. FY2026-Q3")
        parser.add_argument("--chunk-size", type=int, default=None)

    def handle(self, *args, quarter=None, chunk_size=None, **options):
        label = quarter or selectors.last_closed_quarter(timezone.localdate()).label
        try:
            review = services.start_review(quarter=label, actor=None, queue=False)
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        review = services.run_review(review.pk, chunk_size=chunk_size)
        self.stdout.write(
            f"Tier review {review.quarter}: {review.partners_done} of {review.partners_total} "
            f"partners; {review.promote_count} promote, {review.demote_count} demote, "
            f"{review.hold_count} hold ({review.warned_count} warned)."
        )
