"""The full-year commission calculation against one hand-written SQL aggregate.

Calculates the four quarters of FY2026 from scratch (about 200,000 won deals in five
currencies, residual commissions running over several quarters), times one SQL statement that
computes the same totals per currency straight from the deals, checks that they agree to the
cent, reports the peak memory of this process and that a second run creates no lines. Prints
extra ``BENCH`` lines; the registry's result is the calculation time (target under 60 s).
"""

import os
import resource
import sys
import time
from decimal import Decimal

from django.db import connection, transaction

from deals.commissions.services import run_commission_calculation
from deals.models import CommissionLine, CommissionRun, Payout, Statement

from . import commission_data
from .registry import Result

TARGET_S = 60.0
PERIODS = commission_data.PERIODS

# Residual commissions pay a quarter of the annual amount in each quarter from the closing one,
# for ``periods`` quarters: within the year, LEAST(periods, 5 - closing quarter) of them.
SQL = """
SELECT r.currency,
       SUM(ROUND(CASE WHEN p.compensation_preference = 'residual'
                      THEN r.closed_amount / 4 ELSE r.closed_amount END
                 * ru.rate * COALESCE(t.commission_multiplier, 1) / 100,
                 CASE r.currency WHEN 'JPY' THEN 0 ELSE 2 END)
           * CASE WHEN p.compensation_preference = 'residual'
                  THEN LEAST(ru.periods, 5 - EXTRACT(QUARTER FROM r.closed_on)::int) ELSE 1 END)
FROM deals_dealregistration r
JOIN partners_partner p ON p.id = r.partner_id
LEFT JOIN partners_tier t ON t.id = p.tier_id
JOIN deals_commissionrule ru
  ON ru.version_id = %s AND ru.kind = p.compensation_preference AND ru.engagement = r.engagement
WHERE r.status = 'won' AND r.closed_on BETWEEN %s AND %s AND r.closed_amount IS NOT NULL
GROUP BY r.currency
"""


def _line(name, value, unit, target, met) -> None:
    print(f"BENCH {name} {value} {unit} target {target} {'met' if met else 'missed'}", flush=True)


def _reset() -> None:
    """Start from no commission data, as the first run does: the deleted rows are vacuumed
    away too (the benchmark server runs without autovacuum), otherwise every earlier run
    leaves a year of dead lines in the table and its indexes for the next one to wade through."""
    models = (CommissionLine, Payout, Statement, CommissionRun)
    with connection.cursor() as cursor:
        # Whole tables, referrers first: Django's delete() would look for the payouts protecting
        # 115,000 statements with one parameter per statement, past PostgreSQL's 65,535.
        for model in models:
            cursor.execute(f"DELETE FROM {model._meta.db_table}")  # noqa: S608 - a model's table
        for model in models:
            cursor.execute(f"VACUUM {model._meta.db_table}")


def run(count: int | None = None) -> Result:
    count = count or commission_data.won_deal_count()
    _reset()  # first: lines protect the deals a changed data set replaces
    version_id = commission_data.ensure(sys.stdout, count)
    cpu_before = _cpu_seconds()
    started = time.monotonic()
    for period in PERIODS:
        begun = time.monotonic()
        done = run_commission_calculation(period=period)
        print(f"[bench] {period}: {done.rows_done} deals, {done.lines_created} lines created "
              f"in {time.monotonic() - begun:.1f} s", flush=True)  # fmt: skip
    calc_s = time.monotonic() - started
    worker, backend = _cpu_used(cpu_before)
    # CPU seconds depend much less than times on what else the machine runs.
    print(f"[bench] full year CPU: worker {worker:.1f} s, database {_backend(backend)}",
          flush=True)  # fmt: skip
    engine = dict(_engine_totals())

    cpu_before = _cpu_seconds()
    started = time.monotonic()
    with connection.cursor() as cursor:
        year = commission_data.YEAR
        cursor.execute(SQL, [version_id, f"{year}-01-01", f"{year}-12-31"])
        aggregate = {currency: Decimal(total) for currency, total in cursor.fetchall()}
    sql_s = time.monotonic() - started
    print(f"[bench] SQL aggregate CPU: database {_backend(_cpu_used(cpu_before)[1])}",
          flush=True)  # fmt: skip

    store_s, lines = _storing_alone()
    print(f"[bench] storing the year's {lines:,} lines alone (one INSERT of the calculated rows "
          f"into an empty copy of the table, its indexes and foreign keys checked): "
          f"{store_s:.2f} s, {store_s / sql_s:.1f}x the SQL aggregate", flush=True)  # fmt: skip
    least_s, _ = _storing_alone(bare=True)
    print(f"[bench] the least any such ledger costs (the same INSERT into a table with only its "
          f"primary key and the unique (deal, period, rule, kind) constraint: no other index, no "
          f"foreign key): {least_s:.2f} s, {least_s / sql_s:.1f}x the SQL aggregate",
          flush=True)  # fmt: skip

    again = run_commission_calculation(period=PERIODS[-1])
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    agree = engine == aggregate
    ratio = calc_s / sql_s if sql_s else float("inf")
    print(f"[bench] engine totals {sorted(engine.items())}", flush=True)
    print(f"[bench] SQL totals    {sorted(aggregate.items())}", flush=True)
    _line("commission_sql_aggregate", f"{sql_s:.2f}", "s", "info", True)
    _line("commission_vs_sql_ratio", f"{ratio:.1f}", "x", "<3", ratio < 3)
    _line("commission_totals_agree", int(agree), "bool", "=1", agree)
    _line("commission_peak_memory", f"{peak_mb:.0f}", "MB", "<500", peak_mb < 500)
    _line("commission_second_run_lines", again.lines_created, "lines", "=0",
          again.lines_created == 0)  # fmt: skip
    return Result("commission_full_year", calc_s, "s", f"<{TARGET_S:.0f}", calc_s < TARGET_S)


def _storing_alone(*, bare: bool = False) -> tuple[float, int]:
    """Seconds to write the lines the calculation wrote with nothing else to do: one INSERT of
    them, as they are, into an empty table with the same indexes and foreign keys, the keys
    checked (then rolled back). What any calculation storing the same ledger pays at least.

    ``bare``: into a table with only the primary key and the unique (deal, period, rule, kind)
    constraint, no other index and no foreign key: what a calculation storing these lines pays
    at least with the leanest ledger that keeps re-runs exact."""
    table = CommissionLine._meta.db_table
    with transaction.atomic(), connection.cursor() as cursor:
        if bare:
            cursor.execute(f"CREATE TABLE bench_lines (LIKE {table} INCLUDING DEFAULTS)")
            cursor.execute("ALTER TABLE bench_lines ADD PRIMARY KEY (id)")
            cursor.execute(
                "CREATE UNIQUE INDEX ON bench_lines (deal_id, period, rule_id, kind)"
                " WHERE spiff_id IS NULL"
            )
        else:
            cursor.execute(f"CREATE TABLE bench_lines (LIKE {table} INCLUDING ALL)")
            cursor.execute(
                "SELECT pg_get_constraintdef(oid) FROM pg_constraint"
                " WHERE conrelid = %s::regclass AND contype = 'f'",
                [table],
            )
            for (definition,) in cursor.fetchall():
                cursor.execute(f"ALTER TABLE bench_lines ADD {definition}")
        cursor.execute("SET LOCAL plan_cache_mode = auto")  # as the job's chunks (atomic_bulk)
        started = time.monotonic()
        cursor.execute(f"INSERT INTO bench_lines SELECT * FROM {table}")  # noqa: S608
        lines = cursor.rowcount
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # the deferred key checks, now
        elapsed = time.monotonic() - started
        transaction.set_rollback(True)
    return elapsed, lines


def _cpu_seconds() -> tuple[float, float, int]:
    """CPU seconds used so far by this process (all its threads) and by the database server's
    processes (-1 when the server does not run on this machine), and the server's pid.

    The server's figure is every process the postmaster started, alive (their own CPU) or
    ended (the CPU the postmaster collected from them): the connections a job opens for a
    while (``prm.side_by_side``) count as well as this process's own backend."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        (pid,) = cursor.fetchone()
    try:
        postmaster = int(_stat(pid)[1])
        collected = _stat(postmaster)
        server = int(collected[11]) + int(collected[12]) + int(collected[13]) + int(collected[14])
        for child in os.listdir("/proc"):
            if child.isdigit():
                try:
                    fields = _stat(int(child))
                except OSError:
                    continue  # ended meanwhile: counted in the postmaster's collected time
                if int(fields[1]) == postmaster:
                    server += int(fields[11]) + int(fields[12])
        database = server / os.sysconf("SC_CLK_TCK")
    except OSError:
        postmaster, database = -1, -1.0
    return time.process_time(), database, postmaster


def _stat(pid: int) -> list[str]:
    """The fields of ``/proc/<pid>/stat`` after the command name (state, ppid, …)."""
    with open(f"/proc/{pid}/stat") as stat:
        return stat.read().rsplit(")", 1)[1].split()


def _cpu_used(before: tuple[float, float, int]) -> tuple[float, float]:
    after = _cpu_seconds()
    same_server = before[2] == after[2] and min(before[1], after[1]) >= 0
    return after[0] - before[0], (after[1] - before[1] if same_server else -1.0)


def _backend(seconds: float) -> str:
    return f"{seconds:.1f} s" if seconds >= 0 else "unknown (not on this machine)"


def _engine_totals() -> list[tuple[str, Decimal]]:
    from django.db.models import Sum

    return list(
        CommissionLine.objects.values_list("currency")
        .annotate(total=Sum("amount"))
        .values_list("currency", "total")
        .order_by()
    )
