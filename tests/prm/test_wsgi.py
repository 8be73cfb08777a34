"""The web process's entry point loads the views before the first request and sets its
start-up heap aside from the garbage collector, so full collections walk only what requests
leave behind."""

import os
import subprocess
import sys

from django.conf import settings

PROBE = """
import gc, sys
import prm.wsgi
from django.urls import get_resolver
tracked = {id(o) for o in gc.get_objects()}
patterns = get_resolver().url_patterns
print(gc.get_freeze_count())
print(int("deals.api.views" in sys.modules and "scorecards.views" in sys.modules))
print(int(id(get_resolver()) in tracked or id(patterns) in tracked))
"""


def test_the_wsgi_module_loads_the_views_and_freezes_the_startup_heap():
    environment = {**os.environ, "DJANGO_SETTINGS_MODULE": "prm.settings.test"}
    answer = subprocess.run(  # noqa: S603 - our own interpreter and code
        [sys.executable, "-c", PROBE],
        cwd=settings.BASE_DIR,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    frozen, views_loaded, resolver_tracked = (int(line) for line in answer.stdout.split())
    assert frozen > 50_000
    assert views_loaded == 1
    assert resolver_tracked == 0
