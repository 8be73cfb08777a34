"""The person certification and certification import lists: sort, filters that refuse what
they do not understand, search, and an export with the page's tenancy."""

import csv
import datetime as dt
import io

from django.urls import reverse

from enablement.models import CertificationImport, PersonCertification

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
