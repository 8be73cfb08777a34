from django.core.management.base import BaseCommand

from deals import services


class Command(BaseCommand):
    help = "Remind partners whose deal protection ends soon (daily job)."

    def handle(self, *args, **options):
        count = services.send_expiry_reminders()
        self.stdout.write(f"Sent {count} expiry reminder(s).")
