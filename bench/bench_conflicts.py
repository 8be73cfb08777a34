"""The conflict check over many different registrations at full scale.

Queries are a mix that resembles real submissions: names already registered with another legal
suffix or a typo, the same company under a different spelling with its domain, and companies
nobody has registered. Each call is timed on its own; the p95 must stay under 50 ms.
"""

import random
import statistics
import time

from deals.conflicts import find_conflict_candidates
from deals.models import DealRegistration

from . import names
from .registry import Result

QUERIES = 1000
WARMUP = 50
TARGET_MS = 50.0


def _sample_queries(rng: random.Random) -> list[dict]:
    active = list(
        DealRegistration.objects.filter(status__in=DealRegistration.ACTIVE_STATUSES)
        .order_by("?")
        .values("customer_name", "customer_domain", "contact_email", "country")[:QUERIES]
    )
    queries = []
    for i in range(QUERIES + WARMUP):
        kind = i % 4
        if kind == 0 and active:
            row = rng.choice(active)
            base = row["customer_name"].rsplit(" ", 1)[0]
            queries.append({"customer_name": f"{base} {rng.choice(names.LEGAL)}".strip(),
                            "country": row["country"]})  # fmt: skip
        elif kind == 1 and active:
            row = rng.choice(active)
            typo = list(row["customer_name"])
            pos = rng.randrange(len(typo))
            typo[pos] = typo[pos].swapcase()
            queries.append(
                {
                    "customer_name": "".join(typo),
                    "customer_domain": row["customer_domain"],
                    "contact_email": row["contact_email"],
                    "country": row["country"],
                }
            )
        else:
            name, domain, country = names.company(rng)
            queries.append({"customer_name": name, "customer_domain": domain,
                            "contact_email": f"it@{domain}", "country": country})  # fmt: skip
    return queries


def run() -> Result:
    rng = random.Random(7)
    queries = _sample_queries(rng)
    timings, matched = [], 0
    for i, query in enumerate(queries):
        started = time.perf_counter()
        candidates = find_conflict_candidates(**query)
        elapsed = (time.perf_counter() - started) * 1000
        if i >= WARMUP:
            timings.append(elapsed)
            matched += bool(candidates)
    timings.sort()
    p95 = timings[int(len(timings) * 0.95) - 1]
    print(
        f"[bench] conflict check: {len(timings)} checks, {matched} with candidates, "
        f"p50 {statistics.median(timings):.2f} ms, p95 {p95:.2f} ms, max {timings[-1]:.2f} ms",
        flush=True,
    )
    return Result("conflict_check_p95", p95, "ms", f"<{TARGET_MS:g}", p95 < TARGET_MS)
