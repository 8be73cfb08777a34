"""Writes of the commission engine, in one place for the portal, API, tasks and commands.

- runs: ``start_commission_run`` (queue, ops button), ``calculate_commissions`` (the job, by
  run id), ``run_commission_calculation`` (synchronous, the management command);
- lines: ``reverse_line``; statements: ``approve_statement``, ``approve_statements``,
  ``record_payout`` (``statements``); plans: ``create_plan``, ``save_rule``, ``remove_rule``
  (``plans``); spiffs: ``save_spiff``; overrides: ``set_override``, ``decide_override``
  (``overrides``).
"""

import datetime as dt
import logging

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from prm.audit import record_event
from prm.exceptions import DomainError
from prm.models import User
from prm.permissions import require_program_ops
from prm.webhooks import publish

from . import notices
from .calculation import calculate_run, refuse_if_later_periods_exist
from .exceptions import CommissionError, CommissionNotAllowed, InvalidPeriod
from .lines import move_lines
from .models import REVERSAL_REASON_LENGTH, CommissionLine, CommissionRun, Spiff
from .overrides import decide_override, set_override
from .periods import commission_period, period_of
from .plans import create_plan, remove_rule, save_rule
from .statements import approve_statement, approve_statements, record_payout

logger = logging.getLogger(__name__)

__all__ = [
    "approve_statement", "approve_statements", "calculate_commissions", "create_plan",
    "decide_override", "record_payout", "remove_rule", "reverse_line",
    "run_commission_calculation", "save_rule", "save_spiff", "set_override",
    "start_commission_run",
]  # fmt: skip


def _require_ops(actor: User | None) -> None:
    require_program_ops(
        actor,
        _("Only program operations run the commission calculation."),
        error=CommissionNotAllowed,
        system_allowed=True,
    )


def calculable_period(period: str) -> str:
    """The label of ``period`` if it may be calculated now: a quarter that has begun (the
    current one shows partners what they are earning), and none later calculated already
    (corrections land in the latest period). Refused before a run is recorded."""
    quarter = commission_period(period)
    today = timezone.localdate()
    if quarter.start > today:
        raise InvalidPeriod(
            _(
                "%(period)s has not begun: a quarter is calculated from its first day "
                "(today is in %(now)s)."
            )
            % {"period": quarter.label, "now": period_of(today).label}
        )
    refuse_if_later_periods_exist(quarter.label)
    return quarter.label


@transaction.atomic
def start_commission_run(*, actor: User, period: str) -> CommissionRun:
    """Queue a calculation of ``period`` (``FY2026-Q3``); the worker picks it up after commit."""
    from .tasks import calculate_commissions_task

    _require_ops(actor)
    label = calculable_period(period)
    run = CommissionRun.objects.create(period=label, requested_by=actor)
    record_event(run, actor=actor, verb="commission_run_queued", to_state=run.status)
    transaction.on_commit(lambda: calculate_commissions_task.delay(run_id=run.pk))
    return run


def calculate_commissions(*, run_id: int, chunk_size: int | None = None, on_chunk=None) -> int:
    """Run the calculation of a queued (or crashed) run; safe to run twice. Returns the number
    of lines created. A failure is recorded on the run and raised again."""
    run = CommissionRun.objects.get(pk=run_id)
    if run.status == CommissionRun.Status.DONE:
        return 0
    CommissionRun.objects.filter(pk=run.pk).update(
        status=CommissionRun.Status.RUNNING, started_at=timezone.now(), error="",
        lines_created=0, lines_updated=0,
    )  # fmt: skip
    try:
        kwargs = {"chunk_size": chunk_size} if chunk_size else {}
        calculate_run(run, on_chunk=on_chunk, **kwargs)
    except DomainError as exc:
        _finish(run, CommissionRun.Status.FAILED, error=exc.message)
        raise
    except Exception as exc:
        logger.exception("Commission run %s failed", run.pk)
        _finish(run, CommissionRun.Status.FAILED, error=f"{type(exc).__name__}: {exc}")
        raise
    run = _finish(run, CommissionRun.Status.DONE)
    return run.lines_created


def _finish(run: CommissionRun, status: str, *, error: str = "") -> CommissionRun:
    CommissionRun.objects.filter(pk=run.pk).update(
        status=status, error=error, finished_at=timezone.now()
    )
    run.refresh_from_db()
    record_event(run, actor=None, verb=f"commission_run_{status}", to_state=status, reason=error,
                 data={"lines_created": run.lines_created, "lines_updated": run.lines_updated,
                       "deals": run.rows_done})  # fmt: skip
    return run


def run_commission_calculation(
    *, period: str, actor: User | None = None, chunk_size: int | None = None, on_chunk=None
) -> CommissionRun:
    """Calculate ``period`` now, in this process (the management command; tests)."""
    _require_ops(actor)
    run = CommissionRun.objects.create(period=calculable_period(period), requested_by=actor)
    calculate_commissions(run_id=run.pk, chunk_size=chunk_size, on_chunk=on_chunk)
    run.refresh_from_db()
    return run


@transaction.atomic
def reverse_line(*, actor: User, line: CommissionLine, reason: str) -> CommissionLine:
    """Decide not to pay a line (never a paid one), with a reason the partner sees. The spiff
    lines earned on it that are not paid yet are reversed with it (a spiff pays a share of the
    line). The calculation will not pay them again; the partner's admins are told, and webhooks
    hear ``commission_line.reversed`` for each."""
    require_program_ops(
        actor,
        _("Only program operations reverse commission lines."),
        error=CommissionNotAllowed,
    )
    reason = (reason or "").strip()
    if not reason:
        raise CommissionError(_("Reversing a line needs a reason."))
    if len(reason) > REVERSAL_REASON_LENGTH:
        raise CommissionError(
            _("Keep the reason to %(n)d characters.") % {"n": REVERSAL_REASON_LENGTH}
        )
    Status = CommissionLine.Status
    move_lines(
        CommissionLine.objects.filter(pk=line.pk),
        to=Status.REVERSED,
        actor=actor,
        reason=reason,
        extra={"reversal_reason": reason},
    )
    line = CommissionLine.objects.select_related("deal").get(pk=line.pk)
    spiff_ids: list[int] = []
    if line.kind != CommissionLine.Kind.SPIFF:
        spiff_ids = list(
            CommissionLine.objects.filter(
                deal_id=line.deal_id,
                period=line.period,
                rule_id=line.rule_id,
                kind=CommissionLine.Kind.SPIFF,
                status__in=[Status.PENDING, Status.HELD, Status.APPROVED],
            ).values_list("pk", flat=True)
        )
    if spiff_ids:
        spiff_reason = (
            _("The commission line this spiff is earned on was reversed: %(reason)s")
            % {"reason": reason}
        )[:REVERSAL_REASON_LENGTH]
        move_lines(
            CommissionLine.objects.filter(pk__in=spiff_ids),
            to=Status.REVERSED,
            actor=actor,
            reason=spiff_reason,
            extra={"reversal_reason": spiff_reason},
        )
    reversed_spiffs = list(CommissionLine.objects.filter(pk__in=spiff_ids).order_by("pk"))
    notices.line_reversed(line, spiffs=reversed_spiffs)
    for each in [line, *reversed_spiffs]:
        publish("commission_line.reversed", each, partner=each.partner_id)
    return line


@transaction.atomic
def save_spiff(*, actor: User, spiff: Spiff | None = None, **fields) -> Spiff:
    require_program_ops(
        actor,
        _("Only program operations edit spiffs."),
        error=CommissionNotAllowed,
    )
    spiff = spiff or Spiff(created_by=actor)
    for name, value in fields.items():
        setattr(spiff, name, value)
    if isinstance(spiff.starts_on, dt.date) and spiff.ends_on < spiff.starts_on:
        raise CommissionError(_("A spiff ends on or after the day it starts."))
    if spiff.pk and spiff.lines.exclude(status=CommissionLine.Status.PENDING).exists():
        raise CommissionError(_("This spiff's lines are approved or paid; add a new spiff."))
    try:
        spiff.full_clean()
    except ValidationError as exc:
        raise CommissionError(
            "; ".join(f"{k}: {' '.join(v)}" for k, v in exc.message_dict.items()),
            details=exc.message_dict,
        ) from exc
    spiff.save()
    record_event(spiff, actor=actor, verb="spiff_saved",
                 data={k: str(v) for k, v in fields.items()})  # fmt: skip
    return spiff
