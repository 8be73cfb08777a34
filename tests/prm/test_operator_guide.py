"""The operator's guide documents every environment variable the settings read, and documents
none that nothing reads any more."""

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
GUIDE = ROOT / "docs" / "operator-guide.md"
# Where the process reads its environment: the settings modules and the entry points that pick
# them (not the test suite's settings: what they read is the test runner's, not an operator's).
SOURCES = [
    *sorted(p for p in (ROOT / "prm" / "settings").glob("*.py") if p.name != "test.py"),
    ROOT / "manage.py",
    ROOT / "prm" / "wsgi.py",
    ROOT / "prm" / "celery.py",
]
# The settings' own helpers (prm/settings/base.py and production.py) and os.environ's readers.
READERS = {"env", "env_bool", "env_list", "required", "getenv", "get", "setdefault"}


def _is_environ(node: ast.AST) -> bool:
    return isinstance(node, ast.Attribute) and node.attr == "environ"


def variables_read(source: str) -> set[str]:
    """Names passed as a literal to an environment reader, or used as ``os.environ[...]``."""
    names = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call) and node.args:
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if name not in READERS:
                continue
            if name in {"get", "setdefault"} and not _is_environ(func.value):  # type: ignore[union-attr]
                continue
            first = node.args[0]
            if isinstance(first, ast.Constant) and isinstance(first.value, str):
                names.add(first.value)
        elif (
            isinstance(node, ast.Subscript)
            and _is_environ(node.value)
            and isinstance(node.slice, ast.Constant)
            and isinstance(node.slice.value, str)
        ):
            names.add(node.slice.value)
    return names


def all_variables() -> set[str]:
    return set().union(*(variables_read(path.read_text()) for path in SOURCES))


def documented_variables() -> set[str]:
    """The names in the first column of the guide's configuration tables."""
    text = GUIDE.read_text()
    return {
        name
        for row in re.findall(r"^\| ([^|]+) \|", text, re.M)
        for name in re.findall(r"`([A-Z][A-Z0-9_]+)`", row)
    }


def test_the_parser_finds_the_settings_reads():
    found = all_variables()
    for name in ("DATABASE_URL", "DJANGO_SECRET_KEY", "DATABASE_REPLICA_URL", "LOG_LEVEL",
                 "DJANGO_SETTINGS_MODULE", "DJANGO_SECURE_HSTS_SECONDS"):  # fmt: skip
        assert name in found
    assert variables_read('import os\nos.environ["A"]\nos.environ.get("B")\nenv("C", "1")') == {
        "A",
        "B",
        "C",
    }
    assert variables_read('config.get("NOT_ENV")') == set()


def test_every_variable_the_settings_read_is_in_the_operator_guide():
    missing = sorted(all_variables() - documented_variables())
    assert not missing, f"document these in {GUIDE.relative_to(ROOT)}: {', '.join(missing)}"


def test_the_operator_guide_documents_no_variable_that_nothing_reads():
    stale = sorted(documented_variables() - all_variables())
    assert not stale, f"no settings module reads these any more: {', '.join(stale)}"
