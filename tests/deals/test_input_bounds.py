"""Deal input is judged once, the same for the portal form, the API and the CSV import: amounts
by ``parse_amount``, names cleaned of invisible characters, dates within sane bounds, and every
value within the column it lands in (run on PostgreSQL too, where a too-long value is an error)."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from deals.exceptions import InvalidDealData
from deals.leads.services import InvalidLeadData, create_lead
from deals.models import DealRegistration
from deals.services import record_outcome
from prm.money import amount_message

from .api_support import error_of, session
from .conflict_factories import RegistrationFactory
from .test_api_registrations import LIST, body
from .test_imports import _csv, _future, _run
from .test_views import _form

pytestmark = pytest.mark.django_db

LONG_DOMAIN = "a" * 300 + ".com"
FAR_AWAY = "9999-12-31"
BAD_AMOUNTS = ["NaN", "Infinity", "-Infinity", "-1", "1e400", "100000000000000", "1.005"]


def _api(user, **fields):
    return session(user).post(LIST, body(**fields), format="json")


def _portal(client_for, user, **fields):
    return client_for(user).post(reverse("deals:deal_create"), _form(**fields))


def _import(user, partner, *cells: str):
    header = "customer_name,country,estimated_amount,currency,expected_close_date,external_ref"
    return _run(user, partner, _csv(*cells, header=header + ",customer_domain"))


class TestAmounts:
    @pytest.mark.parametrize("amount", BAD_AMOUNTS)
    def test_the_form_the_api_and_the_import_refuse_with_one_message(
        self, client_for, acme, acme_rep, amount
    ):
        message = amount_message(allow_zero=False)
        form = _portal(client_for, acme_rep, estimated_amount=amount).context["form"]
        api = _api(acme_rep, estimated_amount=amount)
        report = _import(acme_rep, acme, f'Wayne,US,"{amount}",USD,{_future()},SF-1,').report

        assert form.errors["estimated_amount"] == [message]
        assert error_of(api)["details"]["estimated_amount"] == [message]
        assert report[0]["outcome"] == "failed"
        assert report[0]["reason"] == f"estimated_amount: {message}"
        assert not DealRegistration.objects.exists()

    def test_a_registration_worth_nothing_is_refused_everywhere(self, client_for, acme, acme_rep):
        message = "Enter an amount above zero."
        form = _portal(client_for, acme_rep, estimated_amount="0").context["form"]
        api = _api(acme_rep, estimated_amount="0.00")
        report = _import(acme_rep, acme, f"Wayne,US,0,USD,{_future()},SF-1,").report
        assert form.errors["estimated_amount"] == [message]
        assert error_of(api)["details"]["estimated_amount"] == [message]
        assert report[0]["reason"] == f"estimated_amount: {message}"
        assert not DealRegistration.objects.exists()

    def test_a_won_deal_needs_an_amount_above_zero_but_may_cost_nothing(self, acme_rep):
        registration = RegistrationFactory(
            partner=acme_rep.memberships.get().partner, registered_by=acme_rep, status="approved"
        )
        with pytest.raises(InvalidDealData) as refused:
            record_outcome(
                registration=registration, actor=acme_rep, outcome="won", closed_amount="0",
                closed_on=timezone.localdate(), cost_amount="0",
            )  # fmt: skip
        assert set(refused.value.details) == {"closed_amount"}

    def test_a_european_amount_is_refused_not_misread(self, acme, acme_rep):
        report = _import(acme_rep, acme, f'Wayne,US,"12.500,00",USD,{_future()},SF-1,').report
        assert report[0]["outcome"] == "failed"

    def test_a_large_amount_within_the_column_is_accepted(self, acme_rep):
        # 15 significant digits: SQLite stores decimals as floats and reads back no more.
        response = _api(acme_rep, estimated_amount="9,999,999,999,999.99")
        assert response.status_code == 201
        assert DealRegistration.objects.get().estimated_amount == Decimal("9999999999999.99")


class TestDomainsAndNames:
    def test_an_overlong_domain_is_one_failed_line_and_the_others_are_imported(
        self, acme, acme_rep
    ):
        record = _import(
            acme_rep,
            acme,
            f"Wayne,US,100,USD,{_future()},SF-1,{LONG_DOMAIN}",
            f"Stark,US,100,USD,{_future()},SF-2,stark.example",
        )
        assert [(r["line"], r["outcome"]) for r in record.report] == [
            (2, "failed"),
            (3, "created"),
        ]
        assert record.report[0]["reason"].startswith("customer_domain:")
        assert DealRegistration.objects.get().customer_name == "Stark"

    def test_an_overlong_domain_is_a_400_in_the_api(self, acme_rep):
        response = _api(acme_rep, customer_domain="a" * 64 + ".com")
        assert list(error_of(response)["details"]) == ["customer_domain"]

    def test_invisible_characters_leave_names_on_every_path(self, client_for, acme, acme_rep):
        _portal(client_for, acme_rep, customer_name="Umbrella\u202e Health\u200b")
        _api(acme_rep, customer_name="\ufeffMassive\u200bDynamic", contact_name="Bob\u2066")
        _import(acme_rep, acme, f"Way\u200dne,US,100,USD,{_future()},SF-9,")

        assert set(DealRegistration.objects.values_list("customer_name", flat=True)) == {
            "Umbrella Health",
            "MassiveDynamic",
            "Wayne",
        }
        assert DealRegistration.objects.filter(contact_name="Bob").exists()

    def test_a_name_of_only_invisible_characters_is_missing(self, acme_rep):
        response = _api(acme_rep, customer_name="\u200b\u202e")
        assert list(error_of(response)["details"]) == ["customer_name"]


class TestDates:
    def test_an_expected_close_date_years_away_is_refused_everywhere(
        self, client_for, acme, acme_rep
    ):
        form = _portal(client_for, acme_rep, expected_close_date=FAR_AWAY).context["form"]
        api = _api(acme_rep, expected_close_date=FAR_AWAY)
        report = _import(acme_rep, acme, f"Wayne,US,100,USD,{FAR_AWAY},SF-1,").report

        assert "within 5 years" in form.errors["expected_close_date"][0]
        assert "within 5 years" in error_of(api)["details"]["expected_close_date"]
        assert "within 5 years" in report[0]["reason"]
        assert not DealRegistration.objects.exists()

    def test_an_expected_close_date_within_the_window_is_accepted(self, acme_rep):
        soon = timezone.localdate() + dt.timedelta(days=4 * 365)
        assert _api(acme_rep, expected_close_date=soon.isoformat()).status_code == 201

    @pytest.mark.parametrize(
        "closed_on",
        [dt.date(9999, 12, 31), dt.date(1, 1, 1), timezone.localdate() + dt.timedelta(days=1)],
    )
    def test_a_won_date_in_the_future_or_long_before_registration_is_refused(
        self, acme, acme_rep, closed_on
    ):
        deal = RegistrationFactory(
            partner=acme, registered_by=acme_rep, status=DealRegistration.Status.APPROVED
        )
        with pytest.raises(InvalidDealData) as caught:
            record_outcome(
                registration=deal,
                actor=acme_rep,
                outcome="won",
                closed_amount="100",
                closed_on=closed_on,
            )
        assert list(caught.value.details) == ["closed_on"]


class TestLeads:
    def test_lead_names_lose_invisible_characters_and_amounts_use_the_one_parser(self, ops):
        lead = create_lead(
            actor=ops, company_name="Hoo\u200bli\u202e", contact_name="\ufeffGavin", country="US"
        )
        assert (lead.company_name, lead.contact_name) == ("Hooli", "Gavin")
        with pytest.raises(InvalidLeadData) as caught:
            create_lead(actor=ops, company_name="Hooli", country="US", estimated_amount="NaN")
        assert caught.value.details["estimated_amount"] == [amount_message()]
