import datetime as dt

from django.utils import timezone

from partners.models import Invitation, PartnerMembership
from partners.selectors import focus_list, invitations_visible_to, partners_visible_to
from tests.factories import PartnerFactory, QualificationFactory


def names(qs):
    return sorted(p.display_name for p in qs)


def test_scopes_per_persona(personas, acme, globex, distri):
    assert names(partners_visible_to(personas["acme_rep"])) == ["Acme"]
    assert names(partners_visible_to(personas["globex_admin"])) == ["Globex"]
    assert names(partners_visible_to(personas["distri_admin"])) == ["Acme", "Distri"]
    assert names(partners_visible_to(personas["cam"])) == ["Acme", "Distri"]
    assert names(partners_visible_to(personas["other_cam"])) == ["Globex"]
    assert names(partners_visible_to(personas["ops"])) == ["Acme", "Distri", "Globex"]


def test_a_distributor_does_not_see_resellers_of_another_distributor(distri_admin, distri):
    other = PartnerFactory(display_name="Other Distri", business_model="distributor")
    PartnerFactory(display_name="Their reseller", parent_distributor=other)
    assert "Their reseller" not in names(partners_visible_to(distri_admin))


def test_focus_list_orders_by_scale_skill_will(cam, acme, distri):
    QualificationFactory(partner=acme, assessed_by=cam, scale=5, skill=4, will=5)
    QualificationFactory(partner=distri, assessed_by=cam, scale=2, skill=2, will=2)
    unassessed = PartnerFactory(display_name="New", channel_manager=cam)
    assert list(focus_list(cam)) == [acme, distri, unassessed]


def test_open_invitations_are_scoped_per_persona(personas, acme, globex, distri, ops):
    """Ops see every open invitation, a CAM their partners', a partner admin their own org's,
    a rep none; revoked and expired invitations are nobody's."""
    later = timezone.now() + dt.timedelta(days=3)
    for partner in (acme, globex, distri):
        Invitation.objects.create(
            partner=partner,
            email=f"new@{partner.display_name.lower()}.example",
            role=PartnerMembership.Role.REP,
            invited_by=ops,
            expires_at=later,
        )
    Invitation.objects.create(
        partner=acme, email="gone@acme.example", role="rep", invited_by=ops, expires_at=later,
        revoked_at=timezone.now(),
    )  # fmt: skip
    Invitation.objects.create(
        partner=acme, email="late@acme.example", role="rep", invited_by=ops,
        expires_at=timezone.now() - dt.timedelta(minutes=1),
    )  # fmt: skip

    def emails(who):
        return sorted(i.email for i in invitations_visible_to(personas[who]))

    assert emails("ops") == ["new@acme.example", "new@distri.example", "new@globex.example"]
    assert emails("cam") == ["new@acme.example", "new@distri.example"]
    assert emails("other_cam") == ["new@globex.example"]
    assert emails("acme_admin") == ["new@acme.example"]
    assert emails("globex_admin") == ["new@globex.example"]
    assert emails("acme_rep") == []
