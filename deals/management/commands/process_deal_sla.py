from django.core.management.base import BaseCommand

from deals import services


class Command(BaseCommand):
    help = "Remind reviewers of registrations due soon and escalate overdue ones (hourly job)."

    def handle(self, *args, **options):
        result = services.process_sla()
        self.stdout.write(
            f"Sent {result['reminded']} reminder(s), "
            f"escalated {result['escalated']} registration(s)."
        )
