"""API throughput under gunicorn with production settings, on loopback, on the scale data set.

Starts gunicorn (``prm.settings.production``, two sync workers) on a free port, issues a
program-wide API key (revoked at the end), warms every worker up, then in one Locust run asks
for ``/healthz``, ``/api/v1/tiers/`` and ``/api/v1/registrations/?page_size=50`` in turns, each
endpoint several times (see ``throughput_locustfile``), and prints, for each, requests per
second, p50 and p99; then:

- ``api_throughput_deal_list_ratio``: deal list / tiers requests per second (target >= 0.5);
- ``api_stack_ratio`` and ``api_stack_added_ms``: tiers against healthz, i.e. what
  authentication, the rate limit, the view and the renderer cost on top of Django serving a
  request that reads the database once.

The per-key rate limit is raised for the run (``PRM_API_RATE_LIMIT``) so that it measures the
server rather than the limiter; the limiter still counts every request in Redis.
``PRM_TP_PHASE_SECONDS`` (default 15, each endpoint's time in all), ``PRM_TP_ROUNDS`` (default 3
turns per endpoint) and ``PRM_TP_USERS`` (default 4) tune the run.

On a shared machine requests per second move with everyone else's load, so each endpoint's
line also gives the server's CPU per request (the gunicorn workers plus their PostgreSQL
backends, from ``/proc``), which does not.
"""

import contextlib
import json
import os
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import psutil
from django.conf import settings
from django.db import connection

from partners.api_keys import issue_api_key, revoke_api_key

from .registry import Result

WORKERS = 2
PHASE_SECONDS = float(os.environ.get("PRM_TP_PHASE_SECONDS", "15"))
ROUNDS = int(os.environ.get("PRM_TP_ROUNDS", "3"))
USERS = int(os.environ.get("PRM_TP_USERS", "4"))
RATIO_TARGET = 0.5
# What the API stack (key lookup, scope check, rate limit, view, JSON renderer) may add to a
# request that Django answers with one query, in milliseconds per request.
ADDED_MS_TARGET = 5.0
KEY_NAME = "API throughput benchmark"
BENCH_DIR = Path(__file__).resolve().parent
ENDPOINTS = {
    "healthz": ("/healthz", False),
    "tiers": ("/api/v1/tiers/", True),
    "deal_list": ("/api/v1/registrations/?page_size=50", True),
}


def _line(name, value, unit, target, met) -> None:
    print(f"BENCH {name} {value} {unit} target {target} {'met' if met else 'missed'}", flush=True)


def run() -> Result:
    key, plaintext = issue_api_key(
        name=KEY_NAME, scopes=["partners:read", "deals:read"], actor=None, partner=None
    )
    try:
        with tempfile.TemporaryDirectory() as scratch, _gunicorn(Path(scratch)) as server:
            base_url, master = server
            _warm_up(base_url, plaintext)
            with _CpuSampler(master) as cpu:
                stats = _load(base_url, plaintext, Path(scratch) / "requests.json", cpu)
    finally:
        revoke_api_key(key=key, actor=None, reason="benchmark finished")
    return _report(stats)


# --- The server -------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _server_environment(port: int, scratch: Path) -> dict[str, str]:
    url = os.environ["DATABASE_URL"]
    redis_url = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "prm.settings.production",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "PRM_SITE_URL": f"http://127.0.0.1:{port}",
        "DATABASE_URL": url,
        "REDIS_URL": redis_url,
        "DJANGO_STATIC_ROOT": str(scratch / "static"),
        # Far above what the run can reach: the limiter's counting stays on the path.
        "PRM_API_RATE_LIMIT": "100000000",
        "LOG_LEVEL": "WARNING",
    }


@contextlib.contextmanager
def _gunicorn(scratch: Path):
    port = _free_port()
    (scratch / "static").mkdir()
    command = [
        str(Path(sys.executable).with_name("gunicorn")),
        "prm.wsgi:application",
        f"--bind=127.0.0.1:{port}",
        f"--workers={WORKERS}",
        "--worker-class=sync",
        "--log-level=warning",
    ]
    # Our own executables and arguments, nothing from outside.
    environment = _server_environment(port, scratch)
    server = subprocess.Popen(command, cwd=settings.BASE_DIR, env=environment)  # noqa: S603
    base_url = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(server, base_url)
        print(f"[bench] gunicorn ({WORKERS} sync workers, production settings) at {base_url}",
              flush=True)  # fmt: skip
        yield base_url, server.pid
    finally:
        server.send_signal(signal.SIGTERM)  # graceful: workers finish their request
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def _get(url: str, api_key: str | None = None, timeout: float = 30) -> int:
    headers = {"X-Forwarded-Proto": "https"}
    if api_key:
        headers["Authorization"] = f"Api-Key {api_key}"
    # Always http://127.0.0.1:<port>/…, built above.
    request = urllib.request.Request(url, headers=headers)  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            response.read()
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def _wait_until_up(server: subprocess.Popen, base_url: str) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"gunicorn exited with status {server.returncode}")
        with contextlib.suppress(OSError):
            if _get(base_url + "/healthz", timeout=2) == 200:
                return
        time.sleep(0.2)
    raise RuntimeError("gunicorn did not answer /healthz within 60 s")


def _warm_up(base_url: str, api_key: str) -> None:
    """A few requests to each endpoint, so that both workers have imported and connected."""
    for name, (path, authenticated) in ENDPOINTS.items():
        for _ in range(2 * WORKERS):
            status = _get(base_url + path, api_key if authenticated else None)
            if status != 200:
                raise RuntimeError(f"{name} answered {status} during the warm-up")


# --- Server CPU -------------------------------------------------------------------------------


def _backend_pids(exclude: int) -> list[int]:
    """The database backends serving this database, but for ``exclude`` and the caller's own:
    the gunicorn workers' connections (nothing else uses this database meanwhile). Workers
    reconnect when a connection reaches its age limit, so this is asked again and again."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid() AND pid <> %s",
            [exclude],
        )
        return [pid for (pid,) in cursor.fetchall()]


def _cpu_seconds(pid: int) -> float | None:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except OSError:  # gone, or the database runs elsewhere
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class _CpuSampler:
    """Samples the server's CPU seconds (gunicorn workers and their database backends, each
    process counted up to its last sighting) a few times a second."""

    INTERVAL = 0.25

    def __init__(self, master: int):
        self.workers = [child.pid for child in psutil.Process(master).children()]
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            (self.own_backend,) = cursor.fetchone()
        self.samples: list[tuple[float, float]] = []
        self._seen: dict[int, float] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()

    def _run(self):
        try:
            while not self._stop.is_set():
                for pid in self.workers + _backend_pids(exclude=self.own_backend):
                    used = _cpu_seconds(pid)
                    if used is not None:
                        self._seen[pid] = used
                self.samples.append((time.time(), sum(self._seen.values())))
                self._stop.wait(self.INTERVAL)
        finally:
            connection.close()  # this thread's own connection

    def used_between(self, start: float, end: float) -> float:
        def at(moment: float) -> float:
            return min(self.samples, key=lambda sample: abs(sample[0] - moment))[1]

        return at(end) - at(start)


# --- The load ---------------------------------------------------------------------------------


def _load(base_url: str, api_key: str, results: Path, cpu: _CpuSampler) -> dict[str, dict]:
    phases = len(ENDPOINTS)
    env = {
        **os.environ,
        "PRM_TP_API_KEY": api_key,
        "PRM_TP_PHASE_SECONDS": str(PHASE_SECONDS),
        "PRM_TP_ROUNDS": str(ROUNDS),
        "PRM_TP_RESULTS": str(results),
    }
    command = [
        str(Path(sys.executable).with_name("locust")),
        "--locustfile", str(BENCH_DIR / "throughput_locustfile.py"),
        "--headless", "--only-summary", "--skip-log-setup",
        "--host", base_url,
        "--users", str(USERS), "--spawn-rate", str(USERS),
        # The locustfile quits once the last phase is over; this is a backstop.
        "--run-time", f"{int(phases * PHASE_SECONDS + 30)}s",
        "--stop-timeout", "30",
    ]  # fmt: skip
    print(f"[bench] Locust: {USERS} users, {PHASE_SECONDS:.0f} s per endpoint in {ROUNDS} turns",
          flush=True)  # fmt: skip
    subprocess.run(command, env=env, check=False, stdout=subprocess.DEVNULL)  # noqa: S603
    data = json.loads(results.read_text())
    return _summarise(data["requests"], data["started"], cpu)


def turns(started: float, phase: int) -> list[tuple[float, float]]:
    """The (start, end) of each turn of the ``phase``-th endpoint (``throughput_locustfile``)."""
    turn = PHASE_SECONDS / ROUNDS
    return [
        (started + (r * len(ENDPOINTS) + phase) * turn,
         started + (r * len(ENDPOINTS) + phase + 1) * turn)
        for r in range(ROUNDS)
    ]  # fmt: skip


def _summarise(requests: list[dict], started: float, cpu: _CpuSampler) -> dict[str, dict]:
    stats = {}
    for phase, name in enumerate(ENDPOINTS):
        windows = turns(started, phase)
        # Requests started in the endpoint's turns, over the turns' time.
        asked = [r for r in requests if r["name"] == name]
        rows = [r for r in asked if _within(r["start"], windows)]
        if not rows:
            raise RuntimeError(f"no {name} request completed")
        times = sorted(r["ms"] for r in rows)
        seconds = sum(end - start for start, end in windows)
        stats[name] = {
            "cpu_ms": 1000 * sum(cpu.used_between(*w) for w in windows) / len(rows),
            "requests": len(rows),
            "failed": sum(1 for r in asked if r["status"] != 200),
            "rps": len(rows) / seconds,
            "p50": _percentile(times, 0.50),
            "p99": _percentile(times, 0.99),
            "mean": statistics.fmean(times),
        }  # fmt: skip
    return stats


def _within(moment: float, windows: list[tuple[float, float]]) -> bool:
    return any(start <= moment < end for start, end in windows)


def _percentile(ordered: list[float], share: float) -> float:
    # Nearest rank: the smallest time at or below which ``share`` of the requests finished.
    rank = max(1, -(-int(share * len(ordered) * 1000) // 1000))
    return ordered[min(rank, len(ordered)) - 1]


def _report(stats: dict[str, dict]) -> Result:
    for name, s in stats.items():
        print(f"[bench] {name}: {s['requests']} requests, {s['failed']} not 200, "
              f"mean {s['mean']:.1f} ms", flush=True)  # fmt: skip
        _line(f"api_{name}_rps", f"{s['rps']:.1f}", "rps", "info", True)
        _line(f"api_{name}_p50", f"{s['p50']:.1f}", "ms", "info", True)
        _line(f"api_{name}_p99", f"{s['p99']:.1f}", "ms", "info", True)
        _line(f"api_{name}_server_cpu", f"{s['cpu_ms']:.2f}", "ms/request", "info", True)
    failed = sum(s["failed"] for s in stats.values())
    _line("api_throughput_non_200", failed, "requests", "=0", failed == 0)
    healthz, tiers, deals = stats["healthz"], stats["tiers"], stats["deal_list"]
    stack_ratio = tiers["rps"] / healthz["rps"]
    # Both endpoints keep the two workers busy, so the time a request holds a worker is
    # WORKERS / rps; the difference is what the API stack adds.
    added_ms = 1000 * WORKERS * (1 / tiers["rps"] - 1 / healthz["rps"])
    _line("api_stack_ratio", f"{stack_ratio:.3f}", "x", "info", True)
    added_cpu = tiers["cpu_ms"] - healthz["cpu_ms"]
    _line("api_stack_added_server_cpu", f"{added_cpu:.2f}", "ms/request", "info", True)
    _line("api_stack_added_ms", f"{added_ms:.2f}", "ms", f"<{ADDED_MS_TARGET:g}",
          added_ms < ADDED_MS_TARGET)  # fmt: skip
    ratio = deals["rps"] / tiers["rps"]
    met = ratio >= RATIO_TARGET and failed == 0
    return Result("api_throughput_deal_list_ratio", ratio, "x", f">={RATIO_TARGET}", met)
