"""API keys for integrations: who may issue them, issuing, revoking, and which keys a user sees.

Every key acts as its own service account (``ApiKey.principal``), so the partner selectors scope
what a key can read exactly as they scope a person:

- a key bound to a partner has a principal who is a *rep* of that partner;
- an unbound key has a principal with the internal role *ops* (still limited by its scopes).

Service accounts never sign in to the portal: their password is unusable and revoking the key
deactivates the account as well.
"""

import base64
import datetime as dt
import hashlib
import hmac
import itertools

from django.conf import settings
from django.db import transaction
from django.db.models import OuterRef, Q, QuerySet, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from prm.audit import record_event
from prm.exceptions import PermissionDenied
from prm.locks import lock
from prm.models import ApiKey, User, hash_api_secret

from .exceptions import KeyNotRotatable, PartnerError
from .models import Partner, PartnerMembership
from .selectors import partner_access

SERVICE_EMAIL_DOMAIN = "service.invalid"

# What a partner admin may grant a key for their own organisation: their own data, never the
# program-wide areas that only the vendor writes (enablement catalogue, scorecards).
PARTNER_SIDE_SCOPES = frozenset(
    {
        ApiKey.Scope.PARTNERS_READ,
        ApiKey.Scope.DEALS_READ,
        ApiKey.Scope.DEALS_WRITE,
        ApiKey.Scope.ENABLEMENT_READ,
        ApiKey.Scope.MDF_READ,
        ApiKey.Scope.MDF_WRITE,
        ApiKey.Scope.WEBHOOKS_READ,
        ApiKey.Scope.WEBHOOKS_WRITE,
    }
)
READ_SCOPES = tuple(s for s in ApiKey.Scope.values if s.endswith(":read"))

DEMO_KEY_NAME = "Demo CRM integration"
DEFAULT_ROTATION_OVERLAP_HOURS = 24
MAX_ROTATION_OVERLAP_HOURS = 24 * 30


# --- Reads ------------------------------------------------------------------------------------


def may_manage_api_keys(user: User) -> bool:
    """Program ops manage every key; a partner admin manages their own organisation's keys."""
    if not getattr(user, "is_authenticated", False) or user.is_service_account:
        return False
    return user.is_program_ops or bool(partner_access(user).admin_of)


def api_keys_annotated() -> QuerySet[ApiKey]:
    """Every key, annotated with the partner it is bound to (if any)."""
    bound = PartnerMembership.objects.filter(user=OuterRef("principal")).order_by("pk")
    return ApiKey.objects.select_related("principal", "created_by").annotate(
        partner_id=Subquery(bound.values("partner_id")[:1]),
        partner_name=Subquery(bound.values("partner__display_name")[:1]),
    )


def api_keys_visible_to_key(principal: User) -> QuerySet[ApiKey]:
    """What an integration sees of keys: those acting as its own service account (itself, and
    its predecessor or successor across a rotation)."""
    return api_keys_annotated().filter(principal=principal)


def api_keys_visible_to(user: User) -> QuerySet[ApiKey]:
    """Keys a user may see and revoke, each annotated with the partner it is bound to (if any)."""
    keys = api_keys_annotated()
    if not may_manage_api_keys(user):
        return keys.none()
    if user.is_program_ops:
        return keys
    return keys.filter(principal__memberships__partner_id__in=partner_access(user).admin_of)


def bound_partner(key: ApiKey) -> Partner | None:
    membership = (
        PartnerMembership.objects.select_related("partner").filter(user=key.principal_id).first()
    )
    return membership.partner if membership else None


# --- Writes -----------------------------------------------------------------------------------


def validate_scopes(scopes) -> list[str]:
    chosen = sorted({str(s).strip() for s in scopes or [] if str(s).strip()})
    if not chosen:
        raise PartnerError(_("Choose at least one scope."), code="invalid_scopes")
    unknown = [s for s in chosen if s not in ApiKey.Scope.values]
    if unknown:
        raise PartnerError(
            _("Unknown scopes: %(scopes)s") % {"scopes": ", ".join(unknown)},
            code="invalid_scopes",
            details={"scopes": unknown},
        )
    return chosen


def _require_issuer(actor: User | None, partner: Partner | None, scopes: list[str]) -> None:
    """``actor`` None is the server operator (management command, demo seeding): trusted."""
    if actor is None or (actor.is_program_ops and not actor.is_service_account):
        return
    if partner is None or partner.pk not in partner_access(actor).admin_of:
        raise PermissionDenied(
            _("Only program ops, or a partner admin for their own organisation, may issue keys.")
        )
    beyond = sorted(set(scopes) - PARTNER_SIDE_SCOPES)
    if beyond:
        raise PermissionDenied(
            _("A partner admin may not grant: %(scopes)s") % {"scopes": ", ".join(beyond)},
            details={"scopes": beyond},
        )


@transaction.atomic
def issue_api_key(
    *, name: str, scopes, actor: User | None, partner: Partner | None = None
) -> tuple[ApiKey, str]:
    """Create a key and its service account. Returns the key and its plaintext, shown once."""
    name = (name or "").strip()
    if not name:
        raise PartnerError(_("Give the key a name."), code="name_required")
    scopes = validate_scopes(scopes)
    _require_issuer(actor, partner, scopes)
    if partner is not None and partner.status == Partner.Status.TERMINATED:
        raise PartnerError(_("This partner is terminated."), code="partner_terminated")
    plaintext, prefix, hashed = ApiKey.generate()
    key = _create_key(
        name=name, scopes=scopes, actor=actor, partner=partner, prefix=prefix, hashed=hashed
    )
    return key, plaintext


def _create_key(
    *,
    name: str,
    scopes: list[str],
    actor: User | None,
    partner: Partner | None,
    prefix: str,
    hashed: str,
) -> ApiKey:
    principal = User.objects.create_user(
        email=_principal_email(prefix),
        password=None,  # unusable: a service account never signs in
        full_name=_("API key: %(name)s") % {"name": name[:100]},
        is_service_account=True,
        internal_role="" if partner else User.InternalRole.PROGRAM_OPS,
    )
    if partner is not None:
        PartnerMembership.objects.create(
            user=principal, partner=partner, role=PartnerMembership.Role.REP
        )
    key = ApiKey.objects.create(
        name=name,
        prefix=prefix,
        hashed_secret=hashed,
        scopes=scopes,
        principal=principal,
        created_by=actor,
    )
    record_event(
        key,
        actor=actor,
        verb="api_key.issued",
        to_state="active",
        data={"scopes": scopes, "partner_id": partner.pk if partner else None},
    )
    return key


def _principal_email(prefix: str) -> str:
    return f"key-{prefix}@{SERVICE_EMAIL_DOMAIN}"


@transaction.atomic
def revoke_api_key(*, key: ApiKey, actor: User | None, reason: str = "") -> ApiKey:
    """Revoke a key and disable its service account; revoking twice changes nothing."""
    if actor is not None and not api_keys_visible_to(actor).filter(pk=key.pk).exists():
        raise PermissionDenied(_("You may not revoke this key."))
    key = lock(ApiKey, key.pk)
    if key.revoked_at is not None:
        return key
    key.revoked_at = timezone.now()
    key.save(update_fields=["revoked_at"])
    # A rotated key shares its service account with its successor: disable the account only
    # when no other live key acts as it.
    if not live_keys().filter(principal_id=key.principal_id).exclude(pk=key.pk).exists():
        User.objects.filter(pk=key.principal_id).update(is_active=False)
    record_event(
        key,
        actor=actor,
        verb="api_key.revoked",
        from_state="active",
        to_state="revoked",
        reason=reason,
    )
    return key


def live_keys() -> QuerySet[ApiKey]:
    """Keys that authenticate now: not revoked, and not past the end of a rotation overlap."""
    now = timezone.now()
    return ApiKey.objects.filter(revoked_at__isnull=True).filter(
        Q(expires_at__isnull=True) | Q(expires_at__gt=now)
    )


def validate_overlap(hours) -> dt.timedelta:
    try:
        hours = int(hours)
    except (TypeError, ValueError):
        hours = -1
    if not 0 <= hours <= MAX_ROTATION_OVERLAP_HOURS:
        raise PartnerError(
            _("The overlap is a whole number of hours from 0 to %(max)s.")
            % {"max": MAX_ROTATION_OVERLAP_HOURS},
            code="invalid_overlap",
            details={
                "overlap_hours": [_("Between 0 and %(max)s.") % {"max": MAX_ROTATION_OVERLAP_HOURS}]
            },
        )
    return dt.timedelta(hours=hours)


@transaction.atomic
def rotate_api_key(
    *, key: ApiKey, actor: User | None, overlap_hours=DEFAULT_ROTATION_OVERLAP_HOURS
) -> tuple[ApiKey, str]:
    """Issue a successor with the same name, scopes, rate limit and service account; the old key
    keeps working for ``overlap_hours`` (0: it stops at once) so that an integration can switch
    without downtime. ``actor`` is a person managing keys, or the key's own principal (a key may
    rotate itself). Returns the new key and its plaintext, shown once."""
    overlap = validate_overlap(overlap_hours)
    own = actor is not None and actor.pk == key.principal_id
    if actor is not None and not own and not api_keys_visible_to(actor).filter(pk=key.pk).exists():
        raise PermissionDenied(_("You may not rotate this key."))
    key = lock(ApiKey, key.pk)
    if not key.is_active or key.replaced_by_id is not None:
        raise KeyNotRotatable()
    plaintext, prefix, hashed = ApiKey.generate()
    successor = ApiKey.objects.create(
        name=key.name,
        prefix=prefix,
        hashed_secret=hashed,
        scopes=key.scopes,
        principal_id=key.principal_id,
        created_by=actor if actor is not None and not own else key.created_by,
        rate_limit=key.rate_limit,
    )
    key.expires_at = timezone.now() + overlap
    key.replaced_by = successor
    key.save(update_fields=["expires_at", "replaced_by"])
    record_event(
        key,
        actor=actor,
        verb="api_key.rotated",
        data={"successor": successor.prefix, "expires_at": key.expires_at.isoformat()},
    )
    record_event(
        successor,
        actor=actor,
        verb="api_key.issued",
        to_state="active",
        data={"scopes": successor.scopes, "rotated_from": key.prefix},
    )
    return successor, plaintext


@transaction.atomic
def set_api_key_rate_limit(*, key: ApiKey, actor: User, rate_limit: int | None) -> ApiKey:
    """Set a key's requests per minute (None: the program default). Program ops only: the limit
    protects the service for everyone."""
    if not actor.is_program_ops or actor.is_service_account:
        raise PermissionDenied(_("Only program ops set rate limits."))
    if rate_limit is not None and not 1 <= int(rate_limit) <= 100_000:
        raise PartnerError(
            _("A rate limit is from 1 to 100000 requests per minute."),
            code="invalid_rate_limit",
            details={"rate_limit": [_("Between 1 and 100000.")]},
        )
    key = lock(ApiKey, key.pk)
    old = key.rate_limit
    if old == rate_limit:
        return key
    key.rate_limit = rate_limit
    key.save(update_fields=["rate_limit"])
    record_event(key, actor=actor, verb="api_key.rate_limit", data={"from": old, "to": rate_limit})
    return key


def _demo_credentials(generation: int) -> tuple[str, str, str]:
    """(plaintext, prefix, hash) of the demo key, derived from ``SECRET_KEY``."""
    message = f"prm demo api key {generation}".encode()
    digest = hmac.new(settings.SECRET_KEY.encode(), message, hashlib.sha256).digest()
    prefix = digest[:4].hex()
    secret = base64.urlsafe_b64encode(digest[4:]).decode().rstrip("=")
    return f"prm_{prefix}.{secret}", prefix, hash_api_secret(secret)


@transaction.atomic
def ensure_demo_api_key(stdout) -> ApiKey:
    """The program-wide, read-only demo key; prints it for whoever seeds the demo.

    Only a hash is stored, so a random key could not be printed again on the next run. The demo
    key is derived from ``SECRET_KEY`` instead: running again finds and prints the same key and
    creates nothing. A demo key someone revoked stays revoked; the next derivation replaces it.
    Any other active key with the demo name (e.g. from before a ``SECRET_KEY`` change) is revoked.
    """
    for generation in itertools.count():
        plaintext, prefix, hashed = _demo_credentials(generation)
        key = ApiKey.objects.filter(prefix=prefix).first()
        if key is not None and key.is_active and hmac.compare_digest(key.hashed_secret, hashed):
            break
        taken = key is not None or User.objects.filter(email=_principal_email(prefix)).exists()
        if not taken:
            key = _create_key(
                name=DEMO_KEY_NAME,
                scopes=validate_scopes(READ_SCOPES),
                actor=None,
                partner=None,
                prefix=prefix,
                hashed=hashed,
            )
            break
    assert key is not None  # the loop ends only on a key found or created
    stale = ApiKey.objects.filter(name=DEMO_KEY_NAME, revoked_at__isnull=True).exclude(pk=key.pk)
    for old in stale:
        revoke_api_key(key=old, actor=None, reason="Replaced by the current demo key.")
    stdout.write(
        f'Demo API key "{DEMO_KEY_NAME}" (read-only: {", ".join(key.scopes)}):\n'
        f"  {plaintext}\n"
        f'  curl -H "Authorization: Api-Key {plaintext}" '
        f"{settings.PRM_SITE_URL}/api/v1/partners/\n"
    )
    return key
