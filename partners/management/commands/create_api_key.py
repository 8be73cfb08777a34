from django.core.management.base import BaseCommand, CommandError

from partners.api_keys import issue_api_key
from partners.models import Partner
from prm.exceptions import DomainError
from prm.models import ApiKey


class Command(BaseCommand):
    help = (
        "Issue an API key for an integration and print it once. Without --partner-id the key "
        "is program-wide (within its scopes); with it, the key sees only that partner."
    )

    def add_arguments(self, parser):
        parser.add_argument("--name", required=True, help="What the key is for, e.g. 'CRM sync'.")
        parser.add_argument(
            "--scope",
            action="append",
            dest="scopes",
            required=True,
            choices=ApiKey.Scope.values,
            help="A scope to grant; repeat for several.",
        )
        parser.add_argument("--partner-id", type=int, help="Bind the key to this partner.")

    def handle(self, *args, name, scopes, partner_id=None, **options):
        partner = None
        if partner_id is not None:
            partner = Partner.objects.filter(pk=partner_id).first()
            if partner is None:
                raise CommandError(f"No partner with id {partner_id}.")
        try:
            key, plaintext = issue_api_key(name=name, scopes=scopes, actor=None, partner=partner)
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        bound = f"partner {partner.display_name} (id {partner.pk})" if partner else "program-wide"
        self.stdout.write(f'Issued API key "{key.name}" ({bound}), scopes: {", ".join(key.scopes)}')
        self.stdout.write("Store it now; it is not shown again:")
        self.stdout.write(plaintext)
