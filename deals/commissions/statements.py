"""Statements per partner, period and currency; their totals; approval and payouts.

Totals are derived from lines and payouts, never stored, so they always equal the sum of the
lines (reversed lines count nowhere):

- opening: every line of earlier periods minus every payout recorded on earlier statements;
- earned: this period's lines other than clawbacks; clawed back: this period's clawbacks
  (negative); earned + clawed back = the sum of the period's lines;
- pending, held, approved, paid: this period's lines by status (their sum is the same);
- paid out: payouts recorded on this statement;
- closing = opening + earned + clawed back - paid out. It may be negative: the clawback lines
  say why, and they net against later earnings.

Approving a statement approves each line of the partner and currency up to its period whose hold
has ended, and holds the others (``hold_until`` says when they become payable); a held line is
released (approved) once its hold ends, every night and before a payout. The partner's
earlier draft statements in that currency are approved with it, each taking its own period's
lines, so that no statement is left a draft whose lines a later one made payable. A payout pays
every approved line not yet paid; it must equal that amount, and there must be something to pay.
A statement is paid once every line of its period is: the payout's own, and the earlier approved
statements whose last lines it paid (settled with it). One with a line still held stays approved,
and a second payout pays that line once its hold ends.
"""

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Case, DecimalField, Exists, OuterRef, Q, Sum, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _

from prm.audit import build_event, record_event, record_events
from prm.exceptions import DomainError, InvalidTransition
from prm.id_sets import id_set
from prm.locks import lock
from prm.models import User
from prm.money import format_money, quantize, to_decimal
from prm.permissions import require_program_ops
from prm.webhooks import publish, publish_many

from . import notices
from .exceptions import CommissionNotAllowed, PayoutMismatch
from .lines import audit_moves, move_lines
from .models import CommissionLine, Payout, Statement

Status = CommissionLine.Status
ZERO = Decimal(0)


@dataclass(frozen=True)
class StatementTotals:
    currency: str
    opening: Decimal
    earned: Decimal
    clawed_back: Decimal
    pending: Decimal
    held: Decimal
    approved: Decimal
    paid: Decimal  # this period's lines marked paid
    reversed: Decimal  # this period's reversed lines: listed, counted in no total
    paid_out: Decimal  # payouts recorded on this statement
    closing: Decimal
    payable: Decimal  # approved and not yet paid, every period up to this one

    @property
    def lines_total(self) -> Decimal:
        return self.earned + self.clawed_back


def open_statements(*, period: str) -> int:
    """Create the missing statements for every partner and currency with lines in ``period``,
    in one ``INSERT … SELECT DISTINCT`` (a year of lines opens tens of thousands of them)."""
    before = Statement.objects.filter(period=period).count()
    # Table names come from the models; every value is a parameter.
    sql = f"""
        INSERT INTO {Statement._meta.db_table} (partner_id, period, currency, status, created_at)
        SELECT DISTINCT partner_id, period, currency, %s, %s
        FROM {CommissionLine._meta.db_table} WHERE period = %s
        ON CONFLICT (partner_id, period, currency) DO NOTHING
    """  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql, [Statement.Status.DRAFT, timezone.now(), period])
    return Statement.objects.filter(period=period).count() - before


def _lines_of(statement: Statement):
    return CommissionLine.objects.filter(
        partner_id=statement.partner_id, currency=statement.currency
    ).exclude(status=Status.REVERSED)


def _sum(condition: Q):
    money: DecimalField = DecimalField(max_digits=18, decimal_places=3)
    return Sum(Case(When(condition, then="amount"), default=Value(ZERO), output_field=money))


def statement_totals(statement: Statement) -> StatementTotals:
    """All totals in two aggregate queries."""
    here = Q(period=statement.period)
    live = ~Q(status=Status.REVERSED)
    row = CommissionLine.objects.filter(
        partner_id=statement.partner_id, currency=statement.currency
    ).aggregate(
        before=_sum(live & Q(period__lt=statement.period)),
        earned=_sum(live & here & ~Q(kind=CommissionLine.Kind.CLAWBACK)),
        clawed_back=_sum(live & here & Q(kind=CommissionLine.Kind.CLAWBACK)),
        pending=_sum(here & Q(status=Status.PENDING)),
        held=_sum(here & Q(status=Status.HELD)),
        approved=_sum(here & Q(status=Status.APPROVED)),
        paid=_sum(here & Q(status=Status.PAID)),
        reversed=_sum(here & Q(status=Status.REVERSED)),
        # Approved, and held past the end of its hold (released at the payout, or tonight).
        payable=_sum(
            Q(period__lte=statement.period)
            & (
                Q(status=Status.APPROVED)
                | Q(status=Status.HELD, hold_until__lte=timezone.localdate())
            )
        ),
    )
    payouts = Payout.objects.filter(
        partner_id=statement.partner_id, currency=statement.currency
    ).aggregate(
        before=Sum("amount", filter=Q(statement__period__lt=statement.period)),
        here=Sum("amount", filter=Q(statement=statement)),
    )
    value = {k: quantize(v or ZERO, statement.currency) for k, v in row.items()}
    paid_out = quantize(payouts["here"] or ZERO, statement.currency)
    opening = value["before"] - quantize(payouts["before"] or ZERO, statement.currency)
    return StatementTotals(
        currency=statement.currency,
        opening=opening,
        earned=value["earned"],
        clawed_back=value["clawed_back"],
        pending=value["pending"],
        held=value["held"],
        approved=value["approved"],
        paid=value["paid"],
        reversed=value["reversed"],
        paid_out=paid_out,
        closing=opening + value["earned"] + value["clawed_back"] - paid_out,
        payable=value["payable"],
    )


def statement_payouts(statement: Statement) -> list[Payout]:
    """The payouts recorded on ``statement`` and those recorded on a later statement that paid
    this period's lines (a statement approved with a later one is paid with it), oldest first."""
    paid_here = CommissionLine.objects.filter(
        partner_id=statement.partner_id,
        currency=statement.currency,
        period=statement.period,
        payout__isnull=False,
    ).values("payout_id")
    return list(
        Payout.objects.filter(Q(statement=statement) | Q(pk__in=paid_here))
        .select_related("statement", "recorded_by")
        .order_by("paid_on", "id")
    )


def require_ops(actor: User) -> None:
    require_program_ops(
        actor,
        _("Only program operations approve and pay commissions."),
        error=CommissionNotAllowed,
    )


def validate_paid_on(day: dt.date) -> None:
    """A payout is recorded once the money is sent: its day may not lie ahead (a day of slack
    for time zones). The validator of the payout's day in the portal's form and the API."""
    if day > timezone.localdate() + dt.timedelta(days=1):
        raise ValidationError(
            _("A payout is recorded once it is sent, not ahead."), code="payout_in_future"
        )


@dataclass
class Approval:
    """What ``approve_together`` did: the statements approved (in period order), each refused
    one with the reason (``InvalidTransition``: it is not a draft), and the earlier drafts
    approved with a later statement of their partner and currency (each with that statement)."""

    approved: list[Statement] = field(default_factory=list)
    refused: list[tuple[Statement, DomainError]] = field(default_factory=list)
    earlier: dict[Statement, Statement] = field(default_factory=dict)


@transaction.atomic
def approve_together(
    *, statement_ids: Iterable[int], actor: User, today: dt.date | None = None
) -> Approval:
    """Approve the draft statements among ``statement_ids``, and the earlier draft statements
    of their partners in their currencies: each statement's open (pending or held) lines of its
    partner and currency up to its period whose hold has ended become approved, the other
    pending ones held. Statements that are not drafts are refused, the others approved, in a
    fixed number of queries however many there are.

    As if approved one after the other in period order: of two statements of one partner and
    currency, the earlier takes every open line up to its period, the later what is left up to
    its own. Each line change and each approval leaves its audit row, as one by one."""
    require_ops(actor)
    today = today or timezone.localdate()
    result = Approval()
    statements = list(
        Statement.objects.select_for_update(of=("self",))
        .select_related("partner")
        .filter(pk__in=id_set(statement_ids))
        .order_by("pk")
    )
    for statement in statements:
        try:
            statement.move_to(Statement.Status.APPROVED)
        except InvalidTransition as exc:
            result.refused.append((statement, exc))
        else:
            result.approved.append(statement)
    if not result.approved:
        return result
    result.earlier = _earlier_drafts(result.approved)
    for earlier in result.earlier:
        earlier.move_to(Statement.Status.APPROVED)
    result.approved = sorted([*result.approved, *result.earlier], key=lambda s: (s.period, s.pk))
    moves = _line_moves(result.approved, today)
    for status in (Status.APPROVED, Status.HELD):
        ids = [line.pk for line, to, _why, _s in moves if to == status]
        if ids:
            CommissionLine.objects.filter(pk__in=id_set(ids)).update(
                status=status, updated_at=timezone.now()
            )
    audit_moves([(line, to, why) for line, to, why, _s in moves], actor=actor)
    now = timezone.now()
    Statement.objects.filter(pk__in=id_set([s.pk for s in result.approved])).update(
        status=Statement.Status.APPROVED, approved_by=actor, approved_at=now
    )
    counts = Counter((s.pk, to) for _line, to, _why, s in moves)
    for statement in result.approved:
        statement.approved_by, statement.approved_at = actor, now
    record_events(
        [
            build_event(
                statement,
                actor=actor,
                verb="statement_approved",
                from_state=Statement.Status.DRAFT,
                to_state=Statement.Status.APPROVED,
                data={
                    "approved": counts[statement.pk, Status.APPROVED],
                    "held": counts[statement.pk, Status.HELD],
                    **_with(result.earlier.get(statement)),
                },
            )
            for statement in result.approved
        ]
    )
    publish_many(
        "commission_statement.approved", result.approved, partner_of=lambda s: s.partner_id
    )
    return result


def _with(statement: Statement | None) -> dict:
    """The audit data naming the statement another was approved or settled with."""
    return {"with_statement": statement.pk, "with_period": statement.period} if statement else {}


def _earlier_drafts(statements: list[Statement]) -> dict[Statement, Statement]:
    """The draft statements of the same partners and currencies from before the latest period
    of ``statements`` (locked in id order), each with the statement it is approved with."""
    latest: dict[tuple[int, str], Statement] = {}
    for statement in statements:
        key = (statement.partner_id, statement.currency)
        if key not in latest or statement.period > latest[key].period:
            latest[key] = statement
    drafts = (
        Statement.objects.select_for_update(of=("self",))
        .select_related("partner")
        .filter(
            partner_id__in=id_set({partner_id for partner_id, _currency in latest}),
            period__lt=max(s.period for s in latest.values()),
            status=Statement.Status.DRAFT,
        )
        .exclude(pk__in=id_set([s.pk for s in statements]))
        .order_by("pk")
    )
    found = {}
    for draft in drafts:
        later = latest.get((draft.partner_id, draft.currency))
        if later is not None and draft.period < later.period:
            found[draft] = later
    return found


def _line_moves(statements: list[Statement], today: dt.date) -> list[tuple]:
    """``(line, target status, reason, statement)`` for the open lines the statements (in
    period order) take, locked in id order; lines whose status does not change are left out."""
    takers: dict[tuple[int, str], list[Statement]] = defaultdict(list)
    for statement in statements:
        takers[statement.partner_id, statement.currency].append(statement)
    lines = (
        CommissionLine.objects.select_for_update()
        .filter(
            partner_id__in=id_set({partner_id for partner_id, _currency in takers}),
            period__lte=max(s.period for s in statements),
            status__in=[Status.PENDING, Status.HELD],
        )
        .order_by("pk")
    )
    moves = []
    for line in lines:
        # The earliest statement of the line's partner and currency that reaches its period.
        taker = next(
            (s for s in takers[line.partner_id, line.currency] if line.period <= s.period), None
        )
        if taker is None:
            continue
        if line.hold_until is None or line.hold_until <= today:
            target, why = Status.APPROVED, f"Statement {taker} approved"
        elif line.status == Status.PENDING:
            target, why = Status.HELD, "Within the hold period"
        else:
            continue
        if not line.can_move_to(target):
            raise InvalidTransition(str(CommissionLine._meta.verbose_name), line.status, target)
        moves.append((line, target, why, taker))
    return moves


def approve_statement(*, statement: Statement, actor: User, today: dt.date | None = None):
    """Approve ``statement`` (``approve_together`` of one, with the partner's earlier drafts in
    its currency); refuses a statement that is not a draft with ``InvalidTransition``."""
    result = approve_together(statement_ids=[statement.pk], actor=actor, today=today)
    if result.refused:
        raise result.refused[0][1]
    approved = next((s for s in result.approved if s.pk == statement.pk), None)
    if approved is None:
        raise Statement.DoesNotExist
    return approved


def approve_statements(*, statements, actor: User) -> int:
    """Approve the draft statements of ``statements`` together; returns how many."""
    drafts = [s.pk for s in statements if s.status == Statement.Status.DRAFT]
    if not drafts:
        return 0
    return len(approve_together(statement_ids=drafts, actor=actor).approved)


@transaction.atomic
def record_payout(
    *, statement: Statement, actor: User, amount, paid_on: dt.date, external_reference: str
) -> Payout:
    """Record money sent for an approved statement; marks the approved lines paid."""
    require_ops(actor)
    statement = lock(Statement, statement.pk)
    if statement.status != Statement.Status.APPROVED:
        raise PayoutMismatch(_("Only an approved statement can be paid."))
    if not (external_reference or "").strip():
        raise PayoutMismatch(_("A payout needs the payment's external reference."))
    approved_on = timezone.localdate(statement.approved_at) if statement.approved_at else None
    if approved_on is not None and paid_on < approved_on:
        raise PayoutMismatch(
            _("A payout is sent once its statement is approved: date it %(day)s or later.")
            % {"day": approved_on},
            details={
                "paid_on": _("On or after %(day)s, the day of approval.") % {"day": approved_on}
            },
        )
    release_held_lines(
        partner_id=statement.partner_id, currency=statement.currency, up_to=statement.period
    )
    payable_lines = _lines_of(statement).filter(
        period__lte=statement.period, status=Status.APPROVED, payout__isnull=True
    )
    payable = quantize(payable_lines.aggregate(t=Sum("amount"))["t"] or ZERO, statement.currency)
    currency = statement.currency
    held = _lines_of(statement).filter(period__lte=statement.period, status=Status.HELD)
    if payable == 0 and held.exists():
        first = held.order_by("hold_until").values_list("hold_until", flat=True).first()
        raise PayoutMismatch(
            _("Nothing is payable yet: %(amount)s is held to cover refunds, the first of it "
              "until %(day)s.")
            % {"amount": format_money(quantize(held.aggregate(t=Sum("amount"))["t"], currency),
                                      currency),
               "day": first},
            details={"payable": str(payable)},
        )  # fmt: skip
    if payable <= 0:
        raise PayoutMismatch(
            _("Nothing is payable: the approved lines net to %(amount)s (clawbacks exceed what "
              "was earned); the balance carries to the next statement.")
            % {"amount": format_money(payable, currency)}, details={"payable": str(payable)},
        )  # fmt: skip
    amount = quantize(to_decimal(amount), currency)
    if amount != payable:
        raise PayoutMismatch(
            _("The payout must equal the approved amount %(payable)s, not %(amount)s.")
            % {
                "payable": format_money(payable, currency),
                "amount": format_money(amount, currency),
            },
            details={"payable": str(payable)},
        )
    payout = Payout.objects.create(
        statement=statement, partner_id=statement.partner_id, currency=statement.currency,
        amount=amount, paid_on=paid_on, external_reference=external_reference.strip(),
        recorded_by=actor,
    )  # fmt: skip
    move_lines(payable_lines, to=Status.PAID, actor=actor, reason=f"Payout {payout.pk}",
               extra={"payout": payout})  # fmt: skip
    previous = statement.status
    # A line of its period still held keeps the statement approved: its payout follows when
    # the hold ends (an earlier period's line keeps its own statement open).
    if not _open_lines(statement).filter(period=statement.period).exists():
        statement.move_to(Statement.Status.PAID)
        statement.save(update_fields=["status"])
    record_event(statement, actor=actor, verb="payout_recorded", from_state=previous,
                 to_state=statement.status, data={"amount": str(amount),
                 "reference": payout.external_reference})  # fmt: skip
    _settle_earlier(statement, payout, actor=actor)
    notices.payout_recorded(payout)
    publish("payment.recorded", payout, partner=payout.partner_id)
    return payout


@transaction.atomic
def release_held_lines(
    *,
    today: dt.date | None = None,
    partner_id: int | None = None,
    currency: str | None = None,
    up_to: str | None = None,
) -> int:
    """Held lines whose hold has ended become approved, payable on their statement: every
    night for all partners, and before a payout for its partner and currency up to its
    period. Audited line by line (by the system); safe to run twice. Returns how many."""
    today = today or timezone.localdate()
    lines = CommissionLine.objects.filter(status=Status.HELD, hold_until__lte=today)
    if partner_id is not None:
        lines = lines.filter(partner_id=partner_id, currency=currency)
    if up_to is not None:
        lines = lines.filter(period__lte=up_to)
    return move_lines(lines, to=Status.APPROVED, actor=None, reason="Hold ended")


def _open_lines(statement: Statement):
    """The lines of the statement's partner and currency not settled yet (nor reversed)."""
    return _lines_of(statement).exclude(status=Status.PAID)


def _settle_earlier(statement: Statement, payout: Payout, *, actor: User) -> None:
    """The partner's approved statements in the payout's currency from before its statement's
    period whose lines are all settled now (the payout paid the approved ones): they are paid,
    with an audit row naming the statement it was recorded on. One with a line still held
    stays approved, to be paid once the hold ends."""
    still_open = _open_lines(statement).filter(period=OuterRef("period"))
    earlier = list(
        Statement.objects.select_for_update()
        .filter(
            partner_id=statement.partner_id,
            currency=statement.currency,
            period__lt=statement.period,
            status=Statement.Status.APPROVED,
        )
        .exclude(Exists(still_open))
        .order_by("pk")
    )
    if not earlier:
        return
    for settled in earlier:
        settled.move_to(Statement.Status.PAID)
    Statement.objects.filter(pk__in=id_set([s.pk for s in earlier])).update(
        status=Statement.Status.PAID
    )
    record_events(
        [
            build_event(
                settled,
                actor=actor,
                verb="statement_settled",
                from_state=Statement.Status.APPROVED,
                to_state=Statement.Status.PAID,
                data={"payout": payout.pk, **_with(statement)},
            )
            for settled in earlier
        ]
    )
