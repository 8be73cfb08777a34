from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from deals.imports import import_registrations
from partners.models import Partner, PartnerMembership
from prm.exceptions import DomainError
from prm.models import User


class Command(BaseCommand):
    help = (
        "Import deal registrations for a partner from a CSV file (one row per registration, "
        "header names matching the fields). Prints a line per failed or skipped row."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--partner-id", type=int, required=True)
        parser.add_argument(
            "--user",
            help="Email of the partner user registering the deals (default: the first admin).",
        )
        parser.add_argument(
            "--draft", action="store_true", help="Import as drafts instead of submitting."
        )

    def handle(self, *args, file: Path, partner_id: int, user: str | None, draft: bool, **opts):
        partner = Partner.objects.filter(pk=partner_id).first()
        if partner is None:
            raise CommandError(f"No partner with id {partner_id}.")
        actor = self._actor(partner, user)
        try:
            data = file.read_bytes()
        except OSError as exc:
            raise CommandError(f"Cannot read {file}: {exc}") from exc
        try:
            record = import_registrations(
                actor=actor, partner=partner, data=data, filename=file.name, submit=not draft
            )
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        for row in record.report:
            if row["outcome"] != "created":
                self.stdout.write(f"line {row['line']}: {row['outcome']}: {row['reason']}")
        self.stdout.write(
            f"{record.created_count} created, {record.duplicate_count} duplicate(s) skipped, "
            f"{record.failed_count} failed (import #{record.pk})."
        )

    def _actor(self, partner: Partner, email: str | None) -> User:
        memberships = PartnerMembership.objects.filter(partner=partner, user__is_active=True)
        if email:
            membership = memberships.filter(user__email__iexact=email).select_related("user")
        else:
            membership = memberships.filter(role=PartnerMembership.Role.ADMIN).select_related(
                "user"
            )
        found = membership.order_by("created_at", "pk").first()
        if found is None:
            who = email or "an active admin"
            raise CommandError(f"{who} is not a member of {partner}; pass --user.")
        return found.user
