"""List filters shared by pages that show rows of several partners: the partner (or reseller)
filter offers exactly the partners the user may see, so another partner's id is an error."""

import django_filters
from django.utils.translation import gettext_lazy as _

from prm.lists import ListFilterSet, StableOrderingFilter

from .models import BusinessModel, Partner, Tier
from .selectors import partner_access, partners_visible_to


def _partners_in_scope(request):
    user = getattr(request, "user", None)
    if user is None:
        return Partner.objects.none()
    return partners_visible_to(user).order_by("display_name", "pk")


def partner_filter(field_name: str = "partner", label=None):
    return django_filters.ModelChoiceFilter(
        field_name=field_name, label=label or _("Partner"), queryset=_partners_in_scope
    )


def sees_several_partners(user) -> bool:
    """Vendor staff and distributors choose among partners; a partner's own users do not."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    return user.is_internal or len(partner_access(user).partner_ids) > 1


class PartnerScopedFilterSet(ListFilterSet):
    """Drops the ``partner`` filter for people who only ever see their own partner."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "partner" in self.filters and not sees_several_partners(self.user):
            del self.filters["partner"]


class PartnerListFilter(ListFilterSet):
    search_fields = ("display_name", "legal_name", "website")

    status = django_filters.ChoiceFilter(choices=Partner.Status.choices, label=_("Status"))
    business_model = django_filters.ChoiceFilter(
        choices=BusinessModel.choices, label=_("Business model")
    )
    tier = django_filters.ModelChoiceFilter(queryset=Tier.objects.order_by("rank"), label=_("Tier"))
    country = django_filters.CharFilter(
        field_name="hq_country", method="filter_country", label=_("Country")
    )
    distributor = partner_filter("parent_distributor", _("Distributor"))
    sort = StableOrderingFilter(
        fields=(
            ("display_name", "name"),
            ("business_model", "model"),
            ("tier__rank", "tier"),
            ("status", "status"),
            ("hq_country", "country"),
            ("channel_manager__last_name", "cam"),
            ("member_count", "users"),
            ("created_at", "joined"),
        ),
        default=("display_name",),
    )

    def filter_country(self, queryset, name, value):
        return queryset.filter(hq_country=value.strip().upper())
