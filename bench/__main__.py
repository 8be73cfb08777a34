"""``python -m bench``: build (or reuse) the scale data set on PostgreSQL, then run every
benchmark. Each prints ``BENCH <name> <value> <unit> target <comparison> <met|missed>``.

``python -m bench NAME …`` (or ``--only NAME``) runs the named benchmarks; the scale data set
is built only when one of them needs it (``imports`` builds its own data). ``--rebuild`` drops
the marker and rebuilds; ``--small`` builds a 1% data set for a quick try (its figures do not
count against targets). The benchmarks run with ``DEBUG`` off, as production does.
"""

import argparse
import os
import sys


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench")
    parser.add_argument("names", nargs="*", help="benchmarks to run (default: all)")
    parser.add_argument("--only", help="run one benchmark by name")
    parser.add_argument("--rebuild", action="store_true", help="rebuild the data set")
    parser.add_argument("--small", action="store_true", help="1%% data set, for a quick try")
    args = parser.parse_args(argv)

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "prm.settings.local")
    # As a production worker runs: with DEBUG on, every query's SQL would also be rendered with
    # its parameters and kept (the jobs pass arrays of thousands of values), a cost production
    # does not pay. DJANGO_DEBUG=true measures it anyway.
    os.environ.setdefault("DJANGO_DEBUG", "false")
    if not os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://")):
        print("make bench needs DATABASE_URL pointing at PostgreSQL, e.g.\n"
              "  DATABASE_URL=postgres://postgres@127.0.0.1:5432/prm_bench make bench",
              file=sys.stderr)  # fmt: skip
        return 2

    if create_database(os.environ["DATABASE_URL"]):
        print("created the benchmark database", file=sys.stderr)

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from . import dataset
    from .build import build_whole
    from .registry import BENCHMARKS, SELF_CONTAINED

    wanted = [*args.names, *([args.only] if args.only else [])] or list(BENCHMARKS)
    unknown = sorted(set(wanted) - set(BENCHMARKS))
    if unknown:
        print(f"unknown benchmark(s): {', '.join(unknown)}; known: {', '.join(BENCHMARKS)}",
              file=sys.stderr)  # fmt: skip
        return 2
    call_command("migrate", verbosity=0)
    sizes = dict(dataset.SIZES)
    if args.small:
        sizes = {name: max(1, size // 100) for name, size in sizes.items()}
    if args.rebuild:
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {dataset.MARKER_TABLE}")
    if set(wanted) - SELF_CONTAINED:
        build_whole(sys.stdout, sizes)

    missed = 0
    for name in wanted:
        result = BENCHMARKS[name]()
        verdict = "met" if result.met else "missed"
        print(
            f"BENCH {result.name} {result.value:.2f} {result.unit} "
            f"target {result.target} {verdict}",
            flush=True,
        )
        missed += not result.met
    return 1 if missed else 0


def create_database(url: str) -> bool:
    """Create the database ``url`` names if it does not exist yet (connecting to the
    ``postgres`` maintenance database on the same server). Returns whether it was created."""
    import dj_database_url
    import psycopg
    from psycopg import sql

    config = dj_database_url.parse(url)
    params = {
        "dbname": "postgres",
        "user": config.get("USER") or None,
        "password": config.get("PASSWORD") or None,
        "host": config.get("HOST") or None,
        "port": config.get("PORT") or None,
    }
    name = config["NAME"]
    # CREATE DATABASE cannot run in a transaction.
    with psycopg.connect(**{k: v for k, v in params.items() if v}, autocommit=True) as conn:
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            return False
        try:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        except psycopg.errors.DuplicateDatabase:  # another run created it meanwhile
            return False
    return True


if __name__ == "__main__":
    sys.exit(main())
