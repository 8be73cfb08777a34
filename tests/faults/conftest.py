"""Fault tests: real PostgreSQL, a real Redis and real Celery worker and web processes, killed,
stopped and cut off while they work.

They need ``DATABASE_URL`` on PostgreSQL and ``REDIS_URL`` (CI sets both), plus the
``redis-server`` program: each test session runs its own Redis on a free port, so a test can
stop and start it and parallel runs never share a queue. Without them the tests are skipped
with the reason, unless ``PRM_REQUIRE_FAULTS`` is set (as in CI), where that is a failure.

The tests use ``transactional_db``: their rows are committed to the test database, which the
worker and web processes are pointed at.
"""

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(__file__).resolve().parents[2]
REDIS_SERVER = shutil.which("redis-server") or "/usr/bin/redis-server"


def missing_services() -> str:
    """Why the fault tests cannot run here, or '' when they can."""
    engine = settings.DATABASES["default"]["ENGINE"]
    if "postgresql" not in engine:
        return "need PostgreSQL: set DATABASE_URL=postgres://..."
    if not settings.REDIS_URL:
        return "need Redis: set REDIS_URL=redis://..."
    if not os.path.exists(REDIS_SERVER):
        return f"need the redis-server program ({REDIS_SERVER} not found)"
    return ""


def pytest_collection_modifyitems(config, items):
    faults = [item for item in items if "faults" in item.keywords]
    reason = missing_services() if faults else ""
    if not reason:
        return
    if os.environ.get("PRM_REQUIRE_FAULTS"):
        raise pytest.UsageError(f"PRM_REQUIRE_FAULTS is set but the fault tests {reason}.")
    skip = pytest.mark.skip(reason=f"fault tests {reason}")
    for item in faults:
        item.add_marker(skip)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(predicate, *, timeout: float, what: str, every: float = 0.1):
    """Poll ``predicate`` until it returns something true; fail naming ``what``."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(every)


class RedisServer:
    """A redis-server of our own on a free port, without persistence, stopped and started at
    will (a restart starts empty, as a Redis without persistence does)."""

    def __init__(self, workdir: Path):
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.workdir = workdir
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [REDIS_SERVER, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", str(self.workdir)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        wait_for(self.answers, timeout=10, what=f"redis-server on port {self.port}")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None

    def answers(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as sock:
                sock.sendall(b"PING\r\n")
                return sock.recv(16).startswith(b"+PONG")
        except OSError:
            return False


def database_url() -> str:
    """The test database (committed rows, see ``transactional_db``) as a URL for a subprocess."""
    from django.db import connection

    db = connection.settings_dict
    auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


class Processes:
    """Worker and web processes of the portal run against the test database and our Redis.
    Each runs in its own process group, so a kill takes the pool's children with it."""

    def __init__(self, redis: RedisServer, workdir: Path):
        self.redis = redis
        self.workdir = workdir
        self.mail_dir = workdir / "mail"
        self.mail_dir.mkdir(exist_ok=True)
        self.media_root = workdir / "media"
        self.running: list[subprocess.Popen] = []
        self.logs = workdir / "logs"
        self.logs.mkdir(exist_ok=True)

    def env(self, **extra) -> dict:
        env = {
            **os.environ,
            "PYTHONPATH": str(ROOT),
            "DJANGO_SETTINGS_MODULE": "prm.settings.local",
            "DJANGO_DEBUG": "false",
            "DATABASE_URL": database_url(),
            "REDIS_URL": self.redis.url,
            "DJANGO_MEDIA_ROOT": str(self.media_root),
            # A killed worker's message is handed out again after this many seconds.
            "PRM_CELERY_VISIBILITY_TIMEOUT": "3",
            "PRM_FAULTS_MAIL_DIR": str(self.mail_dir),
            "PRM_WEBHOOK_ALLOW_PRIVATE_ADDRESSES": "true",
        }
        env.pop("PRM_REQUIRE_FAULTS", None)
        env.update(extra)
        return env

    def _spawn(self, name: str, argv: list[str], **env) -> subprocess.Popen:
        log = open(self.logs / f"{name}-{len(self.running)}.log", "wb")  # noqa: SIM115
        process = subprocess.Popen(
            argv, cwd=ROOT, env=self.env(**env), stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
        self.running.append(process)
        return process

    def start_worker(self) -> subprocess.Popen:
        celery = str(Path(sys.executable).with_name("celery"))
        process = self._spawn(
            "worker",
            [celery, "-A", "prm", "worker", "--include", "tests.faults.slow_chunks",
             "--concurrency", "1", "--without-heartbeat", "--without-gossip",
             "--without-mingle", "--loglevel", "INFO", "-E"],
        )  # fmt: skip
        wait_for(lambda: self._log_says(process, b"ready."), timeout=60, what="the worker")
        return process

    def start_web(self) -> str:
        port = free_port()
        gunicorn = str(Path(sys.executable).with_name("gunicorn"))
        self._spawn(
            "web",
            [gunicorn, "prm.wsgi", "--bind", f"127.0.0.1:{port}", "--workers", "1",
             "--timeout", "60"],
        )  # fmt: skip
        url = f"http://127.0.0.1:{port}"

        def answers():
            with (
                contextlib.suppress(OSError),
                urllib.request.urlopen(f"{url}/healthz", timeout=2),  # noqa: S310
            ):
                return True
            return False

        wait_for(answers, timeout=60, what="the web process")
        return url

    def _log_says(self, process: subprocess.Popen, text: bytes) -> bool:
        if process.poll() is not None:
            raise AssertionError(f"process exited with {process.returncode}: {self.log_tail()}")
        index = self.running.index(process)
        name = next(self.logs.glob(f"*-{index}.log"))
        return text in name.read_bytes()

    def log_tail(self) -> str:
        return "\n".join(
            f"--- {path.name}\n" + path.read_text(errors="replace")[-3000:]
            for path in sorted(self.logs.glob("*.log"))
        )

    def kill(self, process: subprocess.Popen) -> None:
        """SIGKILL the whole process group: no warm shutdown, no acknowledgement, nothing."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)

    def kill_pool_child(self, worker: subprocess.Popen) -> int:
        """SIGKILL the pool process running the task (as the kernel's OOM killer would)."""
        children = [
            int(pid)
            for pid in os.listdir("/proc")
            if pid.isdigit() and _parent_of(int(pid)) == worker.pid
        ]
        assert children, "the worker has no pool process"
        for pid in children:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        return len(children)

    def stop_all(self) -> None:
        for process in self.running:
            if process.poll() is None:
                self.kill(process)

    def mails(self) -> list[str]:
        return [path.read_text() for path in sorted(self.mail_dir.glob("*.log"))]


def _parent_of(pid: int) -> int | None:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return int(stat.rsplit(")", 1)[1].split()[1])


@pytest.fixture
def redis_server(tmp_path):
    server = RedisServer(tmp_path)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def processes(redis_server, tmp_path, transactional_db, request):
    procs = Processes(redis_server, tmp_path)
    yield procs
    procs.stop_all()
    if getattr(request.node, "rep_call_failed", False):
        print(procs.log_tail())  # shown with the failure: what the processes said


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if report.when == "call" and report.failed:
        item.rep_call_failed = True
    return report


@pytest.fixture
def broker(redis_server):
    """Send a task by name to our Redis, as the portal's web process would."""
    from celery import Celery

    # Not the current app (the suite's own tasks must keep running in-process), but routed as
    # the portal routes: each task to its queue.
    client = Celery("faults-client", set_as_current=False)
    client.config_from_object("django.conf:settings", namespace="CELERY")
    client.conf.broker_url = redis_server.url
    client.conf.task_always_eager = False
    client.conf.broker_connection_retry_on_startup = False

    def send(name: str, *args, **kwargs):
        return client.send_task(name, args=args, kwargs=kwargs)

    yield send
    client.close()


# The data of the jobs under test, as their own tests build it.
from tests.deals.commissions.conftest import _fiscal_year, margin_rule, plan  # noqa: E402, F401
from tests.mdf.conftest import mdf_tiers  # noqa: E402, F401
from tests.scorecards.conftest import make_partner, program, quarter  # noqa: E402, F401
