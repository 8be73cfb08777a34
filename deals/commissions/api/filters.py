import django_filters
from django import forms
from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy as _

from deals.models import CommissionLine, Payout, Statement
from prm.api.filters import ChoicesFilter, IdFilter

PERIOD_HELP = _("Fiscal quarter, e.g. FY2026-Q3.")


class PeriodField(forms.CharField):
    default_validators = [
        RegexValidator(r"^FY[0-9]{4}-Q[1-4]$", _("A fiscal quarter such as FY2026-Q3."))
    ]


class PeriodFilter(django_filters.CharFilter):
    field_class = PeriodField


class LineFilter(django_filters.FilterSet):
    period = PeriodFilter(help_text=PERIOD_HELP)
    status = ChoicesFilter(choices=CommissionLine.Status.choices)
    kind = ChoicesFilter(choices=CommissionLine.Kind.choices)
    partner = IdFilter(field_name="partner_id", help_text=_("Partner id."))
    deal = IdFilter(field_name="deal_id", help_text=_("Deal registration id."))
    currency = django_filters.CharFilter(max_length=3, help_text=_("ISO 4217 code."))

    class Meta:
        model = CommissionLine
        fields = ["period", "status", "kind", "partner", "deal", "currency"]


class StatementFilter(django_filters.FilterSet):
    period = PeriodFilter(help_text=PERIOD_HELP)
    status = ChoicesFilter(choices=Statement.Status.choices)
    partner = IdFilter(field_name="partner_id", help_text=_("Partner id."))
    currency = django_filters.CharFilter(max_length=3, help_text=_("ISO 4217 code."))

    class Meta:
        model = Statement
        fields = ["period", "status", "partner", "currency"]


class PayoutFilter(django_filters.FilterSet):
    period = PeriodFilter(field_name="statement__period", help_text=PERIOD_HELP)
    partner = IdFilter(field_name="partner_id", help_text=_("Partner id."))
    statement = IdFilter(field_name="statement_id", help_text=_("Statement id."))
    paid_from = django_filters.DateFilter(field_name="paid_on", lookup_expr="gte")
    paid_to = django_filters.DateFilter(field_name="paid_on", lookup_expr="lte")

    class Meta:
        model = Payout
        fields = ["period", "partner", "statement", "paid_from", "paid_to"]
