from collections.abc import Callable
from dataclasses import dataclass


@dataclass
class Result:
    name: str
    value: float
    unit: str
    target: str  # e.g. "<50"
    met: bool


def _conflicts() -> Result:
    from .bench_conflicts import run

    return run()


def _commissions() -> Result:
    from .bench_commissions import run

    return run()


def _imports() -> Result:
    from .bench_imports import run

    return run()


def _mdf() -> Result:
    from .bench_mdf import run

    return run()


def _tier_review() -> Result:
    from .bench_tier_review import run

    return run()


def _dashboard() -> Result:
    from .bench_dashboard import run

    return run()


def _api_throughput() -> Result:
    from .bench_api_throughput import run

    return run()


def _lists() -> Result:
    from .bench_lists import run

    return run()


BENCHMARKS: dict[str, Callable[[], Result]] = {
    "conflict_check": _conflicts,
    "commission_full_year": _commissions,
    "imports": _imports,
    "mdf_accrual": _mdf,
    "tier_review": _tier_review,
    "dashboard": _dashboard,
    "api_throughput": _api_throughput,
    "lists": _lists,
}
# Benchmarks that build their own data and run without the scale data set.
SELF_CONTAINED = {"imports"}
