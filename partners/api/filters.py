import django_filters
from django.utils.translation import gettext_lazy as _

from partners.models import Application, BusinessModel, Invitation, Partner, PartnerMembership
from prm.api.filters import ChoicesFilter, IdFilter


class PartnerFilter(django_filters.FilterSet):
    status = ChoicesFilter(choices=Partner.Status.choices)
    business_model = ChoicesFilter(choices=BusinessModel.choices)
    tier = IdFilter(field_name="tier_id", help_text=_("Tier id."))
    country = django_filters.CharFilter(
        field_name="hq_country", lookup_expr="iexact", help_text=_("Headquarters country code.")
    )
    channel_manager = IdFilter(
        field_name="channel_manager_id", help_text=_("User id of the channel account manager.")
    )
    parent_distributor = IdFilter(
        field_name="parent_distributor_id", help_text=_("Partner id of the distributor.")
    )

    class Meta:
        model = Partner
        fields = [
            "status",
            "business_model",
            "tier",
            "country",
            "channel_manager",
            "parent_distributor",
        ]


class MembershipFilter(django_filters.FilterSet):
    partner = IdFilter(field_name="partner_id", help_text=_("Partner id."))
    role = django_filters.ChoiceFilter(choices=PartnerMembership.Role.choices)

    class Meta:
        model = PartnerMembership
        fields = ["partner", "role"]


class InvitationFilter(django_filters.FilterSet):
    partner = IdFilter(field_name="partner_id", help_text=_("Partner id."))

    class Meta:
        model = Invitation
        fields = ["partner"]


class ApplicationFilter(django_filters.FilterSet):
    status = ChoicesFilter(choices=Application.Status.choices)
    business_model = ChoicesFilter(
        field_name="partner__business_model", choices=BusinessModel.choices
    )

    class Meta:
        model = Application
        fields = ["status", "business_model"]
