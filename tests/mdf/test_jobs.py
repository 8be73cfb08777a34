"""The accrual and expiry jobs: per tier and currency, re-runnable, with a controlled clock."""

import datetime as dt
import threading
from decimal import Decimal

import pytest
import time_machine
from django.core.management import call_command
from django.db import connection

from deals.models import DealRegistration
from mdf.exceptions import InvalidMdfData
from mdf.funds import services as funds
from mdf.funds.selectors import partner_balance
from mdf.ledger import services as ledger
from mdf.ledger.selectors import fund_balance
from mdf.models import Fund, LedgerEntry, MdfSettings
from mdf.requests import services as requests
from partners.models import TierHistory
from prm.currency.conversion import MissingExchangeRate
from prm.currency.models import ExchangeRate
from tests.deals.conflict_factories import RegistrationFactory
from tests.factories import PartnerFactory

from .factories import request_values

Kind = LedgerEntry.Kind
MARCH = dt.date(2026, 3, 1)


def won(partner, amount, currency="USD", day=dt.date(2026, 3, 15)):
    return RegistrationFactory(
        partner=partner, status=DealRegistration.Status.WON, closed_amount=Decimal(amount),
        currency=currency, closed_on=day,
    )  # fmt: skip


@pytest.fixture
def eur_rate(db):
    return ExchangeRate.objects.create(currency="EUR", rate=Decimal("1.10"), effective_on=MARCH)


def accruals(partner) -> list[Decimal]:
    return list(
        LedgerEntry.objects.filter(fund__partner=partner, kind=Kind.ACCRUAL).values_list(
            "amount", flat=True
        )
    )


class TestAccrual:
    def test_each_partner_accrues_its_tiers_rate_of_won_revenue_in_every_currency(
        self, mdf_tiers, acme, globex, eur_rate
    ):
        acme.tier = mdf_tiers[1]  # 3 %
        acme.save()
        won(acme, "10000.00")
        won(acme, "1000.00", currency="EUR")  # 1,100 USD
        won(globex, "20000.00")  # Gold: 5 %
        won(globex, "5000.00", day=dt.date(2026, 4, 1))  # April: not this month

        result = funds.accrue_month(month=MARCH)

        assert accruals(acme) == [Decimal("333.00")]  # 3 % of 11,100
        assert accruals(globex) == [Decimal("1000.00")]
        assert result.partners == 2 and result.total == Decimal("1333.00")
        fund = Fund.objects.get(partner=acme)
        assert (fund.period, fund.starts_on, fund.ends_on) == (
            "FY2026-Q1", dt.date(2026, 1, 1), dt.date(2026, 3, 31),
        )  # fmt: skip

    def test_a_tier_without_the_mdf_benefit_accrues_nothing(self, mdf_tiers, acme):
        acme.tier = mdf_tiers[0]
        acme.save()
        won(acme, "10000.00")
        assert funds.accrue_month(month=MARCH).partners == 0
        assert not Fund.objects.filter(partner=acme).exists()

    def test_lost_and_open_deals_do_not_accrue(self, mdf_acme):
        RegistrationFactory(partner=mdf_acme, status=DealRegistration.Status.APPROVED)
        won(mdf_acme, "100.00")
        assert funds.accrue_month(month=MARCH).total == Decimal("3.00")

    def test_the_tier_in_force_at_the_end_of_the_month_sets_the_rate(self, mdf_tiers, mdf_acme):
        TierHistory.objects.create(
            partner=mdf_acme, tier=mdf_tiers[2], effective_from=dt.date(2026, 3, 20),
            effective_to=dt.date(2026, 4, 30),
        )  # fmt: skip
        won(mdf_acme, "1000.00")
        funds.accrue_month(month=MARCH)
        assert accruals(mdf_acme) == [Decimal("50.00")]

    def test_running_a_month_again_changes_nothing(self, mdf_acme):
        won(mdf_acme, "1000.00")
        first = funds.accrue_month(month=MARCH)
        again = funds.accrue_month(month=MARCH)
        assert (first.created, again.created, again.already) == (1, 0, 1)
        assert accruals(mdf_acme) == [Decimal("30.00")]

    def test_a_missing_exchange_rate_stops_the_run_naming_the_currency(self, mdf_acme):
        won(mdf_acme, "1000.00", currency="GBP")
        with pytest.raises(MissingExchangeRate, match="GBP"):
            funds.accrue_month(month=MARCH)
        assert not LedgerEntry.objects.exists()

    def test_progress_counts_every_partner_once_across_chunks(self, mdf_tiers, monkeypatch):
        monkeypatch.setattr(funds, "CHUNK_SIZE", 2)
        for n in range(5):
            won(PartnerFactory(tier=mdf_tiers[1]), f"{100 * (n + 1)}.00")
        seen = []
        result = funds.accrue_month(
            month=MARCH, progress=lambda done, total: seen.append((done, total))
        )
        assert seen == [(2, 5), (4, 5), (5, 5)]  # chunks of 2, 2 and 1
        assert (result.created, result.already) == (5, 0)

    @pytest.mark.django_db(transaction=True)
    @pytest.mark.skipif(connection.vendor != "postgresql", reason="in parallel on PostgreSQL")
    def test_outside_a_transaction_chunks_accrue_at_once_on_their_own_connections(
        self, mdf_tiers, monkeypatch, settings
    ):
        settings.PRM_JOB_CONNECTIONS = 2
        monkeypatch.setattr(funds, "CHUNK_SIZE", 2)
        threads = []
        real = funds._accrue_chunk

        def recorded(*args):
            threads.append(threading.current_thread().name)
            return real(*args)

        monkeypatch.setattr(funds, "_accrue_chunk", recorded)
        partners = [PartnerFactory(tier=mdf_tiers[1 + n % 2]) for n in range(5)]
        for n, partner in enumerate(partners):
            won(partner, f"{1000 * (n + 1)}.00")

        result = funds.accrue_month(month=MARCH)

        assert [accruals(p) for p in partners] == [
            [Decimal("30.00")], [Decimal("100.00")], [Decimal("90.00")], [Decimal("200.00")],
            [Decimal("150.00")],
        ]  # fmt: skip
        assert (result.created, result.total) == (5, Decimal("570.00"))
        assert len(threads) == 3 and threading.current_thread().name not in threads
        assert funds.accrue_month(month=MARCH).created == 0

    @pytest.mark.django_db(transaction=True)
    def test_a_missing_rate_for_one_partner_writes_nothing_for_any(self, mdf_tiers, monkeypatch):
        monkeypatch.setattr(funds, "CHUNK_SIZE", 1)
        for _ in range(3):
            won(PartnerFactory(tier=mdf_tiers[1]), "1000.00")
        won(PartnerFactory(tier=mdf_tiers[1]), "1000.00", currency="GBP")
        with pytest.raises(MissingExchangeRate, match="GBP"):
            funds.accrue_month(month=MARCH)
        assert not LedgerEntry.objects.exists() and not Fund.objects.exists()

    def test_the_command_takes_a_month_and_reports(self, mdf_acme, capsys):
        won(mdf_acme, "1000.00")
        call_command("accrue_mdf", "--month", "2026-03")
        call_command("accrue_mdf", "--month", "2026-03")
        out = capsys.readouterr().out
        assert "1 entries written, 0 already there" in out
        assert "0 entries written, 1 already there" in out

    def test_a_malformed_month_is_refused(self):
        with pytest.raises(InvalidMdfData):
            funds.parse_month("March")


class TestExpiry:
    @pytest.fixture
    def q1_fund(self, mdf_acme):
        fund = ledger.open_fund(partner=mdf_acme, day=MARCH)
        ledger.record(fund=fund, kind=Kind.ALLOCATION, amount=Decimal("1000.00"))
        return fund

    def test_without_carry_over_what_is_left_expires_after_the_period(self, q1_fund):
        assert funds.expire_funds(as_of=dt.date(2026, 3, 31)).funds == 0  # last day: still open
        result = funds.expire_funds(as_of=dt.date(2026, 4, 1))
        assert result.expired == Decimal("1000.00")
        balance = fund_balance(q1_fund)
        assert (balance.available, balance.expired) == (0, Decimal("1000.00"))

    def test_running_expiry_again_changes_nothing(self, q1_fund):
        funds.expire_funds(as_of=dt.date(2026, 4, 1))
        again = funds.expire_funds(as_of=dt.date(2026, 4, 2))
        assert (again.funds, again.created) == (0, 0)
        assert q1_fund.entries.filter(kind=Kind.EXPIRY).count() == 1

    def test_a_grace_of_n_days_keeps_the_fund_open_that_long(self, mdf_acme):
        MdfSettings.objects.update_or_create(pk=1, defaults={"carry_over": "days",
                                                             "carry_over_days": 30})  # fmt: skip
        fund = ledger.open_fund(partner=mdf_acme, day=MARCH)
        ledger.record(fund=fund, kind=Kind.ALLOCATION, amount=Decimal("50.00"))
        assert fund.expires_on == dt.date(2026, 4, 30)
        assert funds.expire_funds(as_of=dt.date(2026, 4, 30)).funds == 0
        assert funds.expire_funds(as_of=dt.date(2026, 5, 1)).expired == Decimal("50.00")

    def test_carry_over_into_the_next_period_is_capped(self, q1_fund, mdf_acme):
        MdfSettings.objects.update_or_create(
            pk=1, defaults={"carry_over": "next_period", "carry_over_cap": Decimal("300.00")}
        )
        result = funds.expire_funds(as_of=dt.date(2026, 4, 1))

        assert (result.carried, result.expired) == (Decimal("300.00"), Decimal("700.00"))
        q2 = Fund.objects.get(partner=mdf_acme, period="FY2026-Q2")
        assert fund_balance(q2).available == Decimal("300.00")
        assert fund_balance(q1_fund).accounted and fund_balance(q2).accounted
        assert funds.expire_funds(as_of=dt.date(2026, 4, 2)).created == 0

    def test_expiry_leaves_committed_money_committed(self, q1_fund):
        ledger.record(fund=q1_fund, kind=Kind.RESERVATION, amount=Decimal("400.00"))
        funds.expire_funds(as_of=dt.date(2026, 4, 1))
        balance = fund_balance(q1_fund)
        assert (balance.committed, balance.expired) == (Decimal("400.00"), Decimal("600.00"))

    def test_money_released_after_expiry_expires_at_once(
        self, mdf_acme, acme_rep, cam, webinar, ops
    ):
        with time_machine.travel(dt.datetime(2026, 3, 1, 12, tzinfo=dt.UTC), tick=False):
            funds.allocate_funds(actor=ops, partner=mdf_acme, amount="1000.00", reason="Launch")
            request = requests.create_request(
                actor=acme_rep, partner=mdf_acme, submit=True, **request_values(webinar)
            )
            requests.approve_request(actor=cam, request=request)
        funds.expire_funds(as_of=dt.date(2026, 4, 1))
        with time_machine.travel(dt.datetime(2026, 4, 2, 12, tzinfo=dt.UTC), tick=False):
            requests.cancel_request(actor=acme_rep, request=request)
        balance = partner_balance(mdf_acme, today=dt.date(2026, 4, 2)).total
        assert (balance.available, balance.committed) == (0, 0)
        assert balance.expired == Decimal("1000.00") and balance.accounted


def test_funds_expiring_soon_are_flagged_with_their_date(mdf_acme):
    fund = ledger.open_fund(partner=mdf_acme, day=MARCH)
    ledger.record(fund=fund, kind=Kind.ALLOCATION, amount=Decimal("80.00"))
    early = partner_balance(mdf_acme, today=dt.date(2026, 2, 1))
    late = partner_balance(mdf_acme, today=dt.date(2026, 3, 10))
    assert early.expiring_soon == 0 and early.next_expiry == dt.date(2026, 3, 31)
    assert late.expiring_soon == Decimal("80.00")
    assert late.periods[0].expires_in_days == 21


def test_partners_without_deals_get_no_fund(mdf_tiers):
    PartnerFactory(tier=mdf_tiers[2])
    funds.accrue_month(month=MARCH)
    assert not Fund.objects.exists()


def test_the_scheduled_tasks_exist_and_run_the_services(mdf_acme, settings):
    from mdf import tasks
    from prm.celery import app

    scheduled = {e["task"] for e in settings.CELERY_BEAT_SCHEDULE.values()}
    assert {"mdf.tasks.accrue_month", "mdf.tasks.expire_funds",
            "mdf.tasks.lapse_overdue_claims"} <= scheduled  # fmt: skip
    assert scheduled <= set(app.tasks) | {t for t in scheduled if not t.startswith("mdf.")}
    won(mdf_acme, "1000.00")
    assert tasks.accrue_month_task(month="2026-03")["created"] == 1
    assert tasks.accrue_month_task(month="2026-03")["created"] == 0
    assert Decimal(tasks.expire_funds_task(as_of="2026-04-01")["expired"]) == Decimal("30.00")
