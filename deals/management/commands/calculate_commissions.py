"""Calculate commission lines for a period without a worker: ``--period 2026-Q3``."""

from django.core.management.base import BaseCommand, CommandError

from deals.commissions.services import run_commission_calculation
from prm.exceptions import DomainError


class Command(BaseCommand):
    help = "Calculate the commission lines and statements of one fiscal quarter (safe to re-run)."

    def add_arguments(self, parser):
        parser.add_argument("--period", required=True, help="Fiscal quarter, e.g. FY2026-Q3.")

    def handle(self, *args, period: str, **options):
        def progress(chunk: int) -> None:
            if options["verbosity"] > 1:
                self.stdout.write(f"chunk {chunk + 1} done")

        try:
            run = run_commission_calculation(period=period, on_chunk=progress)
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(
            f"{run.period}: {run.rows_done} deals, {run.lines_created} lines created, "
            f"{run.lines_updated} updated."
        )
