"""Filters of the partner-side commission pages (program ops' forms are in ``forms``); they
parse the query string only."""

from django import forms
from django.utils.translation import gettext_lazy as _

from partners.fields import PartnerChoiceField

from .models import CommissionLine, Statement


class LineFilterForm(forms.Form):
    """Period, status and (for users who see several partners) partner. ``periods`` are the
    periods with lines in the user's scope; ``partners`` the partners the user may see."""

    STATUS_CHOICES = CommissionLine.Status.choices

    partner = PartnerChoiceField(label=_("Partner"), queryset=None, required=False)
    period = forms.ChoiceField(label=_("Period"), required=False)
    status = forms.ChoiceField(label=_("Status"), required=False)

    def __init__(self, data=None, *, partners, periods, **kwargs):
        super().__init__(data, **kwargs)
        if partners.order_by()[:2].count() < 2:  # one partner: no choice (not a full count)
            del self.fields["partner"]
        else:
            self.fields["partner"].queryset = partners
        self.fields["period"].choices = [("", _("All periods")), *((p, p) for p in periods)]
        self.fields["status"].choices = [("", _("Every status")), *self.STATUS_CHOICES]

    def filters(self) -> dict:
        """The valid filters, empty values dropped."""
        data = self.cleaned_data if self.is_valid() else {}
        return {key: value for key, value in data.items() if value}


class PartnerStatementFilterForm(LineFilterForm):
    STATUS_CHOICES = Statement.Status.choices
