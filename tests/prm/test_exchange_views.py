"""Exchange-rate pages: ops only; a rate added through the service (audited), corrected, or
refused with the error on the field; a CSV import with a line-numbered report."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from prm.currency.models import ExchangeRate
from prm.models import AuditEvent


@pytest.fixture(autouse=True)
def _program_currency(settings):
    settings.PRM_DEFAULT_CURRENCY = "USD"


@pytest.mark.parametrize("persona", ["acme_admin", "globex_admin", "distri_admin", "cam"])
def test_exchange_rate_pages_are_ops_only(personas, persona, client_for):
    client = client_for(personas[persona])
    for name in ("currency:rate_list", "currency:rate_add", "currency:rate_import"):
        assert client.get(reverse(name)).status_code == 404
    data = {"currency": "EUR", "rate": "1.1", "effective_on": "2026-01-01"}
    assert client.post(reverse("currency:rate_add"), data).status_code == 404
    assert not ExchangeRate.objects.exists()


def test_ops_add_a_rate_and_correct_it(ops, client_for):
    client = client_for(ops)
    data = {"currency": "EUR", "rate": "1.08", "effective_on": "2026-01-01", "reason": "ECB"}
    assert client.post(reverse("currency:rate_add"), data).status_code == 302
    client.post(reverse("currency:rate_add"), {**data, "rate": "1.09"})
    rate = ExchangeRate.objects.get()
    assert (rate.rate, rate.entered_by) == (Decimal("1.09"), ops)
    verbs = list(AuditEvent.objects.order_by("id").values_list("verb", "from_state", "reason"))
    assert verbs == [
        ("exchange_rate_created", "", "ECB"),
        ("exchange_rate_corrected", "1.0800000000", "ECB"),
    ]


@pytest.mark.parametrize(
    ("rate", "message"),
    [("0", "A rate must be a positive number."), ("abc", "Not a rate"),
     ("1.12345678901", "at most 10 digits")],
)  # fmt: skip
def test_a_bad_rate_is_an_error_on_the_rate_field(ops, client_for, rate, message):
    data = {"currency": "EUR", "rate": rate, "effective_on": "2026-01-01"}
    response = client_for(ops).post(reverse("currency:rate_add"), data)
    assert response.status_code == 400
    assert message in response.context["form"].errors["rate"][0]
    assert not ExchangeRate.objects.exists()


def test_the_program_currency_and_unknown_codes_are_not_offered(ops, client_for):
    data = {"currency": "USD", "rate": "1", "effective_on": "2026-01-01"}
    response = client_for(ops).post(reverse("currency:rate_add"), data)
    assert response.status_code == 400 and "currency" in response.context["form"].errors


def test_the_list_filters_by_currency(ops, client_for):
    for code in ("EUR", "GBP"):
        ExchangeRate.objects.create(currency=code, rate=2, effective_on=dt.date(2026, 1, 1))
    client = client_for(ops)
    assert len(client.get(reverse("currency:rate_list")).context["page_obj"].object_list) == 2
    only = client.get(reverse("currency:rate_list"), {"currency": "GBP"})
    assert [r.currency for r in only.context["page_obj"].object_list] == ["GBP"]


def _upload(client, text: str):
    upload = SimpleUploadedFile("rates.csv", text.encode(), content_type="text/csv")
    return client.post(reverse("currency:rate_import"), {"file": upload})


def test_an_import_saves_the_good_lines_and_reports_the_bad_ones_by_line(ops, client_for):
    response = _upload(
        client_for(ops),
        "currency,rate,effective_on\nEUR,1.1,2026-01-01\nXYZ,1,2026-01-01\n"
        "GBP,-2,2026-01-01\nGBP,1.27,2026-13-01\nGBP,1.27,2026-02-01\n",
    )
    assert response.status_code == 200
    report = response.context["report"]
    assert (report.created, report.updated) == (2, 0)
    assert [line for line, _message in report.errors] == [3, 4, 5]
    assert "Unknown currency" in report.errors[0][1]
    assert "Line" in response.content.decode()
    assert ExchangeRate.objects.count() == 2
    assert AuditEvent.objects.filter(verb="exchange_rate_created", reason="CSV import").count() == 2


def test_an_unreadable_file_is_a_form_error(ops, client_for):
    response = _upload(client_for(ops), "currency;rate\nEUR;1\n")
    assert response.status_code == 400 and response.context["form"].errors["file"]
    assert not ExchangeRate.objects.exists()
