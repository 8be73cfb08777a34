"""The person certification and certification import lists: filters, sort keys, CSV columns.
Rows come from the selectors, which enforce tenancy; these only narrow and order them."""

import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _

from partners.filters import PartnerScopedFilterSet, partner_filter
from prm.lists import Column, DayFilter, ListFilterSet, ListSpec, StableOrderingFilter

from .models import Certification, CertificationImport, PersonCertification
from .models.certifications import STATUS_PRIORITY
from .selectors import holding, search_person_certifications

DATE_INPUT = forms.DateInput(attrs={"type": "date"})
Status = PersonCertification.Status


class CertificationFilter(PartnerScopedFilterSet):
    search_fields = ("user__full_name", "user__email", "certification__name")

    status = django_filters.ChoiceFilter(choices=Status.choices, label=_("Status"))
    kind = django_filters.ChoiceFilter(
        field_name="certification__kind",
        choices=Certification.Kind.choices,
        label=_("Kind"),
        method="of_kind",
    )
    partner = partner_filter()
    expires_before = django_filters.DateFilter(
        field_name="expires_on", lookup_expr="lte", label=_("Expires by"), widget=DATE_INPUT
    )
    sort = StableOrderingFilter(
        fields=(
            ("person_name", "person"),
            ("partner__display_name", "partner"),
            ("certification_name", "certification"),
            ("office_name", "office"),
            ("earned_on", "earned"),
            ("expires_on", "expires"),
            ("status", "status"),
        ),
        default=(STATUS_PRIORITY, "expires_on"),
    )

    def of_kind(self, queryset, name, value):
        return holding(queryset, kind=value)

    def search(self, queryset, name, value):
        return search_person_certifications(queryset, value)


CERTIFICATION_COLUMNS = (
    Column(_("ID"), lambda pc: pc.pk, html=False),
    Column(_("Person"), lambda pc: pc.user.get_full_name(), sort="person"),
    Column(_("Email"), lambda pc: pc.user.email, html=False),
    Column(_("Partner"), lambda pc: pc.partner.display_name, sort="partner"),
    Column(_("Certification"), lambda pc: pc.certification.name, sort="certification"),
    Column(_("Kind"), lambda pc: pc.certification.get_kind_display(), html=False),
    Column(_("Office"), lambda pc: pc.office.name if pc.office else "", sort="office"),
    Column(_("Earned"), lambda pc: pc.earned_on, sort="earned"),
    Column(_("Expires"), lambda pc: pc.expires_on, sort="expires"),
    Column(_("Status"), lambda pc: pc.get_status_display(), sort="status"),
)

CERTIFICATION_LIST = ListSpec(
    filterset=CertificationFilter,
    columns=CERTIFICATION_COLUMNS,
    filename="certifications",
    page_size=50,
)


class CertificationImportFilter(ListFilterSet):
    search_fields = ("file_name",)

    status = django_filters.ChoiceFilter(
        choices=CertificationImport.Status.choices, label=_("Status")
    )
    date_from = DayFilter(
        field_name="created_at", lookup_expr="gte", label=_("From"), widget=DATE_INPUT
    )
    date_to = DayFilter(
        field_name="created_at", lookup_expr="lte", label=_("to"), widget=DATE_INPUT
    )
    sort = StableOrderingFilter(
        fields=(
            ("file_name", "file"),
            ("created_at", "when"),
            ("status", "status"),
            ("imported", "imported"),
            ("failed", "failed"),
        ),
        default=("-created_at",),
    )


CERTIFICATION_IMPORT_COLUMNS = (
    Column(_("ID"), lambda run: run.pk, html=False),
    Column(_("File"), lambda run: run.file_name, sort="file"),
    Column(_("When"), lambda run: run.created_at, sort="when"),
    Column(_("By"), lambda run: str(run.imported_by) if run.imported_by else "system"),
    Column(_("Status"), lambda run: run.get_status_display(), sort="status"),
    Column(_("Imported"), lambda run: run.imported, sort="imported"),
    Column(_("Unchanged"), lambda run: run.unchanged),
    Column(_("Failed"), lambda run: run.failed, sort="failed"),
)

CERTIFICATION_IMPORT_LIST = ListSpec(
    filterset=CertificationImportFilter,
    columns=CERTIFICATION_IMPORT_COLUMNS,
    filename="certification-imports",
)
