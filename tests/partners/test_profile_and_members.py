"""The organisation's profile and its members' roles: partner admins keep them up to date in the
portal, program ops also the contract's facts; everyone else is refused, and every change is
audited."""

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from partners import profile
from partners.models import BusinessModel, Partner, PartnerMembership, PartnerTerms
from prm.exceptions import PermissionDenied
from prm.models import AuditEvent
from tests.factories import MembershipFactory, OfficeFactory, UserFactory

MINE = reverse("partners:my_partner")


def profile_url(partner):
    return reverse("partners:partner_profile", args=[partner.pk])


def member_url(membership):
    return reverse("partners:member_edit", args=[membership.partner_id, membership.pk])


def profile_data(partner, **overrides):
    data = {
        "display_name": partner.display_name,
        "website": partner.website,
        "regions_served": partner.regions_served,
        "target_sectors": ", ".join(partner.target_sectors),
        "solution_stack": ", ".join(partner.solution_stack),
    }
    data.update(overrides)
    return data


def audit_rows(obj, verb):
    return AuditEvent.objects.filter(object_id=str(obj.pk), verb=verb)


# --- The profile ---------------------------------------------------------------------------------


def test_a_partner_admin_edits_how_the_organisation_presents_itself(client_for, acme, acme_admin):
    client = client_for(acme_admin)
    page = client.get(profile_url(acme)).content.decode()
    assert 'data-testid="profile-form"' in page
    # The agreement's facts are shown, not offered.
    assert 'name="legal_name"' not in page and 'name="business_model"' not in page
    assert 'data-testid="contract-fields"' in page

    response = client.post(
        profile_url(acme),
        profile_data(
            acme,
            display_name="Acme Cloud",
            regions_served=["NA", "EMEA"],
            target_sectors="retail, healthcare, retail",
            legal_name="Someone Else Ltd",  # not the form's field: ignored
        ),
    )
    assert response.status_code == 302
    assert response["Location"] == f"{MINE}?partner={acme.pk}"
    acme.refresh_from_db()
    assert (acme.display_name, acme.regions_served, acme.target_sectors) == (
        "Acme Cloud",
        ["NA", "EMEA"],
        ["retail", "healthcare"],
    )
    assert acme.legal_name != "Someone Else Ltd"
    (event,) = audit_rows(acme, "partner.profile_changed")
    assert event.actor == acme_admin
    assert event.data["changes"]["display_name"] == {"before": "Acme", "after": "Acme Cloud"}
    assert set(event.data["changes"]) == {"display_name", "regions_served", "target_sectors"}
    assert "Acme Cloud" in client.get(response["Location"]).content.decode()


def test_saving_an_unchanged_profile_writes_no_audit_row(client_for, acme, acme_admin):
    response = client_for(acme_admin).post(profile_url(acme), profile_data(acme), follow=True)
    assert "Nothing changed." in response.content.decode()
    assert not audit_rows(acme, "partner.profile_changed").exists()


def test_a_bad_profile_is_refused_with_its_errors_and_nothing_is_stored(
    client_for, acme, acme_admin
):
    response = client_for(acme_admin).post(
        profile_url(acme),
        profile_data(acme, display_name="", website="not a site", regions_served=[]),
    )
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert set(errors) == {"display_name", "website", "regions_served"}
    acme.refresh_from_db()
    assert acme.display_name == "Acme"
    assert not audit_rows(acme, "partner.profile_changed").exists()


def test_a_partner_admin_cannot_change_the_agreements_facts_even_by_calling_the_service(
    acme, acme_admin
):
    with pytest.raises(PermissionDenied, match="legal name"):
        profile.update_partner_profile(
            partner=acme, actor=acme_admin, changes={"legal_name": "Someone Else Ltd"}
        )
    acme.refresh_from_db()
    assert acme.legal_name != "Someone Else Ltd"


@pytest.mark.parametrize(
    "persona, status", [("acme_rep", 403), ("globex_admin", 404), ("cam", 403)]
)
def test_only_the_partners_admins_and_ops_may_open_the_profile(
    client_for, personas, acme, persona, status
):
    client = client_for(personas[persona])
    assert client.get(profile_url(acme)).status_code == status
    assert (
        client.post(profile_url(acme), profile_data(acme, display_name="X")).status_code == status
    )
    acme.refresh_from_db()
    assert acme.display_name == "Acme"


def test_ops_change_the_agreements_facts_from_the_partners_page(client_for, ops, globex):
    client = client_for(ops)
    detail = client.get(globex.get_absolute_url()).content.decode()
    assert profile_url(globex) in detail
    assert "Germany" in detail  # the headquarters by name
    response = client.post(
        profile_url(globex),
        {
            **profile_data(globex),
            "legal_name": "Globex Holdings GmbH",
            "hq_country": "AT",
            "business_model": BusinessModel.MSSP,
            "compensation_preference": globex.compensation_preference,
        },
    )
    assert response.status_code == 302
    assert response["Location"] == globex.get_absolute_url()
    globex.refresh_from_db()
    assert (globex.legal_name, globex.hq_country, globex.business_model) == (
        "Globex Holdings GmbH",
        "AT",
        BusinessModel.MSSP,
    )
    (event,) = audit_rows(globex, "partner.profile_changed")
    assert event.data["changes"]["hq_country"] == {"before": "DE", "after": "AT"}
    page = client.get(globex.get_absolute_url()).content.decode()
    assert "Austria" in page
    # The partner's timeline says what changed.
    assert "Profile changed" in page and 'hq_country: <span class="muted">DE</span> → AT' in page


def test_new_terms_keep_the_old_ones_for_deals_closed_before_today(ops, globex):
    with time_machine.travel(dt.datetime(2026, 10, 1, 9, tzinfo=dt.UTC), tick=False):
        profile.update_partner_profile(partner=globex, actor=ops, changes={"legal_name": "G"})
        assert not PartnerTerms.objects.exists()  # not a change of terms
        profile.update_partner_profile(
            partner=globex,
            actor=ops,
            changes={"business_model": BusinessModel.MSSP, "compensation_preference": "one_time"},
        )
    (earlier,) = PartnerTerms.objects.all()
    assert (earlier.business_model, earlier.compensation_preference, earlier.effective_to) == (
        BusinessModel.MSP,
        "margin",
        dt.date(2026, 10, 1),
    )
    assert earlier.changed_by == ops


def test_a_distributor_with_resellers_stays_a_distributor(client_for, ops, distri, acme):
    response = client_for(ops).post(
        profile_url(distri),
        {
            **profile_data(distri),
            "legal_name": distri.legal_name,
            "hq_country": distri.hq_country,
            "business_model": BusinessModel.RESELLER,
            "compensation_preference": distri.compensation_preference,
        },
    )
    assert response.status_code == 400
    assert "has resellers" in response.context["form"].errors["business_model"][0]
    distri.refresh_from_db()
    assert distri.business_model == BusinessModel.DISTRIBUTOR


# --- Members' roles and offices ------------------------------------------------------------------


def membership(user) -> PartnerMembership:
    return PartnerMembership.objects.get(user=user)


def test_an_admin_makes_a_rep_an_admin_and_assigns_an_office(
    client_for, acme, acme_admin, acme_rep
):
    office = OfficeFactory(partner=acme, name="Leeds")
    client = client_for(acme_admin)
    assert member_url(membership(acme_rep)) in client.get(MINE).content.decode()
    response = client.post(member_url(membership(acme_rep)), {"role": "admin", "office": office.pk})
    assert response.status_code == 302
    changed = membership(acme_rep)
    assert (changed.role, changed.office) == (PartnerMembership.Role.ADMIN, office)
    (event,) = audit_rows(acme, "partner.member_changed")
    assert event.data["email"] == "rex@acme.example"
    assert event.data["changes"]["role"] == {"before": "rep", "after": "admin"}
    assert event.data["changes"]["office"] == {"before": None, "after": str(office)}


def test_an_admin_cannot_demote_themselves_nor_the_last_admin(client_for, ops, acme, acme_admin):
    response = client_for(acme_admin).post(member_url(membership(acme_admin)), {"role": "rep"})
    assert response.status_code == 400
    assert "Another admin must change your role." in response.context["form"].errors["role"]
    response = client_for(ops).post(member_url(membership(acme_admin)), {"role": "rep"})
    assert response.status_code == 400
    assert "only admin" in response.context["form"].errors["role"][0]
    assert membership(acme_admin).role == PartnerMembership.Role.ADMIN
    assert not audit_rows(acme, "partner.member_changed").exists()


def test_with_a_second_admin_one_admin_may_demote_the_other(client_for, acme, acme_admin):
    second = MembershipFactory(
        user=UserFactory(email="bo@acme.example"), partner=acme, role="admin"
    )
    response = client_for(acme_admin).post(member_url(second), {"role": "rep"})
    assert response.status_code == 302
    second.refresh_from_db()
    assert second.role == PartnerMembership.Role.REP


def test_another_partners_office_is_not_a_choice(client_for, acme, acme_admin, acme_rep, globex):
    theirs = OfficeFactory(partner=globex, name="Berlin")
    response = client_for(acme_admin).post(
        member_url(membership(acme_rep)), {"role": "rep", "office": theirs.pk}
    )
    assert response.status_code == 400
    assert "office" in response.context["form"].errors
    assert membership(acme_rep).office is None


@pytest.mark.parametrize(
    "persona, status", [("acme_rep", 403), ("globex_admin", 404), ("cam", 403)]
)
def test_only_the_partners_admins_and_ops_may_change_a_member(
    client_for, personas, acme_admin, acme_rep, persona, status
):
    client = client_for(personas[persona])
    target = membership(acme_rep)
    assert client.get(member_url(target)).status_code == status
    assert client.post(member_url(target), {"role": "admin"}).status_code == status
    assert membership(acme_rep).role == PartnerMembership.Role.REP


def test_a_membership_of_another_partner_is_not_found_under_this_one(
    client_for, acme, acme_admin, globex_admin
):
    url = reverse("partners:member_edit", args=[acme.pk, membership(globex_admin).pk])
    assert client_for(acme_admin).post(url, {"role": "rep"}).status_code == 404
    assert Partner.objects.get(pk=membership(globex_admin).partner_id).display_name == "Globex"
    assert membership(globex_admin).role == PartnerMembership.Role.ADMIN


def test_a_partner_cannot_take_another_partners_name(client_for, acme, acme_admin, globex):
    response = client_for(acme_admin).post(
        profile_url(acme), profile_data(acme, display_name="GLOBEX")
    )
    assert response.status_code == 400
    assert response.context["form"].errors["display_name"] == [
        "Another partner is called that; choose another name."
    ]
    acme.refresh_from_db()
    assert acme.display_name == "Acme"


@pytest.mark.parametrize("name", ["Globex Holdings GmbH", "ＧＬＯＢＥＸ"])
def test_nor_another_partners_legal_name_nor_a_lookalike(
    client_for, acme, acme_admin, globex, name
):
    Partner.objects.filter(pk=globex.pk).update(legal_name="Globex Holdings GmbH")
    response = client_for(acme_admin).post(profile_url(acme), profile_data(acme, display_name=name))
    assert response.status_code == 400
    assert "display_name" in response.context["form"].errors
    acme.refresh_from_db()
    assert acme.display_name == "Acme"


def test_ops_cannot_give_a_partner_another_partners_legal_name(ops, acme, globex):
    from partners.exceptions import PartnerError

    with pytest.raises(PartnerError, match="Another partner of the program is called"):
        profile.update_partner_profile(
            partner=acme, actor=ops, changes={"legal_name": globex.legal_name.upper()}
        )


def test_a_reseller_under_a_distributor_does_not_become_a_distributor(ops, acme):
    from partners.exceptions import PartnerError

    assert acme.parent_distributor_id is not None
    with pytest.raises(PartnerError, match="cannot become a distributor"):
        profile.update_partner_profile(
            partner=acme, actor=ops, changes={"business_model": BusinessModel.DISTRIBUTOR}
        )
    acme.refresh_from_db()
    assert acme.business_model != BusinessModel.DISTRIBUTOR


def test_lists_drop_repeats_in_any_case_and_refuse_runaway_entries(client_for, acme, acme_admin):
    client = client_for(acme_admin)
    client.post(
        profile_url(acme),
        profile_data(acme, target_sectors="healthcare, Healthcare,  education , HEALTHCARE"),
    )
    acme.refresh_from_db()
    assert acme.target_sectors == ["healthcare", "education"]
    response = client.post(profile_url(acme), profile_data(acme, solution_stack="x" * 3000))
    assert response.context["form"].errors["solution_stack"] == [
        "Keep each entry to 120 characters."
    ]
    many = ", ".join(f"s{n}" for n in range(51))
    response = client.post(profile_url(acme), profile_data(acme, target_sectors=many))
    assert response.context["form"].errors["target_sectors"] == ["At most 50 entries."]
