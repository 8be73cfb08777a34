"""The whole scale data set in one go, timed: what ``make bench`` builds before the benchmarks.

The core (partners, users, registrations, and the year of won deals loaded into the same table
before its indexes are built), then person certifications and references, MDF funds, requests
and ledger, leads, and the year's commission lines as the calculation job writes them; last a
VACUUM ANALYZE where the server runs no autovacuum. Each part is reused when present; a build
from scratch prints ``BENCH dataset_build`` against its target.
"""

import time

from . import commission_data, dataset, mdf_data

TARGET_S = 300.0


def build_whole(stdout, sizes: dict) -> None:
    from_scratch = not dataset.is_built(sizes)
    started = time.monotonic()
    dataset.build(stdout, sizes)
    commission_data.ensure(stdout, commission_data.won_deal_count())
    dataset.ensure_certifications(stdout)
    mdf_data.ensure(stdout, mdf_data.request_count())
    dataset.ensure_leads(stdout)
    commission_data.ensure_lines(stdout)
    dataset.maintain(stdout)
    seconds = time.monotonic() - started
    if from_scratch:
        met = "met" if seconds < TARGET_S else "missed"
        print(f"BENCH dataset_build {seconds:.0f} s target <{TARGET_S:.0f} {met}", flush=True)
    else:
        dataset.log(stdout, f"data set checked and completed in {seconds:.0f} s")
