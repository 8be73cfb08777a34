from django.core.management.base import BaseCommand, CommandError

from mdf.exceptions import MdfError
from mdf.funds.services import accrue_month, parse_month
from prm.exceptions import DomainError


class Command(BaseCommand):
    help = "Accrue one month's MDF for every partner (safe to run again: it adds nothing twice)."

    def add_arguments(self, parser):
        parser.add_argument("--month", required=True, help="YYYY-MM, e.g. 2026-03")

    def handle(self, *args, month, **options):
        try:
            result = accrue_month(month=parse_month(month))
        except (MdfError, DomainError) as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(
            f"{result.month:%Y-%m}: {result.partners} partners accrue {result.total}; "
            f"{result.created} entries written, {result.already} already there."
        )
