"""The one check behind everything only program operations may do."""

from typing import TYPE_CHECKING

from prm.exceptions import PermissionDenied

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from prm.models import User


def require_program_ops(
    actor: "User | AnonymousUser | None",
    message: str = "",
    *,
    error: type[Exception] = PermissionDenied,
    system_allowed: bool = False,
) -> None:
    """Refuse ``actor`` unless it is a signed-in, active program ops user or administrator.

    ``message`` is the refusal's text, translated by the caller; without one ``error`` is
    raised bare (``Http404``: the ops pages are a scope miss to everyone else).
    ``system_allowed``: ``None`` is a scheduled job acting under a rule, allowed.
    """
    if actor is None:
        if system_allowed:
            return
    elif actor.is_authenticated and actor.is_active and getattr(actor, "is_program_ops", False):
        return
    raise error(message) if message else error()
