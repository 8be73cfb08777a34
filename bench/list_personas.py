"""The people the list benchmark asks as (``bench.bench_lists``): program ops and a
program-wide API key over everything, a channel account manager with 500 partners, a distributor
admin with 200 resellers and a partner admin, made from the scale data set (idempotent)."""

from django.test import Client

OPS_EMAIL = "bench-ops@vendor.example"
CAM_EMAIL = "bench-cam@vendor.example"
RESELLERS = 200
KEY_NAME = "Bench lists (program-wide)"


def _staff(email: str, role: str):
    from allauth.mfa.totp.internal.auth import TOTP

    from prm.models import User

    user, _created = User.objects.get_or_create(email=email, defaults={"internal_role": role})
    if user.internal_role != role:
        User.objects.filter(pk=user.pk).update(internal_role=role)
        user.refresh_from_db()
    # Staff must use MFA; an enrolled authenticator lets them past the enrolment page.
    if not user.authenticator_set.exists():
        TOTP.activate(user, "JBSWY3DPEHPK3PXP")
    return user


def large_book_cam():
    """A channel account manager with 500 partners (the dashboard benchmark's too)."""
    from partners.models import Partner

    cam = _staff(CAM_EMAIL, "cam")
    if not Partner.objects.filter(channel_manager=cam).exists():
        ids = list(Partner.objects.order_by("pk").values_list("pk", flat=True)[:500])
        Partner.objects.filter(pk__in=ids).update(channel_manager=cam)
    return cam


def _distributor_admin():
    """The admin of a distributor with 200 resellers (partners from the end of the list)."""
    from partners.models import Partner, PartnerMembership

    ids = list(Partner.objects.order_by("-pk").values_list("pk", flat=True)[: RESELLERS + 1])
    distributor_id, resellers = ids[0], ids[1:]
    Partner.objects.filter(pk=distributor_id).update(
        business_model="distributor", parent_distributor=None
    )
    Partner.objects.filter(pk__in=resellers).update(parent_distributor_id=distributor_id)
    membership = PartnerMembership.objects.filter(partner_id=distributor_id, role="admin").first()
    if membership is None:
        membership = PartnerMembership.objects.filter(partner_id=distributor_id).first()
        PartnerMembership.objects.filter(pk=membership.pk).update(role="admin")
    return membership.user


def _partner_admin():
    from partners.models import PartnerMembership

    return (
        PartnerMembership.objects.filter(role="admin", partner__business_model__in=["reseller"])
        .select_related("user")
        .order_by("pk")
        .first()
        .user
    )


def _api_key(ops_user) -> str:
    from django.utils import timezone

    from partners.api_keys import issue_api_key
    from prm.models import ApiKey

    # A key's secret is shown once: each run issues one and retires the previous runs' keys
    # (kept, like any revoked key, for the audit trail of their use).
    ApiKey.objects.filter(name=KEY_NAME, revoked_at__isnull=True).update(revoked_at=timezone.now())
    key, plaintext = issue_api_key(
        name=KEY_NAME,
        scopes=[s for s in ApiKey.Scope.values if s.endswith(":read")],
        actor=ops_user,
    )
    # The benchmark sends far more than a sync client's minute allowance.
    ApiKey.objects.filter(pk=key.pk).update(rate_limit=10_000_000)
    return plaintext


def personas() -> tuple[dict[str, Client], dict[str, Client]]:
    """The portal's clients and the API's (the same people, and the program-wide key)."""
    from rest_framework.test import APIClient

    ops_user = _staff(OPS_EMAIL, "ops")
    people = {
        "ops": ops_user,
        "cam": large_book_cam(),
        "distributor": _distributor_admin(),
        "partner": _partner_admin(),
    }
    portal: dict[str, Client] = {}
    api: dict[str, Client] = {}
    for name, user in people.items():
        portal[name] = Client()
        portal[name].force_login(user)
        api[name] = APIClient()
        api[name].force_login(user)
    key = APIClient()
    key.credentials(HTTP_AUTHORIZATION=f"Api-Key {_api_key(ops_user)}")
    api = {"api_key": key, **api}
    return portal, api
