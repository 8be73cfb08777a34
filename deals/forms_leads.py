"""Portal forms for leads and conflict resolution. They parse input; the rules and their
messages live in ``deals.leads.services`` and ``deals.conflicts``, whose error details are put
back on the fields by ``show_domain_error``."""

from django import forms
from django.utils.translation import gettext_lazy as _

from partners import fields as partner_fields
from partners.models import Region
from prm.countries import country_choices
from prm.exceptions import DomainError
from prm.forms import add_service_checks
from prm.money import CURRENCY_CHOICES, AmountFormField, default_currency

from .models import DealConflict, DealRegistration, Lead
from .services.fields import clean_registration_fields

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def show_domain_error(form: forms.Form, error: DomainError) -> None:
    """A service's refusal on the form: on the fields it names, otherwise above the form."""
    placed = False
    details = error.details if isinstance(error.details, dict) else {}
    for name, messages in details.items():
        if name in form.fields:
            for message in messages if isinstance(messages, list | tuple) else [messages]:
                form.add_error(name, str(message))
            placed = True
    if not placed:
        form.add_error(None, error.message)


def _countries():
    return [("", "—"), *country_choices()]


class LeadForm(forms.Form):
    company_name = forms.CharField(label=_("Company"), max_length=200)
    contact_name = forms.CharField(label=_("Contact"), max_length=150, required=False)
    contact_email = forms.EmailField(label=_("Contact email"), required=False)
    country = forms.ChoiceField(label=_("Country"), choices=_countries)
    region = forms.ChoiceField(
        label=_("Region"), choices=[("", "—"), *Region.choices], required=False
    )
    industry = forms.CharField(label=_("Industry"), max_length=80, required=False)
    specialty = forms.CharField(
        label=_("Specialty needed"),
        max_length=120,
        required=False,
        help_text=_("Routing rules with a specialty only pick partners that list it."),
    )
    description = forms.CharField(
        label=_("Description"), widget=forms.Textarea(attrs={"rows": 4}), required=False
    )
    estimated_amount = AmountFormField(label=_("Estimated amount"), required=False)
    currency = forms.ChoiceField(
        label=_("Currency"), choices=CURRENCY_CHOICES, initial=default_currency
    )
    route_now = forms.BooleanField(
        label=_("Route it now"),
        required=False,
        initial=True,
        help_text=_("Offer the lead at once through the routing rules."),
    )

    def lead_fields(self) -> dict:
        return {k: v for k, v in self.cleaned_data.items() if k != "route_now"}


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Required; it is kept with the decision."),
    )


class PartnerChoiceField(partner_fields.PartnerChoiceField):
    def label_from_instance(self, obj):
        tier = f" · {obj.tier}" if obj.tier_id else ""
        return f"{obj.display_name} ({obj.get_business_model_display()}{tier})"


class LeadOfferForm(forms.Form):
    partner = PartnerChoiceField(label=_("Offer to"), queryset=None)

    def __init__(self, *args, partners, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["partner"].queryset = partners


class LeadConvertForm(forms.Form):
    """The registration made from an accepted lead; starts from the lead's details."""

    customer_name = forms.CharField(label=_("End customer"), max_length=200)
    customer_domain = forms.CharField(label=_("Customer website"), max_length=253, required=False)
    contact_name = forms.CharField(label=_("Customer contact"), max_length=150, required=False)
    contact_email = forms.EmailField(label=_("Customer contact email"), required=False)
    country = forms.ChoiceField(label=_("Country"), choices=_countries)
    industry = forms.CharField(label=_("Industry"), max_length=80, required=False)
    estimated_amount = AmountFormField(label=_("Estimated amount"), allow_zero=False)
    currency = forms.ChoiceField(label=_("Currency"), choices=CURRENCY_CHOICES)
    expected_close_date = forms.DateField(
        label=_("Expected close date"),
        widget=DATE_INPUT,
        # The window is services.fields.EXPECTED_CLOSE_YEARS.
        help_text=_("From today up to five years ahead."),
    )
    engagement = forms.ChoiceField(
        label=_("Engagement"), choices=DealRegistration.Engagement.choices
    )
    notes = forms.CharField(
        label=_("Notes"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )

    def clean(self):
        data = super().clean()
        # The registration's own checks (a close date from today …) with the form's.
        accepted = {k: v for k, v in data.items() if k not in self.errors}
        add_service_checks(self, clean_registration_fields, accepted)
        return data

    @staticmethod
    def initial_for(lead: Lead) -> dict:
        return {
            "customer_name": lead.company_name,
            "contact_name": lead.contact_name,
            "contact_email": lead.contact_email,
            "country": lead.country,
            "industry": lead.industry,
            "estimated_amount": lead.estimated_amount,
            "currency": lead.currency,
            "notes": lead.description,
        }


class ConflictResolutionForm(forms.Form):
    # Radio buttons with none checked: the reviewer must choose; nothing is decided by default.
    resolution = forms.ChoiceField(
        label=_("Decision"),
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose a decision.")},
        help_text=_(
            "“First registered is protected” also rejects the later registration, with your reason."
        ),
    )
    reason = forms.CharField(
        label=_("Reason"),
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Required; the partner's manager and the audit trail keep it."),
    )

    def __init__(self, *args, conflict: DealConflict, **kwargs):
        kwargs.setdefault("prefix", f"conflict-{conflict.pk}")
        super().__init__(*args, **kwargs)
        from .conflicts import RESOLUTIONS_FOR

        kind = "registration" if conflict.existing_registration_id else "opportunity"
        allowed = RESOLUTIONS_FOR[kind]
        self.fields["resolution"].choices = [
            (value, label) for value, label in DealConflict.Resolution.choices if value in allowed
        ]
