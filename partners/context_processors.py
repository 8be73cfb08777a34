from django.apps import apps
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

from prm.notifications import unread_action_count

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


# The program configuration area is one menu for ops, though its pages live in several apps.
PROGRAM_NAVIGATION = (
    _("Program"),
    [
        (_("Overview"), "program:index"),
        (_("Tiers"), "program:tier_list"),
        (_("Deal rules"), "program:deal_settings"),
        (_("Lead routing"), "program:routing_rule_list"),
        (_("Certification catalog"), "program:catalog"),
        (_("Agreements"), "program:agreement_list"),
        (_("Onboarding checklists"), "program:onboarding_list"),
        (_("Enablement settings"), "program:enablement_settings"),
        (_("Channel teams"), "program:team_list"),
    ],
    {"ops"},
)


def _program_entries(personas: set[str]):
    label, entries, allowed = PROGRAM_NAVIGATION
    if not personas & allowed:
        return []
    return [(label, [(item, name, allowed) for item, name in entries])]


def navigation(request):
    user = getattr(request, "user", None)
    personas = personas_for(user)
    if not personas or user is None:
        return {"nav_groups": [], "personas": personas}
    groups, items = [], []
    # An app's menu is named by its ``navigation_label`` (short: the bar holds every menu on one
    # line), else its verbose name.
    menus = [
        (getattr(c, "navigation_label", c.verbose_name), getattr(c, "navigation", []))
        for c in apps.get_app_configs()
    ]
    for verbose_name, entries in [*menus, *_program_entries(personas)]:
        group = {"label": verbose_name, "items": [], "active": False}
        for label, url_name, allowed in entries:
            if not personas & set(allowed):
                continue
            try:
                url = reverse(url_name)
            except NoReverseMatch:
                continue
            item = {"label": label, "url": url, "active": False}
            # Home stands on its own; the rest is grouped by app into menus.
            if url == "/":
                groups.append({"label": label, "items": [item], "active": False})
            else:
                group["items"].append(item)
            items.append((item, groups[-1] if url == "/" else group))
        if group["items"]:
            groups.append(group)
    # Only the most specific entry is highlighted: "/partners/applications/" lights up
    # "Applications", not also "Partners" at "/partners/".
    current = request.path
    matching = [
        (item, group)
        for item, group in items
        if current == item["url"] or (item["url"] != "/" and current.startswith(item["url"]))
    ]
    if matching:
        item, group = max(matching, key=lambda pair: len(pair[0]["url"]))
        item["active"] = group["active"] = True
    return {
        "nav_groups": groups,
        "personas": personas,
        "unread_notifications": unread_action_count(user),
    }
