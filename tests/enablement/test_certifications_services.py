"""Recording completions, renewals, the daily status refresh with its warnings, and reference
implementations."""

import datetime as dt

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command

from enablement import references, services
from enablement.exceptions import ExternalIdConflict, InvalidCompletion, NotAPartnerMember
from enablement.models import EnablementSettings, PersonCertification, ReferenceImplementation
from enablement.tasks import refresh_certification_statuses as refresh_task
from prm.audit import events_for
from prm.exceptions import InvalidTransition, PermissionDenied
from prm.models import Notification
from tests.factories import OfficeFactory, TierRequirementFactory

from .factories import CertificationFactory, ReferenceFactory

Status = PersonCertification.Status
PORTAL = PersonCertification.Source.PORTAL


def at(day: str):
    return time_machine.travel(dt.datetime.fromisoformat(day + "T09:00:00+00:00"), tick=False)


@pytest.fixture
def sales_cert(db):
    return CertificationFactory(
        code="sales-pro", name="Sales Pro", kind="sales", validity_months=12
    )


def record(ops, user, partner, cert, day, **kwargs):
    return services.record_completion(
        actor=ops,
        user=user,
        partner=partner,
        certification=cert,
        earned_on=dt.date.fromisoformat(day),
        source=kwargs.pop("source", PORTAL),
        **kwargs,
    )


# --- Recording ----------------------------------------------------------------------------------


def test_a_completion_expires_validity_months_later_and_takes_the_office_region(
    ops, acme, acme_rep, sales_cert
):
    office = OfficeFactory(partner=acme, name="Lyon", country="FR", region="EMEA")
    with at("2026-03-01"):
        pc, created = record(ops, acme_rep, acme, sales_cert, "2026-02-15", office=office)
    assert created
    assert pc.expires_on == dt.date(2027, 2, 15)
    assert (pc.status, pc.region, pc.office) == (Status.ACTIVE, "EMEA", office)
    assert [e.verb for e in events_for(pc)] == ["certification.recorded"]


def test_without_an_office_the_region_is_the_partners_headquarters(ops, acme, acme_rep, sales_cert):
    pc, _ = record(ops, acme_rep, acme, sales_cert, "2026-01-15")
    assert pc.office is None
    assert pc.region == "NA"  # Acme's HQ is in the US


def test_the_same_completion_twice_changes_nothing(ops, acme, acme_rep, sales_cert):
    first, created = record(ops, acme_rep, acme, sales_cert, "2026-01-15")
    again, created_again = record(ops, acme_rep, acme, sales_cert, "2026-01-15")
    assert created and not created_again
    assert again.pk == first.pk
    assert PersonCertification.objects.count() == 1
    assert len(events_for(first)) == 1


def test_an_external_id_is_used_once(ops, acme, acme_rep, sales_cert):
    first, _ = record(ops, acme_rep, acme, sales_cert, "2026-01-15", external_id="lms-1")
    same, created = record(ops, acme_rep, acme, sales_cert, "2026-01-15", external_id="lms-1")
    assert (same.pk, created) == (first.pk, False)
    with pytest.raises(ExternalIdConflict):
        record(ops, acme_rep, acme, sales_cert, "2026-02-01", external_id="lms-1")
    assert PersonCertification.objects.count() == 1


def test_a_newer_completion_marks_the_older_one_renewed(ops, acme, acme_rep, sales_cert):
    with at("2026-12-01"):
        old, _ = record(ops, acme_rep, acme, sales_cert, "2026-04-10")
        new, _ = record(ops, acme_rep, acme, sales_cert, "2026-11-30")
    old.refresh_from_db()
    assert old.status == Status.RENEWED
    assert new.status == Status.ACTIVE
    renewal = events_for(old).filter(verb="certification.renewed").get()
    assert (renewal.from_state, renewal.to_state, renewal.data["renewed_by"]) == (
        "active",
        "renewed",
        new.pk,
    )


def test_an_older_completion_arriving_late_is_stored_as_renewed(ops, acme, acme_rep, sales_cert):
    with at("2026-12-01"):
        new, _ = record(ops, acme_rep, acme, sales_cert, "2026-11-30")
        late, created = record(ops, acme_rep, acme, sales_cert, "2026-01-10")
    new.refresh_from_db()
    assert created and late.status == Status.RENEWED
    assert new.status == Status.ACTIVE


def test_completions_are_refused_with_clear_reasons(
    ops, acme, acme_rep, acme_admin, globex, globex_admin, sales_cert
):
    with pytest.raises(NotAPartnerMember):
        record(ops, globex_admin, acme, sales_cert, "2026-01-10")
    with pytest.raises(InvalidCompletion, match="office"):
        record(ops, acme_rep, acme, sales_cert, "2026-01-10", office=OfficeFactory(partner=globex))
    with pytest.raises(InvalidCompletion, match="future"):
        record(
            ops, acme_rep, acme, sales_cert, (dt.date.today() + dt.timedelta(days=1)).isoformat()
        )
    with pytest.raises(PermissionDenied):
        record(acme_admin, acme_rep, acme, sales_cert, "2026-01-10")
    assert PersonCertification.objects.count() == 0


# --- Status over time -------------------------------------------------------------------------


def test_status_goes_active_expiring_expired_and_a_renewal_ends_it(
    ops, acme, acme_rep, sales_cert, django_capture_on_commit_callbacks
):
    with at("2026-01-10"):
        pc, _ = record(ops, acme_rep, acme, sales_cert, "2026-01-10")  # expires 2027-01-10
    for day, expected in [
        ("2026-11-10", Status.ACTIVE),  # 61 days ahead: outside the 60-day window
        ("2026-11-11", Status.EXPIRING),  # 60 days ahead
        ("2027-01-10", Status.EXPIRING),  # the last valid day
        ("2027-01-11", Status.EXPIRED),
    ]:
        with at(day), django_capture_on_commit_callbacks(execute=True):
            services.refresh_certification_statuses()
        pc.refresh_from_db()
        assert pc.status == expected, day
    with at("2027-02-01"):
        renewal, _ = record(ops, acme_rep, acme, sales_cert, "2027-02-01")
    pc.refresh_from_db()
    assert (pc.status, renewal.status) == (Status.RENEWED, Status.ACTIVE)
    verbs = [(e.from_state, e.to_state) for e in events_for(pc).order_by("pk")]
    assert verbs == [("", "active"), ("active", "expiring"), ("expiring", "expired"),
                     ("expired", "renewed")]  # fmt: skip


def test_warnings_go_to_the_person_the_partner_admins_and_the_cam_once_per_change(
    ops, cam, acme, acme_rep, acme_admin, sales_cert, django_capture_on_commit_callbacks
):
    with at("2026-01-10"):
        record(ops, acme_rep, acme, sales_cert, "2026-01-10")
    for _ in range(2):  # the second run finds nothing to change
        with at("2026-12-01"), django_capture_on_commit_callbacks(execute=True):
            services.refresh_certification_statuses()
    expiring = Notification.objects.filter(kind=services.KIND_EXPIRING)
    assert sorted(n.user.email for n in expiring) == sorted(
        [acme_rep.email, acme_admin.email, cam.email]
    )
    for _ in range(2):
        with at("2027-01-11"), django_capture_on_commit_callbacks(execute=True):
            services.refresh_certification_statuses()
    assert Notification.objects.filter(kind=services.KIND_EXPIRED).count() == 3
    assert Notification.objects.filter(kind=services.KIND_EXPIRING).count() == 3


def _unread_warnings() -> int:
    return Notification.objects.filter(kind=services.KIND_EXPIRING, read_at__isnull=True).count()


def test_renewing_clears_the_expiry_warning_from_every_bell(
    ops, acme, acme_rep, acme_admin, cam, sales_cert
):
    with at("2026-01-10"):
        renewed, _ = record(ops, acme_rep, acme, sales_cert, "2026-01-10")
        other, _ = record(ops, acme_admin, acme, sales_cert, "2026-01-10")
    with at("2026-12-01"):
        services.refresh_certification_statuses()
    warnings = Notification.objects.filter(kind=services.KIND_EXPIRING, read_at__isnull=True)
    assert {n.user for n in warnings.filter(url=renewed.get_absolute_url())} == {
        acme_rep,
        acme_admin,
        cam,
    }
    others = warnings.filter(url=other.get_absolute_url()).count()
    assert others > 0
    with at("2026-12-05"):
        record(ops, acme_rep, acme, sales_cert, "2026-12-05")
    assert {n.url for n in warnings.all()} == {other.get_absolute_url()}
    assert warnings.count() == others


def test_an_expired_certification_no_longer_asks_to_renew_before_it_expires(
    ops, acme, acme_rep, sales_cert
):
    with at("2026-01-10"):
        record(ops, acme_rep, acme, sales_cert, "2026-01-10")
    with at("2026-12-01"):
        services.refresh_certification_statuses()
    assert _unread_warnings() > 0
    with at("2027-01-11"):
        services.refresh_certification_statuses()
    assert _unread_warnings() == 0
    assert Notification.objects.filter(kind=services.KIND_EXPIRED, read_at__isnull=True).exists()


def test_the_warning_names_the_tier_requirement_that_would_break(
    ops, acme, acme_rep, acme_admin, sales_cert, tiers, django_capture_on_commit_callbacks
):
    TierRequirementFactory(tier=tiers[0], metric="certified_sales", threshold=1)  # Acme: Registered
    with at("2026-01-10"):
        record(ops, acme_rep, acme, sales_cert, "2026-01-10")
    mail.outbox.clear()
    with at("2026-12-01"), django_capture_on_commit_callbacks(execute=True):
        services.refresh_certification_statuses()
    warning = Notification.objects.get(kind=services.KIND_EXPIRING, user=acme_admin)
    assert "Registered tier" in warning.body
    assert "Certified sales people" in warning.body
    assert any("Certified sales people" in m.body for m in mail.outbox)


def test_no_tier_warning_when_someone_else_keeps_the_requirement_met(
    ops, acme, acme_rep, acme_admin, sales_cert, tiers, django_capture_on_commit_callbacks
):
    TierRequirementFactory(tier=tiers[0], metric="certified_sales", threshold=1)
    with at("2026-01-10"):
        record(ops, acme_rep, acme, sales_cert, "2026-01-10")
    with at("2026-06-01"):
        record(ops, acme_admin, acme, sales_cert, "2026-06-01")
    with at("2026-12-01"), django_capture_on_commit_callbacks(execute=True):
        services.refresh_certification_statuses()
    warning = Notification.objects.get(kind=services.KIND_EXPIRING, user=acme_rep)
    assert "no longer meet" not in warning.body
    assert "Certified sales people" not in warning.body


def test_the_warning_window_is_a_program_setting(ops, acme, acme_rep, sales_cert):
    services.update_enablement_settings(actor=ops, expiry_warning_days=30)
    with at("2026-01-10"):
        pc, _ = record(ops, acme_rep, acme, sales_cert, "2026-01-10")
    with at("2026-11-20"):  # 51 days ahead
        services.refresh_certification_statuses()
    pc.refresh_from_db()
    assert pc.status == Status.ACTIVE
    with at("2026-12-11"):  # 30 days ahead
        services.refresh_certification_statuses()
    pc.refresh_from_db()
    assert pc.status == Status.EXPIRING
    assert EnablementSettings.current().expiry_warning_days == 30


def test_only_ops_change_the_warning_window(acme_admin):
    with pytest.raises(PermissionDenied):
        services.update_enablement_settings(actor=acme_admin, expiry_warning_days=5)


def test_the_task_and_the_command_run_the_same_refresh(ops, acme, acme_rep, sales_cert, capsys):
    with at("2026-01-10"):
        pc, _ = record(ops, acme_rep, acme, sales_cert, "2026-01-10")
    assert refresh_task.delay("2026-12-01").get() == {
        "today": "2026-12-01",
        "expiring": 1,
        "expired": 0,
    }
    call_command("refresh_certification_statuses", "--date", "2027-02-01")
    pc.refresh_from_db()
    assert pc.status == Status.EXPIRED
    assert "1 now expired" in capsys.readouterr().out


# --- Reference implementations ----------------------------------------------------------------


def test_a_partner_admin_submits_and_the_cam_approves(
    acme, acme_admin, cam, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        reference = references.submit_reference_implementation(
            actor=acme_admin,
            partner=acme,
            customer_name="Initech",
            scope="2,000 seats",
            completed_on=dt.date.today() - dt.timedelta(days=10),
            evidence="Go-live sign-off",
        )
    assert Notification.objects.filter(user=cam, kind=references.KIND_REFERENCE_SUBMITTED).exists()
    with django_capture_on_commit_callbacks(execute=True):
        references.decide_reference_implementation(actor=cam, reference=reference, approve=True)
    asked = Notification.objects.get(user=cam, kind=references.KIND_REFERENCE_SUBMITTED)
    assert asked.read_at is not None  # decided: it leaves the CAM's bell
    reference.refresh_from_db()
    assert (reference.status, reference.decided_by) == (
        ReferenceImplementation.Status.APPROVED,
        cam,
    )
    assert [e.verb for e in events_for(reference).order_by("pk")] == [
        "reference.submitted",
        "reference.decided",
    ]
    assert Notification.objects.filter(user=acme_admin, kind=references.KIND_REFERENCE_DECIDED)
    with pytest.raises(InvalidTransition):
        references.decide_reference_implementation(actor=cam, reference=reference, approve=False,
                                                 reason="changed my mind")  # fmt: skip


def test_only_the_partners_admins_submit_and_only_its_cam_decides(
    acme, acme_rep, globex_admin, other_cam, cam
):
    with pytest.raises(PermissionDenied):
        references.submit_reference_implementation(
            actor=acme_rep, partner=acme, customer_name="X", scope="Y",
            completed_on=dt.date.today(), evidence="Z",
        )  # fmt: skip
    with pytest.raises(PermissionDenied):
        references.submit_reference_implementation(
            actor=globex_admin, partner=acme, customer_name="X", scope="Y",
            completed_on=dt.date.today(), evidence="Z",
        )  # fmt: skip
    reference = ReferenceFactory(partner=acme)
    with pytest.raises(PermissionDenied):
        references.decide_reference_implementation(
            actor=other_cam, reference=reference, approve=True
        )
    with pytest.raises(InvalidCompletion):
        references.decide_reference_implementation(actor=cam, reference=reference, approve=False)
    reference.refresh_from_db()
    assert reference.status == ReferenceImplementation.Status.SUBMITTED


def test_the_person_hears_of_a_current_certification_but_not_of_a_lapsed_historic_one(
    ops, acme, acme_rep, sales_cert, django_capture_on_commit_callbacks
):
    with at("2026-06-01"), django_capture_on_commit_callbacks(execute=True):
        record(ops, acme_rep, acme, sales_cert, "2026-05-01")
        record(ops, acme_rep, acme, CertificationFactory(code="old", validity_months=12),
               "2024-01-01")  # fmt: skip
    earned = Notification.objects.filter(kind=services.KIND_EARNED)
    assert [(n.user, n.title) for n in earned] == [(acme_rep, "Certified: Sales Pro")]
