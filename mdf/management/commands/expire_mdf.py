import datetime as dt

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from mdf.claims.services import lapse_overdue_claims
from mdf.funds.services import expire_funds


class Command(BaseCommand):
    help = (
        "Expire (or carry over) what is left in funds past their last day, and lapse overdue "
        "claims. Safe to run again."
    )

    def add_arguments(self, parser):
        parser.add_argument("--as-of", help="YYYY-MM-DD (today by default)")

    def handle(self, *args, as_of=None, **options):
        try:
            day = dt.date.fromisoformat(as_of) if as_of else timezone.localdate()
        except ValueError as exc:
            raise CommandError("Give --as-of as YYYY-MM-DD.") from exc
        result = expire_funds(as_of=day)
        lapsed = lapse_overdue_claims(today=day)
        self.stdout.write(
            f"as of {day}: {result.funds} funds closed, {result.expired} expired, "
            f"{result.carried} carried over; {lapsed} overdue claims lapsed."
        )
