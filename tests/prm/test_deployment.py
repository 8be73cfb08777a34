"""The deployment shape: docker-compose services run real project commands; production settings
refuse to start without their secrets and pass ``check --deploy``."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]


WORKERS = ("worker", "worker-webhooks", "worker-jobs")


def compose_services():
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]


def test_compose_has_the_whole_stack():
    assert set(compose_services()) == {"db", "redis", "migrate", "web", "beat", *WORKERS}


def test_compose_migrates_once_before_any_process_starts():
    services = compose_services()
    assert services["migrate"]["command"] == ["python", "manage.py", "migrate", "--noinput"]
    assert services["migrate"]["depends_on"]["db"] == {"condition": "service_healthy"}
    for name in ("web", "beat", *WORKERS):
        assert services[name]["depends_on"]["migrate"] == {
            "condition": "service_completed_successfully"
        }, name
        assert services[name]["depends_on"]["db"] == {"condition": "service_healthy"}, name


def test_the_image_collects_static_files_with_the_production_settings():
    """Local settings write no manifest, and production storage then fails every page."""
    dockerfile = (ROOT / "Dockerfile").read_text()
    lines = [line for line in dockerfile.splitlines() if not line.lstrip().startswith("#")]
    instructions = "\n".join(lines).replace("\\\n", " ").splitlines()
    run = next(i for i in instructions if i.startswith("RUN") and "manage.py collectstatic" in i)
    assert "DJANGO_SETTINGS_MODULE=prm.settings.production" in run
    assert "prm.settings.local" not in dockerfile
    for name in REQUIRED:
        assert f"{name}=" in run, f"the build gives {name} a placeholder"


@pytest.mark.parametrize("service", ["web", "beat", *WORKERS])
def test_each_app_service_runs_a_command_that_exists(service):
    command = compose_services()[service]["command"]
    executable = ROOT / ".venv" / "bin" / command[0]
    assert executable.exists() or shutil.which(command[0]), f"{command[0]} is not installed"
    if command[0] == "gunicorn":
        module, _, attr = command[1].partition(":")
        assert (ROOT / (module.replace(".", "/") + ".py")).exists()
        assert attr == "application"
    else:
        assert command[:3] == ["celery", "-A", "prm"]
        assert command[3] in {"worker", "beat"}
        from prm.celery import app

        assert app.main == "prm"


# What production needs, with values good enough to load the settings and pass check --deploy.
REQUIRED = {
    "DJANGO_SECRET_KEY": "k3y-" + "a1B2c3D4e5F6g7H8i9J0" * 3,
    "DJANGO_ALLOWED_HOSTS": "partners.example.com",
    "DATABASE_URL": "sqlite://:memory:",
    "REDIS_URL": "redis://127.0.0.1:6379/4",
    "PRM_SITE_URL": "https://partners.example.com",
}
OWN_VARIABLES = ("DJANGO_", "DATABASE_URL", "REDIS_URL", "PRM_")


def clean_env(**extra) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(OWN_VARIABLES)}
    return {**env, **extra}


def run_manage(*args, env_extra, timeout=120):
    env = clean_env(DJANGO_SETTINGS_MODULE="prm.settings.production", **env_extra)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


@pytest.mark.parametrize("missing", list(REQUIRED))
def test_production_refuses_to_start_without_each_required_variable(missing):
    """No silent SQLite, in-process Celery or localhost links in emails."""
    env = {name: value for name, value in REQUIRED.items() if name != missing}
    result = run_manage("check", env_extra=env)
    assert result.returncode != 0
    assert f"{missing} must be set in production" in result.stderr


def test_production_uses_the_configured_services():
    code = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.DATABASES['default']['ENGINE'], s.CELERY_BROKER_URL, "
        "s.CELERY_TASK_ALWAYS_EAGER, s.CACHES['default']['BACKEND'], s.PRM_SITE_URL)"
    )
    env = clean_env(DJANGO_SETTINGS_MODULE="prm.settings.production", **REQUIRED)
    env["DATABASE_URL"] = "postgres://prm@db.internal:5432/prm"
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True,
                         text=True, timeout=60, check=True).stdout.split()  # fmt: skip
    assert out == [
        "prm.db.postgresql",
        "redis://127.0.0.1:6379/4",
        "False",
        "prm.cache.ResilientRedisCache",
        "https://partners.example.com",
    ]


def test_the_celery_app_defaults_to_production_settings_like_wsgi():
    code = "import os, prm.celery; print(os.environ['DJANGO_SETTINGS_MODULE'])"
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=clean_env(),
                            capture_output=True, text=True, timeout=60, check=True)  # fmt: skip
    assert result.stdout.strip() == "prm.settings.production"
    manage = (ROOT / "manage.py").read_text()
    assert '"DJANGO_SETTINGS_MODULE", "prm.settings.local"' in manage


def test_check_deploy_is_clean_with_the_required_environment():
    result = run_manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        env_extra=REQUIRED,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


# --- The documented admin sign-in ------------------------------------------------------------


def test_admin_login_page_answers_anonymous_visitors(client, db):
    """The login page lists the admin apps for an anonymous visitor, who has no portal role."""
    response = client.get("/admin/login/")
    assert response.status_code == 200
    assert b'name="password"' in response.content


def test_admin_index_works_for_a_superuser(client, db, django_user_model):
    admin = django_user_model.objects.create_superuser(email="root@vendor.example", password="x")
    client.force_login(admin)
    response = client.get("/admin/")
    assert response.status_code == 200
    assert b"/admin/deals/" in response.content


# --- Pages under production settings, with static files collected as the image does ----------


# The tests sharing the collected files run in one test process, which collects them once (for
# the session: a module's fixture is set up again whenever the process comes back to the module).
COLLECTED_STATIC_GROUP = pytest.mark.xdist_group("collected_static")


@pytest.fixture(scope="session")
def collected_static(tmp_path_factory):
    root = tmp_path_factory.mktemp("static")
    result = run_manage("collectstatic", "--noinput", timeout=900,
                        env_extra={**REQUIRED, "DJANGO_STATIC_ROOT": str(root)})  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert (root / "staticfiles.json").exists(), "production storage writes the manifest"
    return root


@COLLECTED_STATIC_GROUP
def test_pages_render_under_production_settings_with_collected_static(collected_static):
    result = run_manage(
        "check_pages", env_extra={**REQUIRED, "DJANGO_STATIC_ROOT": str(collected_static)}
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "200 /accounts/login/" in result.stdout
    assert "200 /api/docs/" in result.stdout


def test_pages_fail_loudly_without_collected_static(tmp_path):
    """What the image served before: no manifest, so every HTML page is an error."""
    result = run_manage("check_pages", env_extra={**REQUIRED, "DJANGO_STATIC_ROOT": str(tmp_path)})
    assert result.returncode != 0
    assert "Missing staticfiles manifest entry" in result.stderr


@COLLECTED_STATIC_GROUP
def test_signed_in_pages_render_under_production_settings(collected_static, tmp_path):
    """Staff pages too, for an administrator who has the second factor staff must have."""
    env = {
        **REQUIRED,
        "DJANGO_STATIC_ROOT": str(collected_static),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'prod.sqlite3'}",
    }
    migrated = run_manage("migrate", "--noinput", env_extra=env, timeout=300)
    assert migrated.returncode == 0, migrated.stderr
    result = run_manage("check_pages", "--signed-in", env_extra=env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "200 /partners/" in result.stdout


def test_a_lost_database_connection_answers_503_with_a_clear_page_or_api_error(rf):
    """A connection the database dropped is no bug in the request: 503, say so, retry soon
    (tests/faults drop a real connection under a running server)."""
    from django.db import OperationalError

    from prm.api.errors import server_error

    for path in ("/deals/", "/api/v1/registrations/"):
        try:
            raise OperationalError("terminating connection due to administrator command")
        except OperationalError:
            response = server_error(rf.get(path))
        assert response.status_code == 503 and response["Retry-After"]
        body = response.content.decode()
        assert "database" in body and "administrator command" not in body
    try:
        raise ValueError("a bug")
    except ValueError:
        assert server_error(rf.get("/deals/")).status_code == 500
