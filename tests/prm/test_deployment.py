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


def compose_services():
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]


def test_compose_has_the_whole_stack():
    assert set(compose_services()) == {"db", "redis", "web", "worker", "beat"}


@pytest.mark.parametrize("service", ["web", "worker", "beat"])
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


def run_manage(*args, env_extra):
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    env.update({"DJANGO_SETTINGS_MODULE": "prm.settings.production", **env_extra})
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_refuses_to_start_without_a_secret_key():
    result = run_manage("check", env_extra={"DJANGO_ALLOWED_HOSTS": "partners.example.com"})
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY must be set" in result.stderr


def test_production_refuses_to_start_without_allowed_hosts():
    result = run_manage("check", env_extra={"DJANGO_SECRET_KEY": "x" * 60})
    assert result.returncode != 0
    assert "DJANGO_ALLOWED_HOSTS must be set" in result.stderr


def test_check_deploy_is_clean_with_the_required_environment():
    result = run_manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        env_extra={
            "DJANGO_SECRET_KEY": "k3y-" + "a1B2c3D4e5F6g7H8i9J0" * 3,
            "DJANGO_ALLOWED_HOSTS": "partners.example.com",
        },
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
