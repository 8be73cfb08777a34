"""The deal, review queue, lead and import lists: their filters, sort keys and CSV columns.

The rows come from the selectors (``deals_visible_to``, ``review_queue``, ``leads_visible_to``,
``imports_visible_to``), which enforce tenancy; these only narrow and order them.
"""

import django_filters
from django import forms
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from partners.filters import CountryFilter, PartnerScopedFilterSet, partner_filter
from prm.lists import Column, DayFilter, ListSpec, StableOrderingFilter

from .models import DealImport, DealRegistration, Lead

DATE_INPUT = forms.DateInput(attrs={"type": "date"})


class DateRangeForm(forms.Form):
    """Refuses a range whose end comes before its start, instead of showing nothing."""

    def clean(self):
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", _("The end of the range is before its start."))
        return data


def _date_filters(field: str, label_from, label_to="to"):
    return (
        DayFilter(field_name=field, lookup_expr="gte", label=label_from, widget=DATE_INPUT),
        DayFilter(field_name=field, lookup_expr="lte", label=_(label_to), widget=DATE_INPUT),
    )


def _user(user) -> str:
    return str(user) if user is not None else ""


# --- Deal registrations ------------------------------------------------------------------------


class DealFilter(PartnerScopedFilterSet):
    search_fields = ("customer_name", "customer_domain", "external_ref")

    status = django_filters.ChoiceFilter(choices=DealRegistration.Status.choices, label=_("Status"))
    partner = partner_filter()
    date_from, date_to = _date_filters("created_at", _("Registered from"))
    sort = StableOrderingFilter(
        fields=(
            ("customer_name", "customer"),
            ("partner__display_name", "partner"),
            ("estimated_amount", "amount"),
            ("status", "status"),
            ("created_at", "registered"),
            ("expected_close_date", "close"),
            ("protected_until", "protected"),
        ),
        default=("-created_at",),
    )

    class Meta:
        form = DateRangeForm


DEAL_COLUMNS = (
    Column(_("ID"), lambda d: d.pk, html=False),
    Column(_("Customer"), lambda d: d.customer_name, sort="customer"),
    Column(_("Customer domain"), lambda d: d.customer_domain, html=False),
    Column(_("CRM reference"), lambda d: d.external_ref, html=False),
    Column(_("Partner"), lambda d: d.partner.display_name, sort="partner"),
    Column(
        _("Distributor"), lambda d: d.distributor.display_name if d.distributor else "", html=False
    ),
    Column(_("Amount"), lambda d: d.estimated_amount, sort="amount"),
    Column(_("Currency"), lambda d: d.currency, html=False),
    Column(_("Status"), lambda d: d.get_status_display(), sort="status"),
    Column(_("Registered"), lambda d: d.created_at, sort="registered"),
    Column(_("Expected close"), lambda d: d.expected_close_date, sort="close"),
    Column(_("Protected until"), lambda d: d.protected_until, sort="protected"),
    Column(_("Registered by"), lambda d: _user(d.registered_by), html=False),
)

DEAL_LIST = ListSpec(filterset=DealFilter, columns=DEAL_COLUMNS, filename="deal-registrations")


# --- Review queue ------------------------------------------------------------------------------


class QueueFilter(PartnerScopedFilterSet):
    search_fields = ("customer_name", "customer_domain", "partner__display_name")

    status = django_filters.ChoiceFilter(
        choices=[(s.value, s.label) for s in DealRegistration.PENDING_STATUSES],
        label=_("Waiting on"),
    )
    partner = partner_filter()
    # A choice, not a boolean: a boolean field reads "maybe" as "any" without a word.
    breached = django_filters.ChoiceFilter(
        method="filter_breached",
        label=_("SLA"),
        choices=[("yes", _("Breached")), ("no", _("On time"))],
    )
    sort = StableOrderingFilter(
        fields=(
            ("sla_due_at", "due"),
            ("customer_name", "customer"),
            ("partner__display_name", "partner"),
            ("estimated_amount", "amount"),
            ("first_submitted_at", "first"),
            ("open_conflict_count", "conflicts"),
        ),
        # Waiting for the vendor first, by due time; then those waiting for the partner.
        default=("waiting_on_partner", F("sla_due_at").asc(nulls_last=True)),
    )

    def filter_breached(self, queryset, name, value):
        # The same rule as ``DealRegistration.sla_breached``, as a query.
        breached = Q(status=DealRegistration.Status.SUBMITTED, sla_due_at__lt=timezone.now())
        return queryset.filter(breached) if value == "yes" else queryset.exclude(breached)


QUEUE_COLUMNS = (
    Column(_("ID"), lambda d: d.pk, html=False),
    Column(_("Due"), lambda d: d.sla_due_at, sort="due"),
    Column(_("Customer"), lambda d: d.customer_name, sort="customer"),
    Column(_("Country"), lambda d: d.country, html=False),
    Column(_("Partner"), lambda d: d.partner.display_name, sort="partner"),
    Column(_("Amount"), lambda d: d.estimated_amount, sort="amount"),
    Column(_("Currency"), lambda d: d.currency, html=False),
    Column(_("Status"), lambda d: d.get_status_display(), html=False),
    Column(_("First registered"), lambda d: d.first_submitted_at, sort="first"),
    Column(_("Open conflicts"), lambda d: d.open_conflict_count, sort="conflicts"),
    Column(_("SLA breached"), lambda d: d.sla_breached, html=False),
)

QUEUE_LIST = ListSpec(filterset=QueueFilter, columns=QUEUE_COLUMNS, filename="review-queue")


# --- Leads -------------------------------------------------------------------------------------


class LeadFilter(PartnerScopedFilterSet):
    search_fields = ("company_name", "contact_name", "contact_email")

    status = django_filters.ChoiceFilter(choices=Lead.Status.choices, label=_("Status"))
    partner = partner_filter()
    country = CountryFilter(label=_("Country"))
    date_from, date_to = _date_filters("created_at", _("Created from"))
    sort = StableOrderingFilter(
        fields=(
            ("company_name", "company"),
            ("partner__display_name", "partner"),
            ("estimated_amount", "amount"),
            ("status", "status"),
            ("accept_by", "accept_by"),
            ("created_at", "created"),
        ),
        default=("-created_at",),
    )

    class Meta:
        form = DateRangeForm

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        user = self.user
        if user is not None and not getattr(user, "is_internal", False):
            # A lead not passed to a partner yet is the vendor's; partners never hold one.
            self.filters["status"].extra["choices"] = [
                choice for choice in Lead.Status.choices if choice[0] != Lead.Status.NEW
            ]


LEAD_COLUMNS = (
    Column(_("ID"), lambda lead: lead.pk, html=False),
    Column(_("Company"), lambda lead: lead.company_name, sort="company"),
    Column(_("Contact"), lambda lead: lead.contact_name, html=False),
    Column(_("Country"), lambda lead: lead.country),
    Column(
        _("Partner"),
        lambda lead: lead.partner.display_name if lead.partner else "",
        sort="partner",
    ),
    Column(_("Amount"), lambda lead: lead.estimated_amount, sort="amount"),
    Column(_("Currency"), lambda lead: lead.currency, html=False),
    Column(_("Status"), lambda lead: lead.get_status_display(), sort="status"),
    Column(_("Accept by"), lambda lead: lead.accept_by, sort="accept_by"),
    Column(_("Created"), lambda lead: lead.created_at, sort="created"),
)

LEAD_LIST = ListSpec(filterset=LeadFilter, columns=LEAD_COLUMNS, filename="leads")


# --- Deal imports ------------------------------------------------------------------------------


class DealImportFilter(PartnerScopedFilterSet):
    search_fields = ("filename",)

    status = django_filters.ChoiceFilter(choices=DealImport.Status.choices, label=_("Status"))
    partner = partner_filter()
    date_from, date_to = _date_filters("created_at", _("Uploaded from"))
    sort = StableOrderingFilter(
        fields=(
            ("filename", "file"),
            ("partner__display_name", "partner"),
            ("status", "status"),
            ("created_at", "uploaded"),
        ),
        default=("-created_at",),
    )

    class Meta:
        form = DateRangeForm


DEAL_IMPORT_COLUMNS = (
    Column(_("ID"), lambda i: i.pk, html=False),
    Column(_("File"), lambda i: i.filename, sort="file"),
    Column(_("Partner"), lambda i: i.partner.display_name, sort="partner"),
    Column(_("Uploaded by"), lambda i: _user(i.uploaded_by)),
    Column(_("Status"), lambda i: i.get_status_display(), sort="status"),
    Column(_("Rows"), lambda i: i.row_count),
    Column(_("Created"), lambda i: i.created_count),
    Column(_("Duplicates"), lambda i: i.duplicate_count),
    Column(_("Failed"), lambda i: i.failed_count),
    Column(_("Uploaded"), lambda i: i.created_at, sort="uploaded"),
)

DEAL_IMPORT_LIST = ListSpec(
    filterset=DealImportFilter, columns=DEAL_IMPORT_COLUMNS, filename="deal-imports"
)
