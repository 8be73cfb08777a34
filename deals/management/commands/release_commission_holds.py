from django.core.management.base import BaseCommand

from deals.commissions.statements import release_held_lines


class Command(BaseCommand):
    help = (
        "Make held commission lines whose hold has ended payable (runs every night under "
        "Celery beat; a payout also releases its partner's lines first)."
    )

    def handle(self, *args, **options):
        count = release_held_lines()
        self.stdout.write(f"Released {count} held commission line(s).")
