from django.core.management.base import BaseCommand
from django.utils import timezone

from prm.webhooks import delivery, selectors


class Command(BaseCommand):
    help = "Send the webhook deliveries that are due (what the every-minute job does), here."

    def handle(self, *args, **options):
        ids = selectors.due_delivery_ids(timezone.now())
        for pk in ids:
            delivery.send_delivery(delivery_id=pk)
        self.stdout.write(f"{len(ids)} deliveries tried.")
