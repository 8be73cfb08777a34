from django.core.management.base import BaseCommand

from deals.leads import services as lead_services


class Command(BaseCommand):
    help = (
        "Recall lead offers whose accept-by time has passed and offer the leads to the next "
        "matching partner (runs every 15 minutes under Celery beat)."
    )

    def handle(self, *args, **options):
        count = lead_services.recall_overdue_leads()
        self.stdout.write(f"Recalled {count} lead(s).")
