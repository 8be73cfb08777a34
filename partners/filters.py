"""List filters shared by pages that show rows of several partners: the partner (or reseller)
filter offers exactly the partners the user may see, so another partner's id is an error."""

import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _

from prm.lists import Column, ListFilterSet, ListSpec, StableOrderingFilter

from .fields import TypedPartnerMixin
from .forms import clean_country_code
from .models import Application, BusinessModel, Partner, Tier
from .selectors import partner_access, partners_visible_to


class CountryField(forms.CharField):
    """A country name or ISO code; anything else is an error, not an empty list."""

    def clean(self, value):
        value = super().clean(value)
        return clean_country_code(value) if value else ""


class CountryFilter(django_filters.CharFilter):
    field_class = CountryField


def _partners_in_scope(request):
    user = getattr(request, "user", None)
    if user is None:
        return Partner.objects.none()
    # A select shows names: not every partner's related rows and JSON columns, read into models
    # and thrown away on each page (a distributor's two hundred resellers, a CAM's book).
    partners = partners_visible_to(user).select_related(None).only("pk", "display_name")
    return partners.order_by("display_name", "pk")


class PartnerChoiceField(TypedPartnerMixin, django_filters.fields.ModelChoiceField):
    """A partner in the user's scope; typed with suggestions over a large scope."""


class PartnerFilter(django_filters.ModelChoiceFilter):
    """One partner in the user's scope; the scope check is the field's queryset."""

    field_class = PartnerChoiceField


def partner_filter(field_name: str = "partner", label=None):
    return PartnerFilter(
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
    country = CountryFilter(field_name="hq_country", label=_("Country"))
    distributor = partner_filter("parent_distributor", _("Distributor"))
    sort = StableOrderingFilter(
        fields=(
            ("display_name", "name"),
            ("business_model", "model"),
            ("tier__rank", "tier"),
            ("status", "status"),
            ("hq_country", "country"),
            ("channel_manager__full_name", "cam"),
            ("member_count", "users"),
            ("created_at", "joined"),
        ),
        default=("display_name",),
    )


PARTNER_COLUMNS = (
    Column(_("ID"), lambda p: p.pk, html=False),
    Column(_("Partner"), lambda p: p.display_name, sort="name"),
    Column(_("Legal name"), lambda p: p.legal_name, html=False),
    Column(_("Business model"), lambda p: p.get_business_model_display(), sort="model"),
    Column(_("Tier"), lambda p: p.tier.name if p.tier else "", sort="tier"),
    Column(_("Status"), lambda p: p.get_status_display(), sort="status"),
    Column(_("Country"), lambda p: p.hq_country, sort="country"),
    Column(
        _("CAM"),
        lambda p: p.channel_manager.get_full_name() if p.channel_manager else "",
        sort="cam",
    ),
    Column(
        _("Distributor"),
        lambda p: p.parent_distributor.display_name if p.parent_distributor else "",
    ),
    Column(_("Users"), lambda p: p.member_count, sort="users"),
    Column(_("Joined"), lambda p: p.created_at, sort="joined", html=False),
)

PARTNER_LIST = ListSpec(filterset=PartnerListFilter, columns=PARTNER_COLUMNS, filename="partners")


class ApplicationFilter(ListFilterSet):
    search_fields = (
        "partner__display_name",
        "partner__legal_name",
        "contact_name",
        "contact_email",
    )

    status = django_filters.ChoiceFilter(choices=Application.Status.choices, label=_("Status"))
    business_model = django_filters.ChoiceFilter(
        field_name="partner__business_model",
        choices=BusinessModel.choices,
        label=_("Business model"),
    )
    sort = StableOrderingFilter(
        fields=(
            ("partner__display_name", "company"),
            ("partner__business_model", "model"),
            ("partner__hq_country", "country"),
            ("customer_count", "customers"),
            ("technical_staff", "staff"),
            ("submitted_at", "submitted"),
            ("status", "status"),
        ),
        default=("-submitted_at",),
    )


APPLICATION_COLUMNS = (
    Column(_("ID"), lambda a: a.pk, html=False),
    Column(_("Company"), lambda a: a.partner.display_name, sort="company"),
    Column(_("Business model"), lambda a: a.partner.get_business_model_display(), sort="model"),
    Column(_("Country"), lambda a: a.partner.hq_country, sort="country"),
    Column(_("Contact"), lambda a: a.contact_name),
    Column(_("Contact email"), lambda a: a.contact_email, html=False),
    Column(_("Customers"), lambda a: a.customer_count, sort="customers"),
    Column(_("Tech staff"), lambda a: a.technical_staff, sort="staff"),
    Column(_("Submitted"), lambda a: a.submitted_at, sort="submitted"),
    Column(_("Status"), lambda a: a.get_status_display(), sort="status"),
    Column(
        _("CAM"),
        lambda a: a.partner.channel_manager.get_full_name() if a.partner.channel_manager else "",
    ),
)

APPLICATION_LIST = ListSpec(
    filterset=ApplicationFilter, columns=APPLICATION_COLUMNS, filename="applications"
)
