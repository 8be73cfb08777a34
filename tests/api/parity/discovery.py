"""Finding the portal's state-changing views and the API's operations.

A portal view changes state when it accepts POST/PUT/DELETE: a class-based view with such a
handler, or a function view whose code (or the same-module helpers it calls, followed
transitively) reads ``request.POST``/``request.FILES``, compares ``request.method`` with
"POST", or is wrapped by ``require_POST``/``require_http_methods``. Reading the source is a
heuristic; the test suite of each view is what proves its behaviour, and a view this misses
would show up as a page with a form and no entry below.
"""

import ast
import inspect
import re
import textwrap
from functools import cache

from django.urls import URLPattern, URLResolver, get_resolver
from drf_spectacular.generators import SchemaGenerator

WRITES = re.compile(
    r"require_POST|require_http_methods|request\.(POST|FILES)\b|"
    r"request\.method\s*[!=]=\s*[\"'](POST|PUT|DELETE)[\"']"
)
UNSAFE_HANDLERS = ("post", "put", "patch", "delete")


def _walk(resolver, namespace=""):
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            inner = namespace
            if pattern.namespace:
                inner = f"{namespace}:{pattern.namespace}" if namespace else pattern.namespace
            yield from _walk(pattern, inner)
        elif isinstance(pattern, URLPattern) and pattern.name:
            yield (f"{namespace}:{pattern.name}" if namespace else pattern.name), pattern


def _source(function) -> str:
    try:
        return textwrap.dedent(inspect.getsource(function))
    except (OSError, TypeError):
        return ""


@cache
def _writes(function) -> bool:
    """Whether ``function`` or a helper of its own module that it calls handles a write."""
    seen, pending = set(), [function]
    while pending:
        current = pending.pop()
        if current in seen:
            continue
        seen.add(current)
        source = _source(current)
        if WRITES.search(source):
            return True
        try:
            tree = ast.parse(source)
        except SyntaxError:
            continue
        module = getattr(current, "__module__", None)
        for node in ast.walk(tree):
            if isinstance(node, ast.Name):
                helper = getattr(current, "__globals__", {}).get(node.id)
                if inspect.isfunction(helper) and helper.__module__ == module:
                    pending.append(inspect.unwrap(helper))
    return False


def portal_actions() -> dict[str, str]:
    """{URL name: view module} of the portal's state-changing views (not the admin, not the API)."""
    found = {}
    for name, pattern in _walk(get_resolver()):
        if name.startswith("admin:") or str(pattern.pattern).startswith("api/"):
            continue
        callback = pattern.callback
        if getattr(callback, "cls", None) is not None:  # a DRF view: part of the API
            continue
        view_class = getattr(callback, "view_class", None)
        if view_class is not None:
            if any(hasattr(view_class, handler) for handler in UNSAFE_HANDLERS):
                found[name] = view_class.__module__
            continue
        function = inspect.unwrap(callback)
        if _writes(function) or WRITES.search(_source(callback)):
            found[name] = function.__module__
    return found


def api_operations() -> set[str]:
    """The operationIds of the API's writes, from the schema the API publishes."""
    schema = SchemaGenerator().get_schema(request=None, public=True)
    return {
        operation["operationId"]
        for path in schema["paths"].values()
        for method, operation in path.items()
        if method in UNSAFE_HANDLERS
    }
