"""``python -m bench.load``: the load test on loopback.

Prepares a PostgreSQL database with the demo program and generated partners, people and history
(``bench/load/data.py``), starts gunicorn and a Celery worker with production settings on
PostgreSQL and Redis, runs Locust headless (``bench/load/locustfile.py``) with a bounded number
of journeys per simulated user, prints p50/p95/p99 per request type and the totals, and exits
non-zero on any failed request, any server error (5xx in the access log) or any task that
failed in the worker.

``make loadtest`` is the full run (200 users for two minutes); ``--ci`` a short one.
"""

import argparse
import csv
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PYTHON = sys.executable
BIN = Path(sys.executable).parent
DEFAULT_DATABASE = "postgres://postgres@127.0.0.1:5432/prm_load"
# A Redis database of its own: its cache, rate-limit counters and task queue are the run's.
DEFAULT_REDIS = "redis://127.0.0.1:6379/5"
# Access log: status, method, path (without the query string), duration in microseconds.
ACCESS_FORMAT = "%(s)s %(m)s %(U)s %(D)s"


def main(argv=None) -> int:
    args = parse(argv)
    from bench.__main__ import create_database

    database = os.environ.get("LOAD_DATABASE_URL", DEFAULT_DATABASE)
    redis = os.environ.get("LOAD_REDIS_URL", DEFAULT_REDIS)
    if args.rebuild:
        drop_database(database)
    create_database(database)
    env = {
        **os.environ,
        "DATABASE_URL": database,
        "REDIS_URL": redis,
        "DJANGO_SETTINGS_MODULE": "prm.settings.local",
        "DJANGO_DEBUG": "false",
        "LOG_LEVEL": "WARNING",
    }
    workdir = Path(tempfile.mkdtemp(prefix="prm-load-"))
    accounts = workdir / "accounts.json"
    started = time.monotonic()
    sizes = [
        f"--partners={args.partners}",
        f"--deals-per-partner={args.deals_per_partner}",
        f"--cams={args.cams}",
        f"--ops={args.ops}",
        f"--integrations={args.integrations}",
    ]
    run([PYTHON, "-m", "bench.load.prepare", str(accounts), *sizes], env)
    print(f"[load] data ready in {time.monotonic() - started:.0f} s", flush=True)

    # Kept between runs: collectstatic then hashes and compresses only what changed.
    static = Path(args.static_root or Path(tempfile.gettempdir()) / "prm-load-static")
    prod = production_env(env, static, args.port)
    run([PYTHON, "manage.py", "collectstatic", "--noinput", "-v0"], prod)
    servers = [
        start(
            [
                str(BIN / "gunicorn"),
                "prm.wsgi:application",
                "--bind",
                f"127.0.0.1:{args.port}",
                "--workers",
                str(args.workers),
                "--access-logfile",
                str(workdir / "access.log"),
                "--access-logformat",
                ACCESS_FORMAT,
                "--error-logfile",
                str(workdir / "web.log"),
            ],
            prod,
            workdir / "web.out",
        ),
        start(
            [
                str(BIN / "celery"),
                "-A",
                "prm",
                "worker",
                "--concurrency",
                "1",
                "--loglevel",
                "INFO",
                "--without-gossip",
                "--without-mingle",
            ],
            prod,
            workdir / "worker.log",
        ),
    ]
    try:
        wait_for(f"http://127.0.0.1:{args.port}/healthz")
        print(
            f"[load] {args.users} users (spawn {args.spawn_rate}/s) for {args.run_time}, at most "
            f"{args.iterations} journeys each, against gunicorn ({args.workers} workers) on "
            f"127.0.0.1:{args.port}",
            flush=True,
        )
        locust = subprocess.run(  # noqa: S603 (our own commands)
            [
                str(BIN / "locust"),
                "-f",
                str(Path(__file__).with_name("locustfile.py")),
                "--headless",
                "--only-summary",
                "--users",
                str(args.users),
                "--spawn-rate",
                str(args.spawn_rate),
                "--run-time",
                args.run_time,
                "--stop-timeout",
                "15",
                "--host",
                f"http://127.0.0.1:{args.port}",
                "--csv",
                str(workdir / "locust"),
                "--loglevel",
                "WARNING",
                *args.only,
            ],
            env={
                **prod,
                "LOAD_ACCOUNTS": str(accounts),
                "LOAD_ITERATIONS": str(args.iterations),
                "PYTHONPATH": str(ROOT),
            },
            cwd=ROOT,
            capture_output=True,
            text=True,
        )
        drain(redis)
    finally:
        for server in servers:
            server.send_signal(signal.SIGTERM)
        for server in servers:
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                server.kill()
    return report(workdir, locust)


def parse(argv):
    parser = argparse.ArgumentParser(
        prog="python -m bench.load", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--users", type=int, default=200)
    # A sign-in hashes the password for a third of a CPU second: 200 people signing in within
    # 80 s keep most of one of the two cores busy before they do anything else.
    parser.add_argument("--spawn-rate", type=float, default=2.5)
    parser.add_argument("--run-time", default="2m")
    parser.add_argument(
        "--iterations", type=int, default=40, help="journeys per simulated user at most"
    )
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--partners", type=int, default=250)
    parser.add_argument("--deals-per-partner", type=int, default=40)
    parser.add_argument("--cams", type=int, default=25)
    parser.add_argument("--ops", type=int, default=12)
    parser.add_argument("--integrations", type=int, default=40)
    parser.add_argument(
        "--only",
        nargs="+",
        default=[],
        metavar="CLASS",
        help="only these personas (PartnerUser, ChannelManager, ProgramOps, Integration)",
    )
    parser.add_argument("--static-root", help="where to collect static files (kept)")
    parser.add_argument("--rebuild", action="store_true", help="drop the database first")
    parser.add_argument(
        "--ci", action="store_true", help="a short run: 30 users for 30 s on a smaller program"
    )
    args = parser.parse_args(argv)
    if args.ci:
        args.users, args.spawn_rate, args.run_time = 30, 3, "40s"
        args.partners, args.deals_per_partner = 40, 20
        args.cams, args.ops, args.integrations = 5, 3, 8
    return args


def production_env(env: dict, static: Path, port: int) -> dict:
    """Production settings, as behind a TLS-terminating proxy on this machine."""
    return {
        **env,
        "DJANGO_SETTINGS_MODULE": "prm.settings.production",
        "DJANGO_SECRET_KEY": "load-test-only-secret-key-0123456789abcdefghijklmnopqrstuvwxyz",
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "PRM_SITE_URL": f"https://127.0.0.1:{port}",
        "DJANGO_STATIC_ROOT": str(static),
        "PRM_TRUSTED_PROXY_COUNT": "1",
        # Nobody receives the demo's mail; deliveries are still queued, sent and recorded.
        "EMAIL_BACKEND": "django.core.mail.backends.dummy.EmailBackend",
        "LOG_LEVEL": "WARNING",
    }


def run(command: list[str], env: dict) -> None:
    subprocess.run(command, env=env, cwd=ROOT, check=True)  # noqa: S603 (our own commands)


def start(command: list[str], env: dict, log: Path) -> subprocess.Popen:
    handle = log.open("w")
    return subprocess.Popen(  # noqa: S603 (our own commands)
        command, env=env, cwd=ROOT, stdout=handle, stderr=subprocess.STDOUT
    )


def wait_for(url: str, seconds: float = 60) -> None:
    request = urllib.request.Request(url, headers={"X-Forwarded-Proto": "https"})  # noqa: S310
    deadline = time.monotonic() + seconds
    while True:
        try:
            with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310
                if response.status == 200:
                    return
        except OSError:
            if time.monotonic() > deadline:
                raise
        time.sleep(0.5)


def drain(redis_url: str, seconds: float = 60) -> None:
    """Let the worker finish what the run queued before it is stopped."""
    import redis

    client = redis.Redis.from_url(redis_url)
    deadline = time.monotonic() + seconds
    while client.llen("celery") and time.monotonic() < deadline:
        time.sleep(1)
    time.sleep(2)  # the task in hand


def drop_database(url: str) -> None:
    import dj_database_url
    import psycopg
    from psycopg import sql

    config = dj_database_url.parse(url)
    with psycopg.connect(
        dbname="postgres",
        user=config.get("USER") or None,
        host=config.get("HOST") or None,
        port=config.get("PORT") or None,
        autocommit=True,
    ) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
                sql.Identifier(config["NAME"])
            )
        )


# --- Report -----------------------------------------------------------------------------------


def report(workdir: Path, locust: subprocess.CompletedProcess) -> int:
    problems = []
    stats_file = workdir / "locust_stats.csv"
    if not stats_file.exists():
        print(locust.stdout[-3000:], locust.stderr[-3000:], sep="\n")
        print("LOAD FAILED: Locust produced no statistics")
        return 1
    rows = list(csv.DictReader(stats_file.open()))
    columns = ("requests", "fails", "p50", "p95", "p99", "max ms")
    print("\n" + f"{'request type':<40}" + "".join(f"{c:>9}" for c in columns))
    for row in rows:
        label = "TOTAL" if row["Name"] == "Aggregated" else f"{row['Type']} {row['Name']}"
        if label == "TOTAL":
            print("-" * 94)
        values = [row[c] for c in ("Request Count", "Failure Count", "50%", "95%", "99%")]
        values.append(f"{float(row['Max Response Time']):.0f}")
        print(f"{label[:40]:<40}" + "".join(f"{v:>9}" for v in values))
    total = next(row for row in rows if row["Name"] == "Aggregated")
    print(
        f"\nrequests {total['Request Count']}, failures {total['Failure Count']}, "
        f"{float(total['Requests/s']):.1f} requests/s"
    )
    if int(total["Failure Count"]):
        problems.append(f"{total['Failure Count']} failed requests")
        failures = list(csv.DictReader((workdir / "locust_failures.csv").open()))
        for failure in failures[:20]:
            print(
                f"  FAILED {failure['Occurrences']}× {failure['Method']} {failure['Name']}: "
                f"{failure['Error'][:300]}"
            )
    print_server_times(workdir / "access.log")
    server_errors = [
        line for line in (workdir / "access.log").read_text().splitlines() if line[:1] == "5"
    ]
    print(f"server errors (5xx in the access log): {len(server_errors)}")
    if server_errors:
        problems.append(f"{len(server_errors)} server errors")
        for line in server_errors[:10]:
            print(f"  {line}")
        print(tail_tracebacks(workdir / "web.log"))
    worker_log = (workdir / "worker.log").read_text()
    succeeded = len(re.findall(r"Task \S+\[[^\]]+\] succeeded", worker_log))
    task_errors = re.findall(r"^.*(?:ERROR|CRITICAL).*$", worker_log, flags=re.MULTILINE)
    print(f"worker: {succeeded} tasks succeeded, {len(task_errors)} errors")
    if task_errors:
        problems.append(f"{len(task_errors)} worker errors")
        for line in task_errors[:10]:
            print(f"  {line[:300]}")
    if locust.returncode not in (0, 1):  # 1: requests failed, reported above
        problems.append(f"Locust exited with {locust.returncode}")
        print(locust.stderr[-3000:])
    print(f"logs: {workdir}")
    if problems:
        print("LOAD FAILED: " + "; ".join(problems))
        return 1
    print("LOAD OK: no failed request, no server error, no failed task")
    return 0


def print_server_times(access_log: Path) -> None:
    """Time spent inside gunicorn per route (the access log's duration): Locust's figures add
    the wait for a free worker, this separates the two when the machine is saturated."""
    durations: dict[str, list[float]] = {}
    for line in access_log.read_text().splitlines():
        status, method, path, micros = line.split(" ")
        route = re.sub(r"/by-external-id/[^/]+/", "/by-external-id/{id}/", path)
        route = re.sub(r"/\d+/", "/{id}/", route)
        durations.setdefault(f"{method} {route}", []).append(int(micros) / 1000)
    print(f"\n{'server time per route':<50}{'requests':>9}{'p50':>9}{'p95':>9}  ms")
    for route, values in sorted(durations.items()):
        values.sort()
        p50, p95 = (values[min(len(values) - 1, int(len(values) * q))] for q in (0.5, 0.95))
        print(f"{route[:50]:<50}{len(values):>9}{p50:>9.0f}{p95:>9.0f}")


def tail_tracebacks(log: Path, limit: int = 6000) -> str:
    text = log.read_text() if log.exists() else ""
    return text[-limit:]


if __name__ == "__main__":
    sys.exit(main())
