"""The person certification and certification import lists: sort, filters that refuse what
they do not understand, search, and an export with the page's tenancy."""

import csv
import datetime as dt
import io

from django.urls import reverse

from enablement.catalogue import update_certification
from enablement.models import CertificationImport, PersonCertification
from tests.factories import MembershipFactory, OfficeFactory

from .factories import CertificationFactory, PersonCertificationFactory

LIST = reverse("enablement:certification_list")
IMPORTS = reverse("enablement:certification_import_list")


def exported(client, url, params) -> list[dict]:
    response = client.get(url, {**params, "export": "csv"})
    assert response.status_code == 200 and response.streaming
    return list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))


def test_certifications_sort_filter_search_and_export_within_scope(
    client_for, acme, globex, acme_admin, acme_rep, globex_admin, cam
):
    sales = CertificationFactory(name="Sales Pro", kind="sales")
    tech = CertificationFactory(name="Tech Expert", kind="technical")
    rex = PersonCertificationFactory(user=acme_rep, partner=acme, certification=sales)
    ada = PersonCertificationFactory(
        user=acme_admin,
        partner=acme,
        certification=tech,
        earned_on=dt.date.today() - dt.timedelta(days=300),
    )
    gina = PersonCertificationFactory(user=globex_admin, partner=globex, certification=sales)
    client = client_for(acme_admin)
    earned = [pc.pk for pc in client.get(LIST, {"sort": "earned"}).context["page_obj"]]
    assert earned == [ada.pk, rex.pk]
    assert [pc.pk for pc in client.get(LIST, {"kind": "sales"}).context["page_obj"]] == [rex.pk]
    assert [pc.pk for pc in client.get(LIST, {"q": "tech"}).context["page_obj"]] == [ada.pk]
    bad = client.get(LIST, {"expires_before": "31/31/2031"})
    assert "expires_before" in bad.context["filter_form"].errors
    assert list(bad.context["page_obj"]) == []
    rows = exported(client, LIST, {"sort": "-earned"})
    assert [int(r["ID"]) for r in rows] == [rex.pk, ada.pk]
    assert gina.pk not in {int(r["ID"]) for r in exported(client_for(cam), LIST, {})}
    rep_rows = exported(client_for(acme_rep), LIST, {})
    assert [int(r["ID"]) for r in rep_rows] == [rex.pk]
    assert list(rep_rows[0]) == list(rows[0])  # the same columns for everyone


def test_expiring_certifications_come_first_by_default(client_for, acme, acme_rep, acme_admin):
    active = PersonCertificationFactory(user=acme_rep, partner=acme)
    expiring = PersonCertificationFactory(
        user=acme_rep, partner=acme, status=PersonCertification.Status.EXPIRING
    )
    page = client_for(acme_admin).get(LIST).context["page_obj"]
    assert [pc.pk for pc in page] == [expiring.pk, active.pk]


def test_certification_imports_are_for_ops_and_export_safely(client_for, ops, cam):
    CertificationImport.objects.create(file_name="+1 lms.csv", imported_by=ops)
    CertificationImport.objects.create(file_name="lms.csv", imported_by=ops)
    assert client_for(cam).get(IMPORTS).status_code == 403
    rows = exported(client_for(ops), IMPORTS, {"sort": "file"})
    assert [r["File"] for r in rows] == ["'+1 lms.csv", "lms.csv"]
    assert list(client_for(ops).get(IMPORTS, {"status": "x"}).context["page_obj"]) == []


def test_sorting_by_certification_or_office_follows_renames(client_for, acme, acme_rep, ops):
    """The list sorts on copies of the names kept on each row; a rename reorders it."""
    alpha = CertificationFactory(name="Alpha")
    beta = CertificationFactory(name="Beta")
    lyon = OfficeFactory(partner=acme, name="Lyon")
    berlin = OfficeFactory(partner=acme, name="Berlin")
    first = PersonCertificationFactory(user=acme_rep, partner=acme, certification=alpha)
    second = PersonCertificationFactory(
        user=acme_rep, partner=acme, certification=beta, office=lyon
    )
    third = PersonCertificationFactory(
        user=acme_rep,
        partner=acme,
        certification=beta,
        office=berlin,
        earned_on=dt.date.today() - dt.timedelta(days=60),
    )
    client = client_for(ops)

    def order(sort):
        return [pc.pk for pc in client.get(LIST, {"sort": sort}).context["page_obj"]]

    assert order("certification") == [first.pk, second.pk, third.pk]
    assert order("office") == [third.pk, second.pk, first.pk]  # no office: last
    assert order("-office") == [second.pk, third.pk, first.pk]  # last both ways

    update_certification(actor=ops, certification=alpha, name="Zeta")
    lyon.name = "Amsterdam"
    lyon.save()
    assert order("certification") == [second.pk, third.pk, first.pk]
    assert order("office") == [second.pk, third.pk, first.pk]
    assert order("-certification") == [first.pk, third.pk, second.pk]

    berlin.delete()
    assert order("office") == [second.pk, first.pk, third.pk]  # then by id: none last


def test_sorting_by_person_follows_the_shown_name_and_renames(client_for, acme, ops):
    """People are sorted by the name the list shows (the email when no name is given)."""
    ann = MembershipFactory(partner=acme, user__full_name="Ann Archer").user
    bob = MembershipFactory(partner=acme, user__full_name="", user__email="bob@acme.example").user
    bobs = PersonCertificationFactory(user=bob, partner=acme)
    anns = PersonCertificationFactory(user=ann, partner=acme)
    client = client_for(ops)

    def order(sort):
        return [pc.pk for pc in client.get(LIST, {"sort": sort}).context["page_obj"]]

    assert order("person") == [anns.pk, bobs.pk]
    assert order("-person") == [bobs.pk, anns.pk]
    bob.full_name = "Abe Baker"
    bob.save()
    assert order("person") == [bobs.pk, anns.pk]
    ann.email = "a@acme.example"
    ann.save(update_fields=["last_login"])  # not a name: the copies stay as they are
    assert PersonCertification.objects.get(pk=anns.pk).person_name == "Ann Archer"
