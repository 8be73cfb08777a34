from django.core.management.base import BaseCommand, CommandError

from prm.exceptions import DomainError
from scorecards.cards import services


class Command(BaseCommand):
    help = (
        "Compute every active partner's scorecard for a fiscal quarter here and now. Without "
        "--quarter, the current quarter. Scorecards of a closed quarter, once computed after "
        "it closed, are kept as they are."
    )

    def add_arguments(self, parser):
        parser.add_argument("--quarter", help="fiscal quarter, e.g. 2027-Q1 or FY2027-Q1")
        parser.add_argument("--chunk-size", type=int, default=services.CHUNK_SIZE)

    def handle(self, *args, quarter=None, chunk_size=services.CHUNK_SIZE, **options):
        label = quarter or services.current_quarter().label
        try:
            run = services.start_run(quarter=label, actor=None, queue=False)
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        run = services.run_scorecards(run.pk, chunk_size=chunk_size)
        self.stdout.write(
            f"Scorecards {run.quarter}: {run.partners_done} partners, {run.computed_count} "
            f"computed, {run.kept_count} closed scorecards kept."
        )
