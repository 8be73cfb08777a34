from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from partners.models import BusinessModel, Office, Partner
from prm.models import User
from prm.text import NameFormField

from .imports import MAX_FILE_BYTES
from .models import Certification, ReferenceImplementation, Role


class DateInput(forms.DateInput):
    input_type = "date"


class CatalogueFilterForm(forms.Form):
    role = forms.ChoiceField(
        label=_("Role"), required=False, choices=[("", _("Every role")), *Role.choices]
    )
    business_model = forms.ChoiceField(
        label=_("Business model"),
        required=False,
        choices=[("", _("Every business model")), *BusinessModel.choices],
    )
    kind = forms.ChoiceField(
        label=_("Certification kind"),
        required=False,
        choices=[("", _("Every kind")), *Certification.Kind.choices],
    )


class RecordCompletionForm(forms.Form):
    email = forms.EmailField(
        label=_("Person's email"), help_text=_("The person must belong to a partner.")
    )
    certification = forms.ModelChoiceField(
        label=_("Certification"), queryset=Certification.objects.order_by("name")
    )
    earned_on = forms.DateField(label=_("Earned on"), widget=DateInput)
    partner = forms.ModelChoiceField(
        label=_("Partner"),
        required=False,
        queryset=Partner.objects.order_by("display_name"),
        help_text=_("Only needed when the person belongs to several partners."),
    )
    office = forms.ModelChoiceField(
        label=_("Office"),
        required=False,
        queryset=Office.objects.select_related("partner").order_by("partner__display_name", "name"),
        help_text=_("Leave empty to use the person's office."),
    )
    external_id = forms.CharField(
        label=_("External id"),
        required=False,
        max_length=120,
        help_text=_("The learning system's id, if any: it makes the completion idempotent."),
    )

    def clean_earned_on(self):
        earned_on = self.cleaned_data["earned_on"]
        if earned_on > timezone.localdate():
            raise forms.ValidationError(_("The completion date cannot be in the future."))
        return earned_on

    def clean(self):
        # Only the person is found here; their partner and office are resolved by the service
        # (``services.resolve_holder``), the same for the portal, the API and the import.
        data = super().clean()
        email = data.get("email")
        if not email:
            return data
        data["user"] = User.objects.filter(email__iexact=email).first()
        if data["user"] is None:
            self.add_error("email", _("No person has this email address."))
        return data

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        return {
            "user": data["user"],
            "certification": data["certification"],
            "earned_on": data["earned_on"],
            "partner": data.get("partner"),
            "office": data.get("office"),
            "external_id": data.get("external_id", ""),
        }


class ImportForm(forms.Form):
    file = forms.FileField(
        label=_("CSV file"),
        help_text=_(
            "Columns: email, certification_code, earned_on (YYYY-MM-DD), external_id, office. "
            "At most 5 MB."
        ),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_FILE_BYTES:
            raise forms.ValidationError(_("The file is larger than 5 MB."))
        if not upload.name.lower().endswith((".csv", ".txt")):
            raise forms.ValidationError(_("Upload a .csv file."))
        return upload


class ReferenceForm(forms.ModelForm):
    customer_name = NameFormField(label=_("Customer"), max_length=200)
    evidence_url = forms.URLField(label=_("Evidence link"), required=False, assume_scheme="https")

    class Meta:
        model = ReferenceImplementation
        fields = ["customer_name", "scope", "completed_on", "evidence", "evidence_url"]
        widgets = {
            "completed_on": DateInput,
            "scope": forms.Textarea(attrs={"rows": 3}),
            "evidence": forms.Textarea(attrs={"rows": 4}),
        }
        help_texts = {
            "scope": _("What you delivered: products, users, integrations."),
            "evidence": _("How the outcome can be checked: customer contact, case study, go-live."),
        }

    def __init__(self, *args, partners=None, **kwargs):
        super().__init__(*args, **kwargs)
        if partners is not None and len(partners) > 1:
            self.fields["partner"] = forms.ModelChoiceField(
                label=_("Partner"),
                queryset=Partner.objects.filter(pk__in=[p.pk for p in partners]),
            )

    def clean_completed_on(self):
        completed_on = self.cleaned_data["completed_on"]
        if completed_on > timezone.localdate():
            raise forms.ValidationError(_("The completion date cannot be in the future."))
        return completed_on

    def clean(self):
        data = super().clean()
        if not (data.get("evidence", "").strip() or data.get("evidence_url", "").strip()):
            self.add_error("evidence", _("Describe the evidence or give a link to it."))
        return data


class ReferenceDecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[("approve", _("Approve")), ("reject", _("Reject"))],
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(
        label=_("Reason"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Required when rejecting; the partner sees it."),
    )

    def clean(self):
        data = super().clean()
        if data.get("decision") == "reject" and not data.get("reason", "").strip():
            self.add_error("reason", _("Say why the reference is rejected."))
        return data
