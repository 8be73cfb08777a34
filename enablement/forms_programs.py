"""Forms for onboarding, joint business plans, the content library and business cases."""

from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from partners.models import BusinessModel, Tier
from prm.money import CURRENCY_CHOICES
from prm.periods import fiscal_year

from .content.uploads import UploadRejected, validate_upload
from .models import Asset, BusinessCaseModel, JointBusinessPlan, PlanTarget
from .programs.selectors import plan_fiscal_years

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
QUARTERS = [(q, f"Q{q}") for q in (1, 2, 3, 4)]


# --- Joint business plans ---------------------------------------------------------------------


def fiscal_year_choices() -> list[tuple[int, str]]:
    return [(year, f"FY{year}") for year in plan_fiscal_years()]


class PlanCreateForm(forms.Form):
    partner = forms.ModelChoiceField(queryset=None, label=_("Partner"))
    fiscal_year = forms.TypedChoiceField(coerce=int, label=_("Fiscal year"))
    title = forms.CharField(max_length=200, label=_("Title"))
    summary = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        label=_("Joint objectives"),
        help_text=_("Target market, white space and what success looks like this year."),
    )
    currency = forms.ChoiceField(choices=CURRENCY_CHOICES, label=_("Currency"))

    def __init__(self, *args, partners, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["partner"].queryset = partners
        if partners.count() == 1:
            self.fields["partner"].initial = partners.first()
        self.fields["fiscal_year"].choices = fiscal_year_choices()
        self.fields["fiscal_year"].initial = fiscal_year(timezone.localdate()).year
        self.fields["currency"].initial = JointBusinessPlan._meta.get_field("currency").default()


class PlanForm(forms.Form):
    title = forms.CharField(max_length=200, label=_("Title"))
    summary = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4}), required=False, label=_("Joint objectives")
    )


class TargetForm(forms.Form):
    # Blank first choices so the empty row of the formset posts as unchanged and is skipped.
    metric = forms.ChoiceField(choices=[("", "—"), *PlanTarget.Metric.choices], label=_("Metric"))
    description = forms.CharField(max_length=200, required=False, label=_("Detail"))
    target_value = forms.DecimalField(
        min_value=Decimal(0), max_digits=16, decimal_places=2, label=_("Target")
    )
    owner = forms.CharField(max_length=120, label=_("Owner"))
    due_quarter = forms.TypedChoiceField(choices=QUARTERS, coerce=int, initial=4, label=_("Due"))


class InitiativeForm(forms.Form):
    title = forms.CharField(max_length=200, label=_("Initiative"))
    description = forms.CharField(required=False, label=_("Description"))
    owner = forms.CharField(max_length=120, label=_("Owner"))
    starts_on = forms.DateField(widget=DATE_INPUT, label=_("Starts"))
    ends_on = forms.DateField(widget=DATE_INPUT, label=_("Ends"))

    def clean(self):
        data = super().clean()
        if data.get("starts_on") and data.get("ends_on") and data["ends_on"] < data["starts_on"]:
            self.add_error("ends_on", _("The initiative ends before it starts."))
        return data


class CheckInForm(forms.Form):
    id = forms.IntegerField(required=False, widget=forms.HiddenInput)
    scheduled_on = forms.DateField(widget=DATE_INPUT, label=_("Date"))
    agenda = forms.CharField(max_length=300, required=False, label=_("Agenda"))


TargetFormSet = forms.formset_factory(TargetForm, extra=1, can_delete=True)
InitiativeFormSet = forms.formset_factory(InitiativeForm, extra=1, can_delete=True)
CheckInFormSet = forms.formset_factory(CheckInForm, extra=1, can_delete=True)


def formset_rows(formset) -> list[dict]:
    """The filled, not deleted rows of a valid formset, in order."""
    return [
        {key: value for key, value in form.cleaned_data.items() if key != "DELETE"}
        for form in formset.forms
        if form.has_changed() and form.cleaned_data and not form.cleaned_data.get("DELETE")
    ]


class CheckInNotesForm(forms.Form):
    held_on = forms.DateField(widget=DATE_INPUT, label=_("Held on"))
    notes = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 6}),
        label=_("Notes"),
        help_text=_("Status to target, decisions, next steps and their owners."),
    )


# --- Content library --------------------------------------------------------------------------


class AssetForm(forms.Form):
    title = forms.CharField(max_length=200, label=_("Title"))
    description = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}), required=False, label=_("Description")
    )
    kind = forms.ChoiceField(choices=Asset.Kind.choices, label=_("Kind"))
    upload = forms.FileField(
        required=False,
        label=_("File"),
        help_text=_("PDF, PNG, JPEG, DOCX, PPTX or XLSX, up to 20 MB."),
    )
    external_url = forms.URLField(
        required=False,
        assume_scheme="https",
        label=_("External link"),
        help_text=_("For videos and hosted content."),
    )
    visible_to_tiers = forms.ModelMultipleChoiceField(
        queryset=Tier.objects.order_by("rank"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label=_("Tiers"),
        help_text=_("None checked: every tier."),
    )
    business_models = forms.MultipleChoiceField(
        choices=BusinessModel.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label=_("Business models"),
        help_text=_("None checked: every business model."),
    )
    co_brandable = forms.BooleanField(required=False, label=_("Partners may co-brand it"))
    published = forms.BooleanField(required=False, label=_("Published"))

    def clean_upload(self):
        upload = self.cleaned_data.get("upload")
        if upload:
            try:
                validate_upload(upload)
            except UploadRejected as exc:
                raise ValidationError(exc.message) from exc
        return upload

    def clean(self):
        data = super().clean()
        has_file, has_link = bool(data.get("upload")), bool(data.get("external_url"))
        if has_file == has_link and "upload" not in self.errors:
            raise ValidationError(_("Give either a file or an external link, not both."))
        if data.get("kind") == Asset.Kind.VIDEO and has_file:
            self.add_error("upload", _("Share videos as a link."))
        return data


# --- Business cases ---------------------------------------------------------------------------


class BusinessCaseForm(forms.Form):
    """The prospect's name and one number field per input of the model."""

    prospect_name = forms.CharField(max_length=200, label=_("Prospect"))

    def __init__(self, *args, model: BusinessCaseModel, partners, **kwargs):
        super().__init__(*args, **kwargs)
        self.model = model
        if partners.count() > 1:
            self.fields["partner"] = forms.ModelChoiceField(queryset=partners, label=_("For"))
        self.fields["currency"] = forms.ChoiceField(
            choices=CURRENCY_CHOICES, initial=model.currency, label=_("Currency")
        )
        for spec in model.inputs:
            minimum = spec.get("min")
            default = spec.get("default")
            self.fields[f"input_{spec['key']}"] = forms.DecimalField(
                label=spec["label"],
                help_text=spec.get("unit", ""),
                initial=default,
                # Left blank, a figure takes the model's default.
                required=default in (None, ""),
                min_value=Decimal(str(minimum)) if minimum not in (None, "") else None,
                max_digits=16,
                decimal_places=4,
            )

    def input_values(self) -> dict[str, str]:
        return {
            name.removeprefix("input_"): str(value)
            for name, value in self.cleaned_data.items()
            if name.startswith("input_") and value is not None
        }

    def add_service_errors(self, details: dict) -> None:
        for key, message in details.items():
            field = f"input_{key}" if f"input_{key}" in self.fields else None
            if key in self.fields:
                field = key
            self.add_error(field, message)
