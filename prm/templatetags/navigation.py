"""``{% tab_class "app:url_name" %}``: the class of a button in a page's row of tabs, the
primary button for the tab of the page being shown (its URL, or a page under it) and the
secondary one for the others. ``exact=True`` for a tab whose URL is the prefix of the others
(an overview)."""

from django import template
from django.urls import reverse

register = template.Library()


@register.simple_tag(takes_context=True)
def tab_class(context, url_name: str, exact: bool = False) -> str:
    url = reverse(url_name)
    request = context.get("request")
    path = request.path if request is not None else ""
    current = path == url if exact else path.startswith(url)
    return "button" if current else "button secondary"
