"""Security settings as each environment sees them: the MFA switch the test settings turn off
is on everywhere else, and no MFA bypass code exists outside the embedded local default."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION_ENV = {
    "DJANGO_SECRET_KEY": "k3y-" + "a1B2c3D4e5F6g7H8i9J0" * 3,
    "DJANGO_ALLOWED_HOSTS": "partners.example.com",
    "DATABASE_URL": "postgres://prm@db.example:5432/prm",
    "REDIS_URL": "redis://redis.example:6379/0",
    "PRM_SITE_URL": "https://partners.example.com",
}


def settings_of(module: str, **env_extra) -> dict:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "PRM_", "DATABASE_URL", "REDIS_URL"))
    }
    env.update({"DJANGO_SETTINGS_MODULE": module, **env_extra})
    script = (
        "import json, django; from django.conf import settings; django.setup(); "
        "print(json.dumps({'enforce': settings.PRM_ENFORCE_MFA, "
        "'bypass': getattr(settings, 'MFA_TOTP_INSECURE_BYPASS_CODE', None), "
        "'proxies': settings.ALLAUTH_TRUSTED_PROXY_COUNT, "
        "'csp': 'csp.middleware.CSPMiddleware' in settings.MIDDLEWARE, "
        "'mfa': 'allauth.mfa' in settings.INSTALLED_APPS}))"
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_production_enforces_mfa_with_no_bypass_code():
    seen = settings_of("prm.settings.production", **PRODUCTION_ENV)
    assert seen == {"enforce": True, "bypass": None, "proxies": 0, "csp": True, "mfa": True}


def test_production_reads_the_trusted_proxy_count():
    seen = settings_of("prm.settings.production", PRM_TRUSTED_PROXY_COUNT="2", **PRODUCTION_ENV)
    assert seen["proxies"] == 2


@pytest.mark.parametrize("debug,bypass", [("true", "000000"), ("false", None)])
def test_the_local_demo_code_exists_only_with_debug_on(debug, bypass):
    seen = settings_of("prm.settings.local", DJANGO_DEBUG=debug)
    assert seen["enforce"] is True
    assert seen["bypass"] == bypass


def test_only_the_test_settings_turn_enforcement_off(settings):
    from prm.settings import test as test_settings

    assert test_settings.PRM_ENFORCE_MFA is False
