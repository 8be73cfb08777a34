"""The regular lines of a chunk of deals in one SQL statement (PostgreSQL).

For every deal of the chunk the statement does in the database what ``PeriodCalculation`` does
in Python (``calculation.py`` and ``rules.py`` hold the reference rules):

- the tier in force on the close date (effective-dated tier history, else the current tier), and
  the partner's terms (business model, compensation preference) on that date (``PartnerTerms``,
  else today's);
- the winning rule among those of the plan versions in force on the close date, matched on the
  partner's compensation preference and the rule's selectors, in the documented precedence
  (most selectors set, then the higher priority, then the lower id);
- an approved override of that rule, the tier's multiplier, the amount rounded half up to the
  minor unit of its currency (``round(numeric, n)`` rounds half away from zero, which is
  ``ROUND_HALF_UP`` for ``Decimal``; amounts are exact ``numeric`` products, never floats);
- what the schedule owes up to the period and pays in it (residual commissions per quarter).

A deal whose earlier lines are exactly what the schedule explains, and whose lines of the period
are the regular line itself, gets that line with ``INSERT … ON CONFLICT DO NOTHING`` against the
unique (deal, period, rule, kind) constraint. Every other deal (a refund or re-pricing, a deal
lost or reassigned, a rule or rate changed under a pending line, a line that was reversed) is
returned, and the caller gives those few deals to the Python calculation, which writes the
adjustments and clawbacks.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db import connection
from django.utils import timezone

from prm.id_sets import id_array
from prm.money import MINOR_UNITS

from .models import CommissionLine, CommissionOverride, CommissionRule

if TYPE_CHECKING:
    from .calculation import PeriodCalculation


def available() -> bool:
    """The statement needs PostgreSQL's exact ``numeric``; SQLite stores decimals as floats,
    so it keeps the Python calculation (tests compare both on PostgreSQL)."""
    return connection.vendor == "postgresql"


def minor_unit_sql(column: str) -> str:
    """SQL for the number of decimals of the currency in ``column`` (``prm.money.minor_unit``)."""
    cases = " ".join(
        f"WHEN '{code}' THEN {places}"
        for code, places in sorted(MINOR_UNITS.items())
        if places != 2 and code.isalpha()
    )
    return f"(CASE UPPER({column}) {cases} ELSE 2 END)"


def round_sql(expression: str, currency_column: str) -> str:
    """SQL rounding ``expression`` (numeric) half up to the currency's minor unit, as
    ``prm.money.quantize`` does."""
    return f"ROUND(({expression})::numeric, {minor_unit_sql(currency_column)})"


_RESIDUAL = CommissionRule.Kind.RESIDUAL_COMMISSION.value
_PRODUCT_LINE_MATCH = """EXISTS (
    SELECT 1 FROM jsonb_array_elements_text(
        CASE WHEN jsonb_typeof(c.product_lines) = 'array' THEN c.product_lines
             ELSE '[]'::jsonb END
        || CASE WHEN jsonb_typeof(c.closed_products) = 'array' THEN c.closed_products
                ELSE '[]'::jsonb END) AS pl(name)
    WHERE pl.name = ru.product_line)"""


def _statement() -> str:
    line = CommissionLine._meta.db_table
    residual = f"'{_RESIDUAL}'"
    # Each row's minor units are worked out once (``priced``), then every amount is rounded
    # with them: the same rounding as ``round_sql``.
    amount = (
        "CASE WHEN p.flat THEN ROUND((p.eff_flat * p.multiplier)::numeric, p.pay_places) "
        "ELSE ROUND((p.raw_base * p.eff_rate * p.multiplier * 0.01)::numeric, p.deal_places) END"
    )
    base = "CASE WHEN p.flat THEN 0 ELSE ROUND((p.raw_base)::numeric, p.deal_places) END"
    # Only constants of the code are formatted in; every value is a query parameter.
    return f"""
WITH chunk AS MATERIALIZED (SELECT unnest(%(ids)s::bigint[]) AS id),
deal AS MATERIALIZED (
    -- Every deal of the chunk (the planner then knows how many rows follow); whether it is
    -- won and closed by the end of the period is asked below.
    SELECT d.id AS deal_id, d.partner_id, d.currency AS deal_currency, d.closed_on,
           d.closed_amount, d.status,
           COALESCE(t.compensation_preference, p.compensation_preference)
               AS compensation_preference,
           COALESCE(t.business_model, p.business_model) AS business_model,
           p.tier_id AS current_tier, d.engagement, d.sourcing, d.product_lines,
           d.closed_products
    FROM chunk k
    JOIN deals_dealregistration d ON d.id = k.id
    JOIN partners_partner p ON p.id = d.partner_id
    -- The terms the deal closed under, when they have changed since (else the partner's).
    LEFT JOIN LATERAL (
        SELECT pt.compensation_preference, pt.business_model
        FROM partners_partnerterms pt
        WHERE pt.partner_id = d.partner_id AND d.closed_on < pt.effective_to
        ORDER BY pt.effective_to, pt.id
        LIMIT 1
    ) t ON true
    WHERE d.id BETWEEN %(first)s AND %(last)s
),
history AS (
    SELECT DISTINCT ON (c.deal_id) c.deal_id, h.tier_id
    FROM deal c
    JOIN partners_tierhistory h
      ON h.partner_id = c.partner_id AND h.effective_from <= c.closed_on
     AND (h.effective_to IS NULL OR c.closed_on <= h.effective_to)
    ORDER BY c.deal_id, h.effective_from DESC, h.id DESC
),
rules AS MATERIALIZED (
    SELECT ru.id AS rule_id, ru.version_id, ru.kind, ru.business_model, ru.tier_id,
           ru.engagement, ru.sourcing, ru.product_line, ru.rate, ru.amount, ru.currency,
           ru.periods, ru.priority, v.effective_from, v.effective_to,
           (ru.business_model <> '')::int + (ru.tier_id IS NOT NULL)::int
           + (ru.engagement <> '')::int + (ru.sourcing <> '')::int
           + (ru.product_line <> '')::int AS specificity
    FROM deals_commissionrule ru
    JOIN deals_commissionplanversion v ON v.id = ru.version_id
),
won AS (
    SELECT DISTINCT ON (c.deal_id)
           c.deal_id, c.partner_id, c.deal_currency, c.closed_on, c.closed_amount, c.tier_id,
           ru.rule_id, ru.version_id, ru.kind AS rule_kind, ru.rate AS rule_rate,
           ru.amount AS rule_amount, ru.currency AS rule_currency, ru.periods
    FROM (
        SELECT c.*, CASE WHEN th.deal_id IS NULL THEN c.current_tier ELSE th.tier_id END
                        AS tier_id
        FROM deal c LEFT JOIN history th ON th.deal_id = c.deal_id
        WHERE c.status = %(won)s AND c.closed_amount IS NOT NULL
          AND c.closed_on IS NOT NULL AND c.closed_on <= %(end)s
    ) c
    JOIN rules ru
      ON ru.kind = c.compensation_preference
     AND ru.effective_from <= c.closed_on
     AND (ru.effective_to IS NULL OR c.closed_on <= ru.effective_to)
     AND (ru.business_model = '' OR ru.business_model = c.business_model)
     AND (ru.tier_id IS NULL OR ru.tier_id = c.tier_id)
     AND (ru.engagement = '' OR ru.engagement = c.engagement)
     AND (ru.sourcing = '' OR ru.sourcing = c.sourcing)
     AND (ru.product_line = '' OR {_PRODUCT_LINE_MATCH})
    ORDER BY c.deal_id, ru.specificity DESC, ru.priority DESC, ru.rule_id
),
priced AS (
    SELECT w.*, COALESCE(t.commission_multiplier, 1) AS multiplier,
           w.rule_amount IS NOT NULL AS flat,
           COALESCE(o.rate, w.rule_rate) AS eff_rate,
           COALESCE(o.amount, w.rule_amount) AS eff_flat,
           CASE WHEN w.rule_amount IS NOT NULL THEN w.rule_currency ELSE w.deal_currency END
               AS pay_currency,
           {minor_unit_sql("w.deal_currency")} AS deal_places,
           {minor_unit_sql("w.rule_currency")} AS pay_places,
           CASE WHEN w.rule_kind = {residual} THEN w.closed_amount * 0.25
                ELSE w.closed_amount END AS raw_base,
           (%(months)s - (EXTRACT(YEAR FROM w.closed_on)::int * 12
                          + EXTRACT(MONTH FROM w.closed_on)::int) + 2) / 3 AS elapsed
    FROM won w
    LEFT JOIN partners_tier t ON t.id = w.tier_id
    LEFT JOIN deals_commissionoverride o
      ON o.deal_id = w.deal_id AND o.rule_id = w.rule_id AND o.status = %(approved)s
),
paid AS MATERIALIZED (
    SELECT p.deal_id, p.partner_id, p.closed_on, p.rule_id, p.version_id, p.rule_kind,
           p.periods, p.elapsed, p.multiplier, p.flat, p.eff_rate, p.pay_currency,
           {amount} AS amount, {base} AS base_amount
    FROM priced p
),
ent AS (
    SELECT p.*,
           CASE WHEN p.rule_kind = {residual} THEN p.amount * LEAST(p.elapsed + 1, p.periods)
                ELSE p.amount END AS owed,
           CASE WHEN p.rule_kind = {residual}
                THEN CASE WHEN p.elapsed < p.periods THEN p.amount ELSE 0 END
                ELSE CASE WHEN p.elapsed = 0 THEN p.amount ELSE 0 END END AS regular
    FROM paid p
),
recorded AS (
    -- One ordered pass over the chunk's lines up to the period, without the entitlements:
    -- the earlier lines' sum and whether they all share one (partner, rule, currency) (the
    -- lowest and highest of each are equal), and the lowest and highest rule, kind and
    -- amount of the period's lines (from an earlier run).
    SELECT l.deal_id,
           count(*) FILTER (WHERE l.period < %(label)s) AS earlier,
           SUM(l.amount) FILTER (WHERE l.period < %(label)s) AS earlier_sum,
           min(l.partner_id) FILTER (WHERE l.period < %(label)s) AS partner_lo,
           max(l.partner_id) FILTER (WHERE l.period < %(label)s) AS partner_hi,
           min(l.rule_id) FILTER (WHERE l.period < %(label)s) AS rule_lo,
           max(l.rule_id) FILTER (WHERE l.period < %(label)s) AS rule_hi,
           min(l.currency) FILTER (WHERE l.period < %(label)s) AS currency_lo,
           max(l.currency) FILTER (WHERE l.period < %(label)s) AS currency_hi,
           count(*) FILTER (WHERE l.period = %(label)s) AS current,
           min(l.rule_id) FILTER (WHERE l.period = %(label)s) AS now_rule_lo,
           max(l.rule_id) FILTER (WHERE l.period = %(label)s) AS now_rule_hi,
           min(l.kind) FILTER (WHERE l.period = %(label)s) AS now_kind_lo,
           max(l.kind) FILTER (WHERE l.period = %(label)s) AS now_kind_hi,
           min(l.amount) FILTER (WHERE l.period = %(label)s) AS now_amount_lo,
           max(l.amount) FILTER (WHERE l.period = %(label)s) AS now_amount_hi
    FROM chunk k
    JOIN {line} l ON l.deal_id = k.id
    WHERE l.deal_id BETWEEN %(first)s AND %(last)s AND l.period <= %(label)s
      AND l.spiff_id IS NULL
    GROUP BY l.deal_id
),
judged AS MATERIALIZED (
    -- A deal needs Python when an earlier line is not the entitlement's (partner, rule,
    -- currency), when what is owed to date is not the earlier lines plus the regular line,
    -- or when the period already has lines other than the regular line. A deal that is not
    -- flagged and has lines in the period has exactly its regular line (from an earlier or
    -- interrupted run): nothing to insert.
    SELECT COALESCE(e.deal_id, r.deal_id) AS flagged_id, e.*,
           COALESCE(r.current, 0) = 0 AS missing,
           COALESCE(r.earlier, 0) > 0
           AND (e.deal_id IS NULL OR r.partner_lo <> r.partner_hi OR r.rule_lo <> r.rule_hi
                OR r.currency_lo <> r.currency_hi OR r.partner_lo <> e.partner_id
                OR r.rule_lo <> e.rule_id OR r.currency_lo <> e.pay_currency)
           OR e.deal_id IS NOT NULL AND e.owed - COALESCE(r.earlier_sum, 0) - e.regular <> 0
           OR COALESCE(r.current, 0) > 0
           AND (e.deal_id IS NULL OR e.regular = 0 OR r.now_rule_lo <> e.rule_id
                OR r.now_rule_hi <> e.rule_id OR r.now_kind_lo <> e.rule_kind
                OR r.now_kind_hi <> e.rule_kind OR r.now_amount_lo <> e.regular
                OR r.now_amount_hi <> e.regular) AS flag
    FROM ent e FULL JOIN recorded r ON r.deal_id = e.deal_id
),
inserted AS (
    INSERT INTO {line} (partner_id, deal_id, period, rule_id, plan_version_id, kind, spiff_id,
                        currency, base_amount, rate, multiplier, amount, reason, status,
                        hold_until, run_id, payout_id, created_at, updated_at)
    SELECT e.partner_id, e.deal_id, %(label)s, e.rule_id, e.version_id, e.rule_kind, NULL,
           e.pay_currency, e.base_amount, CASE WHEN e.flat THEN NULL ELSE e.eff_rate END,
           e.multiplier, e.regular, '', %(pending)s,
           GREATEST(e.closed_on, %(start)s::date) + %(hold)s::int, %(run)s, NULL,
           %(now)s, %(now)s
    FROM judged e
    WHERE e.deal_id IS NOT NULL AND e.regular <> 0 AND NOT e.flag AND e.missing
    ORDER BY e.deal_id
    ON CONFLICT (deal_id, period, rule_id, kind) WHERE spiff_id IS NULL DO NOTHING
    RETURNING 1
)
SELECT (SELECT count(*) FROM inserted),
       ARRAY(SELECT flagged_id FROM judged WHERE flag ORDER BY flagged_id)
"""  # noqa: S608


_SQL: str | None = None


def refresh_statistics() -> None:
    """Lines grow by a period's worth between runs; fresh statistics keep the planner on index
    range scans of a chunk's lines rather than scanning the whole table per chunk. Analyzed
    when a tenth of the table changed since the last time."""
    table = CommissionLine._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT n_live_tup, n_mod_since_analyze FROM pg_stat_user_tables WHERE relname = %s",
            [table],
        )
        row = cursor.fetchone()
        if row is not None and row[1] > row[0] // 10 + 1000:
            cursor.execute(f"ANALYZE {table}")


def insert_regular_lines(calc: PeriodCalculation, ids: list[int]) -> tuple[int, list[int]]:
    """Insert the regular lines of the deals of ``ids`` that need nothing else; returns the
    number of lines inserted and the ids of the deals the Python calculation must handle."""
    global _SQL
    if _SQL is None:
        _SQL = _statement()
    period = calc.period
    params: dict[str, Any] = {
        "ids": id_array(ids),
        "first": min(ids),
        "last": max(ids),
        "won": calc.won,
        "end": period.end,
        "start": period.start,
        "months": period.start.year * 12 + period.start.month,
        "label": calc.label,
        "approved": CommissionOverride.Status.APPROVED.value,
        "pending": CommissionLine.Status.PENDING.value,
        "hold": calc.hold.days,
        "run": calc.run.pk,
        "now": timezone.now(),
    }
    with connection.cursor() as cursor:
        # Row estimates of a chunk's joins are poor (the deal filters are correlated); hash
        # joins are right for every step of a chunk, nested loops are quadratic in the worst
        # case, so they are switched off for this statement only. A chunk reads its own deals
        # and lines by id range: a sequential scan instead (chosen when a chunk's range holds
        # a large share of the lines) reads every line of every period, dead ones included,
        # once per chunk; it is switched off too.
        cursor.execute("SET LOCAL enable_nestloop = off")
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL work_mem = '32MB'")
        cursor.execute(_SQL, params)
        created, flagged = cursor.fetchone()
        cursor.execute("RESET work_mem")
        cursor.execute("RESET enable_seqscan")
        cursor.execute("RESET enable_nestloop")
    return int(created), list(flagged)
