from django.apps import apps
from django.urls import NoReverseMatch, reverse

from prm.notifications import unread_count

from .selectors import partner_access


def personas_for(user) -> set[str]:
    """The navigation personas of a user: partner, partner_admin, distributor, cam, ops."""
    if not getattr(user, "is_authenticated", False):
        return set()
    if user.is_program_ops:
        return {"ops"}
    if user.is_channel_manager:
        return {"cam"}
    access = partner_access(user)
    personas = set()
    if access.member_of:
        personas.add("partner")
    if access.admin_of:
        personas.add("partner_admin")
    if access.distributor_of:
        personas.add("distributor")
    return personas


def navigation(request):
    user = getattr(request, "user", None)
    personas = personas_for(user)
    if not personas:
        return {"nav_items": [], "personas": personas}
    items = []
    current = request.path
    for config in apps.get_app_configs():
        for label, url_name, allowed in getattr(config, "navigation", []):
            if not personas & set(allowed):
                continue
            try:
                url = reverse(url_name)
            except NoReverseMatch:
                continue
            items.append({"label": label, "url": url, "active": False})
    # Only the most specific entry is highlighted: "/partners/applications/" lights up
    # "Applications", not also "Partners" at "/partners/".
    matching = [
        i
        for i in items
        if current == i["url"] or (i["url"] != "/" and current.startswith(i["url"]))
    ]
    if matching:
        max(matching, key=lambda i: len(i["url"]))["active"] = True
    return {
        "nav_items": items,
        "personas": personas,
        "unread_notifications": unread_count(user),
    }
