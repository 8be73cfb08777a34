from rest_framework import permissions

from prm.models import ApiKey


class HasApiScope(permissions.BasePermission):
    """An API key may only use the areas it was granted: ``<area>:read`` for safe methods,
    ``<area>:write`` for the rest. Views name their area in ``api_area``. Portal sessions are
    not limited by scopes; what they see is limited by the selectors.
    """

    message = "This API key lacks the scope for this endpoint."

    def has_permission(self, request, view):
        key = request.auth
        if not isinstance(key, ApiKey):
            return True
        area = getattr(view, "api_area", None)
        if area is None:
            return False
        action = "read" if request.method in permissions.SAFE_METHODS else "write"
        self.message = f"This API key lacks the scope {area}:{action}."
        return key.has_scope(f"{area}:{action}")
