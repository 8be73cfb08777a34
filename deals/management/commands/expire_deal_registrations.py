from django.core.management.base import BaseCommand

from deals import services


class Command(BaseCommand):
    help = "Expire approved deal registrations whose protection window has ended (nightly job)."

    def handle(self, *args, **options):
        count = services.expire_registrations()
        self.stdout.write(f"Expired {count} registration(s).")
