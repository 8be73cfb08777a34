from django.core.management.base import BaseCommand

from partners import services


class Command(BaseCommand):
    help = "Close partner invitations past their expiry date (the nightly job, without a worker)."

    def handle(self, *args, **options):
        closed = services.expire_invitations()
        self.stdout.write(f"Closed {closed} expired invitation(s).")
