"""Choosing a partner in a form or a list filter, among the partners the user may choose from.

Over a small scope the choice is a select. Once the scope holds more than
``PARTNER_SELECT_LIMIT`` partners (program ops see every partner), a select of them all would
outweigh the page, so the field becomes a text box suggesting partners in the user's scope as
they type (``partners:lookup``). Either way the value is checked against the field's queryset,
so a partner outside the scope is an error.
"""

import re
from typing import TYPE_CHECKING

from django import forms
from django.core.exceptions import ValidationError
from django.forms.utils import flatatt
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from .models import Partner

PARTNER_SELECT_LIMIT = 300
PARTNER_WITH_ID = re.compile(r"\(#(\d+)\)\s*$")


def partner_label(partner: Partner) -> str:
    """How a typed partner is named: its name and id, never ambiguous."""
    return f"{partner.display_name} (#{partner.pk})"


class PartnerLookupInput(forms.TextInput):
    """A text box suggesting the partners in the user's scope as they type (``partners:lookup``
    fills its list), for scopes too large for a select."""

    def __init__(self):
        super().__init__(attrs={"autocomplete": "off", "placeholder": _("Type a partner's name")})

    def render(self, name, value, attrs=None, renderer=None):
        attrs = dict(attrs or {})
        options_id = f"{attrs.get('id', 'id_' + name)}-options"
        attrs.update(
            {
                "list": options_id,
                "hx-get": reverse("partners:lookup"),
                "hx-trigger": "input changed delay:250ms",
                "hx-target": f"#{options_id}",
                "hx-swap": "innerHTML",
            }
        )
        return format_html(
            '{}<datalist id="{}"></datalist>',
            super().render(name, value, attrs, renderer),
            options_id,
        )


class PartnerSelect(forms.Select):
    """The select of partners, written out in one go. The stock widget renders a template for
    each option: over a distributor's two hundred resellers that took longer than the rest of
    the list page it filters. Options carry no attributes but ``selected`` (a select's options
    do not inherit the select's), so the markup is the stock widget's."""

    def render(self, name, value, attrs=None, renderer=None):
        widget = self.get_context(name, value, attrs)["widget"]
        options = format_html_join(
            "\n",
            '<option value="{}"{}>{}</option>',
            (
                (option["value"], flatatt(option["attrs"]), option["label"])
                for _group, choices, _index in widget["optgroups"]
                for option in choices
            ),
        )
        return format_html(
            '<select name="{}"{}>\n{}\n</select>', widget["name"], flatatt(widget["attrs"]), options
        )


# The mixin goes before a ``ModelChoiceField``; typed as one so ``super()`` is known.
if TYPE_CHECKING:
    _ModelChoiceField = forms.ModelChoiceField
else:
    _ModelChoiceField = object


class TypedPartnerMixin(_ModelChoiceField):
    """For a ``ModelChoiceField`` of partners: accepts the partner's id (the select), "Name (#id)"
    (a suggestion) or its exact name when only one partner in scope carries it, and swaps the
    select for ``PartnerLookupInput`` when the queryset is too large for one."""

    widget: type[forms.Widget] | forms.Widget = PartnerSelect

    def to_python(self, value):
        text = str(value).strip() if value is not None else ""
        if not text or text.isdigit():
            return super().to_python(text)
        match = PARTNER_WITH_ID.search(text)
        if match:
            return super().to_python(match.group(1))
        named = list(self.queryset.filter(display_name__iexact=text)[:2])
        if len(named) == 1:
            return named[0]
        raise ValidationError(
            _("No single partner you can see is called “%(name)s”; pick one of the suggestions."),
            code="invalid_choice",
            params={"name": text},
        )

    # ``ModelChoiceField.queryset`` is bound to its own setter; this one dispatches to ours.
    queryset = property(
        lambda self: self._get_queryset(), lambda self, value: self._set_queryset(value)
    )

    def _set_queryset(self, queryset):
        # ModelChoiceField._set_queryset is Django's setter of ``queryset``; the stubs omit it.
        super()._set_queryset(queryset)  # type: ignore[misc]
        if queryset is not None and _too_many_for_a_select(queryset):
            self.widget = PartnerLookupInput()

    def prepare_value(self, value):
        # The text box shows a chosen partner by name, the way a suggestion names it.
        if isinstance(self.widget, PartnerLookupInput) and isinstance(value, Partner):
            return partner_label(value)
        return super().prepare_value(value)


def _too_many_for_a_select(queryset) -> bool:
    return queryset.order_by()[: PARTNER_SELECT_LIMIT + 1].count() > PARTNER_SELECT_LIMIT


class PartnerChoiceField(TypedPartnerMixin, forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.display_name
