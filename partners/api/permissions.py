"""Who may call which partner endpoints, beyond being signed in and holding the key's scope.
Scope within the program (which partners) is the selectors' job; these say which *kind* of user
may use an endpoint at all."""

from rest_framework import permissions


class IsProgramOps(permissions.BasePermission):
    message = "Only program operations may do this."

    def has_permission(self, request, view):
        return bool(request.user and request.user.is_authenticated and request.user.is_program_ops)


class IsInternalStaff(permissions.BasePermission):
    """Channel account managers, program ops and administrators."""

    message = "Only the program's own staff may do this."

    def has_permission(self, request, view):
        return bool(request.user and request.user.is_authenticated and request.user.is_internal)
