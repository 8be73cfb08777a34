"""Imports in batches: each chunk of rows is created at once and checked for conflicts in one
go, with the same outcome as creating and submitting the rows one by one."""

import datetime as dt
import logging
import random

import pytest
from django.db import DataError
from django.utils import timezone

from deals import imports
from deals.conflicts import candidates_for_new, find_conflict_candidates
from deals.exceptions import InvalidDealData
from deals.models import DealConflict, DealImport, DealRegistration
from deals.services import create_registration
from prm.models import AuditEvent

from .conflict_factories import AccountFactory, OpportunityFactory, RegistrationFactory

pytestmark = pytest.mark.django_db
HEADER = (
    "customer_name,country,estimated_amount,currency,expected_close_date,"
    "customer_domain,contact_email,external_ref"
)


def _future(days=30) -> str:
    return (timezone.localdate() + dt.timedelta(days=days)).isoformat()


def _csv(*rows: str) -> bytes:
    return ("\n".join([HEADER, *rows]) + "\n").encode()


def _row(name, ref, *, domain="", email="", country="US", amount="1000") -> str:
    return f"{name},{country},{amount},USD,{_future()},{domain},{email},{ref}"


@pytest.fixture
def chunks_of_three(monkeypatch):
    monkeypatch.setattr(DealImport, "chunk_size", 3)


@pytest.fixture
def claimed(acme, globex):
    """Customers other registrations and the vendor's own sales team already claim."""
    RegistrationFactory(partner=globex, customer_name="Contoso Ltd", customer_domain="contoso.com")
    RegistrationFactory(
        partner=globex,
        customer_name="Fabrikam Group",
        contact_email="it@fabrikam.com",
        status=DealRegistration.Status.APPROVED,
        country="DE",
    )
    RegistrationFactory(partner=globex, customer_name="Northwind Traders", country="GB")
    RegistrationFactory(partner=acme, customer_name="Litware", customer_domain="litware.com")
    RegistrationFactory(
        partner=globex, customer_name="Contoso", status=DealRegistration.Status.WON
    )  # closed: never a candidate
    # More candidates than a check keeps (MAX_CANDIDATES), with different scores.
    for n in range(24):
        RegistrationFactory(
            partner=globex,
            customer_name=f"Tailspin Toys {'Labs' if n % 3 else ''}",
            customer_domain="tailspin.com" if n % 2 else "",
            country="US" if n % 4 else "FR",
        )
    OpportunityFactory(account=AccountFactory(name="Adventure Works", domain="adventure-works.com"))


FILE = _csv(
    _row("Contoso Ltd", "IMP-1", domain="www.contoso.com"),  # line 2
    _row("Northwind Trading", "IMP-2", email="pat@northwind.com", country="GB"),
    _row("Contoso Labs", "IMP-3", email="buyer@contoso.com"),  # sees line 2, same chunk
    _row("Tailspin Toys", "IMP-4", domain="tailspin.com"),  # 5
    _row("Adventure Works Cycles", "IMP-5"),
    _row("Litware Inc", "IMP-6", domain="litware.com"),  # same partner
    _row("Northwind Traders", "IMP-7", domain="northwind.com", country="GB"),  # 8: sees line 3
    _row("Bad Row", "IMP-8", country="XX"),
    _row("Contoso", "IMP-9", country="US"),  # 10: sees lines 2 and 4
    _row("Fabrikam", "IMP-10", email="cfo@fabrikam.com", country="DE"),
    _row("Contoso Ltd", "IMP-1", domain="contoso.com"),  # 12: a repeated reference
)


def _import(actor, partner, data=FILE) -> DealImport:
    return imports.import_registrations(actor=actor, partner=partner, data=data)


def _label(registration: DealRegistration | None) -> str | None:
    if registration is None:
        return None
    return registration.external_ref or f"#{registration.pk}"


def _recorded(partner) -> tuple[list, dict]:
    """The conflicts and the audit trail of the partner's imported registrations, named so
    that two runs compare (imported registrations by reference, others by id)."""
    conflicts = sorted(
        (
            c.registration.external_ref,
            _label(c.existing_registration),
            c.existing_opportunity_id,
            str(c.score),
            c.evidence,
        )
        for c in DealConflict.objects.filter(registration__external_ref__startswith="IMP-")
        .select_related("registration", "existing_registration")
        .order_by("pk")
    )
    trails = {}
    for registration in DealRegistration.objects.filter(external_ref__startswith="IMP-"):
        events = AuditEvent.objects.for_object(registration).order_by("pk")
        trails[registration.external_ref] = [
            (e.verb, e.from_state, e.to_state, len(e.data.get("conflicts", []))) for e in events
        ]
    return conflicts, trails


def _report(record: DealImport) -> list:
    return [(row["line"], row["outcome"], row["customer"]) for row in record.report]


class TestSameAsOneByOne:
    def test_the_batched_import_records_the_conflicts_of_one_by_one_submissions(
        self, acme, acme_rep, claimed, chunks_of_three, monkeypatch
    ):
        batched = _import(acme_rep, acme)
        conflicts, trails = _recorded(acme)
        DealRegistration.objects.filter(external_ref__startswith="IMP-").delete()

        def no_batch(**kwargs):
            raise DataError("forced: import one by one")

        monkeypatch.setattr(imports, "create_registrations", no_batch)
        one_by_one = _import(acme_rep, acme)
        assert _recorded(acme) == (conflicts, trails)
        assert _report(batched) == _report(one_by_one)
        assert [r["outcome"] for r in batched.report].count("created") == 9

        # The comparison is not empty: in-chunk, cross-chunk, same-partner, opportunity and
        # capped candidates are all there.
        pairs = {(mine, theirs) for mine, theirs, *_ in conflicts}
        assert {("IMP-3", "IMP-1"), ("IMP-7", "IMP-2"), ("IMP-9", "IMP-1")} <= pairs
        rules = {item["rule"] for *_, evidence in conflicts for item in evidence}
        assert rules == {"domain", "email_domain", "name", "country", "same_partner"}
        assert any(opportunity for _, _, opportunity, *_ in conflicts)
        assert sum(1 for mine, *_ in conflicts if mine == "IMP-4") == 20
        assert trails["IMP-3"] == [
            ("deal.created", "", "draft", 0),
            ("deal.conflicts_detected", "", "", 2),  # Contoso Ltd of Globex, and line 2
            ("deal.submitted", "draft", "submitted", 0),
        ]

    def test_candidates_for_a_batch_equal_each_check_right_after_its_creation(
        self, acme, acme_rep, globex
    ):
        """Many overlapping names and domains: every candidate, score, evidence and the order
        match the per-registration check made just after each registration was created."""
        rng = random.Random(7)
        words = ["contoso", "fabrikam", "northwind", "tailspin", "litware", "proseware"]
        tails = ["", " labs", " group", " traders", " toys", " systems"]
        domains = ["", "contoso.com", "fabrikam.de", "northwind.co.uk", "gmail.com"]

        def fields():
            word = rng.choice(words)
            return {
                "customer_name": f"{word.title()}{rng.choice(tails)}",
                "customer_domain": rng.choice(domains),
                "contact_email": f"a@{rng.choice(domains) or 'example.org'}",
                "country": rng.choice(["US", "DE"]),
            }

        for _ in range(40):
            RegistrationFactory(partner=globex, **fields())
        account = AccountFactory(name="Northwind Group", domain="northwind.co.uk")
        OpportunityFactory(account=account)
        created, expected = [], []
        for _ in range(25):
            values = fields()
            registration = RegistrationFactory(partner=acme, registered_by=acme_rep, **values)
            created.append(registration)
            expected.append(
                find_conflict_candidates(**values, exclude_registration_id=registration.pk)
            )

        def described(candidates):
            return [
                (c.kind, (c.registration or c.opportunity).pk, c.score, c.evidence)
                for c in candidates
            ]

        batched = candidates_for_new(created)
        assert [described(c) for c in batched] == [described(c) for c in expected]
        assert sum(len(c) for c in expected) > 100


class TestChunks:
    def test_a_bad_row_is_one_failed_line_and_the_rest_of_its_chunk_imports(
        self, acme, acme_rep, chunks_of_three, caplog
    ):
        data = _csv(
            _row("Good One", "R1"),
            _row("Bad Amount", "R2", amount="12.5x"),
            _row("Good Two", "R3"),
        )
        with caplog.at_level(logging.WARNING, logger="deals.imports"):
            record = _import(acme_rep, acme, data)
        assert [(r["line"], r["outcome"]) for r in record.report] == [
            (2, "created"),
            (3, "failed"),
            (4, "created"),
        ]
        assert record.report[1]["reason"].startswith("estimated_amount: ")
        assert not caplog.records  # the batch itself went through
        assert set(DealRegistration.objects.values_list("external_ref", flat=True)) == {
            "R1",
            "R3",
        }

    def test_a_batch_the_database_refuses_is_imported_again_row_by_row(
        self, acme, acme_rep, chunks_of_three, monkeypatch, caplog
    ):
        """Another import stored R2 after this batch looked for duplicates: the batch's insert
        breaks the unique reference, its savepoint rolls back, and row by row only R2 is
        skipped."""
        taken = RegistrationFactory(partner=acme, external_ref="R2", customer_name="Taken")
        monkeypatch.setattr("deals.services.bulk.registrations_by_ref", lambda *args: {})
        data = _csv(_row("First", "R1"), _row("Second", "R2"), _row("Third", "R3"))
        with caplog.at_level(logging.WARNING, logger="deals.imports"):
            record = _import(acme_rep, acme, data)
        assert [(r["outcome"], r["registration"]) for r in record.report][1] == (
            "duplicate",
            taken.pk,
        )
        assert [r["outcome"] for r in record.report] == ["created", "duplicate", "created"]
        assert "imported one by one" in caplog.text
        assert DealRegistration.objects.filter(partner=acme).count() == 3
        # Nothing of the refused batch is left behind: one creation event per registration.
        created = AuditEvent.objects.filter(verb="deal.created")
        assert sorted(int(pk) for pk in created.values_list("object_id", flat=True)) == sorted(
            DealRegistration.objects.exclude(pk=taken.pk).values_list("pk", flat=True)
        )

    def test_a_job_resumed_after_a_crash_creates_nothing_twice(
        self, acme, acme_rep, claimed, chunks_of_three, monkeypatch
    ):
        real = imports.create_registrations
        calls = []

        def dying(**kwargs):
            outcomes = real(**kwargs)
            calls.append(1)
            if len(calls) == 2:  # the second chunk is written, then the worker dies
                raise SystemExit("worker killed")
            return outcomes

        record = imports.start_import(actor=acme_rep, partner=acme, data=FILE, queue=False)
        monkeypatch.setattr(imports, "create_registrations", dying)
        with pytest.raises(SystemExit):
            imports.process_import(import_id=record.pk)
        record.refresh_from_db()
        assert (record.last_line, record.created_count) == (4, 3)
        monkeypatch.setattr(imports, "create_registrations", real)
        record = imports.process_import(import_id=record.pk)
        assert (record.status, record.created_count, record.duplicate_count) == ("done", 9, 1)
        assert [r["line"] for r in record.report] == list(range(2, 13))
        imported = DealRegistration.objects.filter(external_ref__startswith="IMP-")
        assert imported.count() == 9
        created_events = AuditEvent.objects.filter(verb="deal.created")
        assert created_events.count() == imported.count()
        assert {int(pk) for pk in created_events.values_list("object_id", flat=True)} == set(
            imported.values_list("pk", flat=True)
        )
        # The conflicts are those of a run that never crashed.
        conflicts, _trails = _recorded(acme)
        DealRegistration.objects.filter(external_ref__startswith="IMP-").delete()
        _import(acme_rep, acme)
        assert _recorded(acme)[0] == conflicts

    def test_rows_of_a_partner_suspended_meanwhile_fail_each_with_the_reason(
        self, acme, acme_rep, chunks_of_three
    ):
        record = imports.start_import(actor=acme_rep, partner=acme, data=FILE, queue=False)
        acme.status = acme.Status.SUSPENDED
        acme.save(update_fields=["status"])
        record = imports.process_import(import_id=record.pk)
        assert (record.status, record.created_count, record.failed_count) == ("done", 0, 11)
        assert all(
            "only active partners can register deals" in row["reason"] for row in record.report
        )
        assert not DealRegistration.objects.exists()

    def test_drafts_are_stored_without_a_conflict_check(self, acme, acme_rep, claimed):
        record = imports.import_registrations(actor=acme_rep, partner=acme, data=FILE, submit=False)
        assert record.created_count == 9
        drafts = DealRegistration.objects.filter(external_ref__startswith="IMP-")
        assert set(drafts.values_list("status", flat=True)) == {"draft"}
        assert not DealConflict.objects.filter(registration__in=drafts).exists()
        assert not AuditEvent.objects.filter(verb="deal.submitted").exists()

    def test_the_batch_validates_with_the_single_registration_rules(self, acme, acme_rep):
        """A value the portal form refuses is refused the same way in a batch."""
        too_long = "x" * 64 + ".com"
        data = _csv(_row("Long Label", "R1", domain=too_long), _row("Fine", "R2"))
        record = _import(acme_rep, acme, data)
        with pytest.raises(InvalidDealData) as single:
            create_registration(
                actor=acme_rep,
                partner=acme,
                customer_name="Long Label",
                country="US",
                estimated_amount="1000",
                currency="USD",
                expected_close_date=timezone.localdate() + dt.timedelta(days=30),
                customer_domain=too_long,
            )
        assert record.report[0]["outcome"] == "failed"
        assert (
            record.report[0]["reason"]
            == f"customer_domain: {single.value.details['customer_domain']}"
        )
        assert record.report[1]["outcome"] == "created"
