import datetime as dt

from django.core.management.base import BaseCommand, CommandError

from enablement.services import refresh_certification_statuses


class Command(BaseCommand):
    help = "Mark expiring and expired certifications and warn the people concerned (daily job)."

    def add_arguments(self, parser):
        parser.add_argument("--date", help="Run as of this day (YYYY-MM-DD); default today.")

    def handle(self, *args, date=None, **options):
        try:
            today = dt.date.fromisoformat(date) if date else None
        except ValueError as exc:
            raise CommandError(f"--date must be YYYY-MM-DD, not {date!r}.") from exc
        summary = refresh_certification_statuses(today=today)
        self.stdout.write(str(summary))
