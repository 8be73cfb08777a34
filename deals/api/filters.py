import django_filters
from django.utils.translation import gettext_lazy as _

from deals.models import DealConflict, DealRegistration, Lead, Opportunity
from prm.api.filters import ChoicesFilter, IdFilter
from prm.lists import DayFilter


class RegistrationFilter(django_filters.FilterSet):
    status = ChoicesFilter(choices=DealRegistration.Status.choices)
    partner = IdFilter(field_name="partner_id", help_text=_("Partner id."))
    created_from = DayFilter(
        field_name="created_at",
        lookup_expr="gte",
        help_text=_("Registered on or after this date."),
    )
    created_to = DayFilter(
        field_name="created_at",
        lookup_expr="lte",
        help_text=_("Registered on or before this date."),
    )
    external_ref = django_filters.CharFilter(help_text=_("The partner's own CRM reference."))

    class Meta:
        model = DealRegistration
        fields = ["status", "partner", "created_from", "created_to", "external_ref"]


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
