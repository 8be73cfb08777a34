import datetime as dt

import django_filters
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from deals.models import DealConflict, DealRegistration, Lead, Opportunity
from prm.api.filters import ChoicesFilter, IdFilter


def _day_start(value: dt.date) -> dt.datetime:
    return dt.datetime.combine(value, dt.time.min, tzinfo=timezone.get_current_timezone())


class RegistrationFilter(django_filters.FilterSet):
    status = ChoicesFilter(choices=DealRegistration.Status.choices)
    partner = IdFilter(field_name="partner_id", help_text=_("Partner id."))
    created_from = django_filters.DateFilter(
        method="filter_created_from", help_text=_("Registered on or after this date.")
    )
    created_to = django_filters.DateFilter(
        method="filter_created_to", help_text=_("Registered on or before this date.")
    )
    external_ref = django_filters.CharFilter(help_text=_("The partner's own CRM reference."))

    class Meta:
        model = DealRegistration
        fields = ["status", "partner", "created_from", "created_to", "external_ref"]

    def filter_created_from(self, queryset, name, value):
        return queryset.filter(created_at__gte=_day_start(value))

    def filter_created_to(self, queryset, name, value):
        return queryset.filter(created_at__lt=_day_start(value + dt.timedelta(days=1)))


class ConflictFilter(django_filters.FilterSet):
    registration = IdFilter(field_name="registration_id", help_text=_("Registration id."))
    resolution = ChoicesFilter(choices=DealConflict.Resolution.choices)

    class Meta:
        model = DealConflict
        fields = ["registration", "resolution"]


class LeadFilter(django_filters.FilterSet):
    status = ChoicesFilter(choices=Lead.Status.choices)
    partner = IdFilter(field_name="partner_id", help_text=_("Partner id."))
    country = django_filters.CharFilter(lookup_expr="iexact")

    class Meta:
        model = Lead
        fields = ["status", "partner", "country"]


class OpportunityFilter(django_filters.FilterSet):
    stage = ChoicesFilter(choices=Opportunity.Stage.choices)
    account = django_filters.CharFilter(
        field_name="account__crm_id", help_text=_("CRM id of the account.")
    )

    class Meta:
        model = Opportunity
        fields = ["stage", "account"]
