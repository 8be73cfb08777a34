"""Portal forms. They parse input; the rules (and their error messages) live in ``services``,
whose ``InvalidDealData.details`` are put back on the fields by ``add_domain_errors``."""

from django import forms
from django.utils.translation import gettext_lazy as _

from partners.fields import PartnerChoiceField
from prm.countries import country_choices
from prm.forms import add_service_checks
from prm.money import CURRENCY_CHOICES, AmountFormField, default_currency

from .models import DealRegistration
from .services.fields import clean_registration_fields
from .services.outcome import clean_won_fields

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class DealRegistrationForm(forms.Form):
    """Register or edit a deal. ``partners`` are those the user may register for; with more
    than one (a distributor admin and its resellers) the user picks one."""

    partner = PartnerChoiceField(
        label=_("Registering for"),
        queryset=None,
        help_text=_("As a distributor you may register on behalf of one of your resellers."),
    )
    customer_name = forms.CharField(label=_("End customer"), max_length=200)
    customer_domain = forms.CharField(
        label=_("Customer website"),
        max_length=253,
        required=False,
        help_text=_("e.g. example.com; used to check whether the account is already protected."),
    )
    contact_name = forms.CharField(label=_("Customer contact"), max_length=150, required=False)
    contact_email = forms.EmailField(label=_("Customer contact email"), required=False)
    country = forms.ChoiceField(label=_("Country"))
    industry = forms.CharField(label=_("Industry"), max_length=80, required=False)
    product_lines = forms.CharField(
        label=_("Product lines"),
        required=False,
        help_text=_("Separate several with commas."),
    )
    estimated_amount = AmountFormField(label=_("Estimated amount"), allow_zero=False)
    currency = forms.ChoiceField(label=_("Currency"), choices=CURRENCY_CHOICES)
    expected_close_date = forms.DateField(
        label=_("Expected close date"),
        widget=DATE_INPUT,
        # The window is services.fields.EXPECTED_CLOSE_YEARS.
        help_text=_("From today up to five years ahead."),
    )
    sourcing = forms.ChoiceField(label=_("Sourcing"), choices=DealRegistration.Sourcing.choices)
    engagement = forms.ChoiceField(
        label=_("Engagement"), choices=DealRegistration.Engagement.choices
    )
    notes = forms.CharField(
        label=_("Notes"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    external_ref = forms.CharField(
        label=_("Your CRM reference"),
        max_length=100,
        required=False,
        help_text=_("Your own CRM's id for this opportunity; avoids duplicate imports."),
    )

    PRECHECK_FIELDS = ("customer_name", "customer_domain", "contact_email", "country", "partner")

    def __init__(self, *args, partners=None, registration: DealRegistration | None = None, **kw):
        if registration is not None:
            kw.setdefault("initial", initial_from(registration))
        else:
            kw["initial"] = {"currency": default_currency(), **kw.get("initial", {})}
        super().__init__(*args, **kw)
        self.fields["country"].choices = [("", "—"), *country_choices()]
        if registration is not None or partners is None or len(partners) < 2:
            del self.fields["partner"]
        else:
            self.fields["partner"].queryset = partners
        for name in self.PRECHECK_FIELDS:
            if name in self.fields:
                self.fields[name].widget.attrs["data-precheck"] = "1"

    def clean(self):
        data = super().clean()
        # The service's checks (an amount above zero, a close date from today …) on the fields
        # the form accepted, so that every problem shows at once rather than after a resubmit.
        accepted = {k: v for k, v in self._service_values(data).items() if k not in self.errors}
        add_service_checks(self, clean_registration_fields, accepted)
        return data

    def service_fields(self) -> dict:
        return self._service_values(self.cleaned_data)

    @staticmethod
    def _service_values(cleaned: dict) -> dict:
        data = {k: v for k, v in cleaned.items() if k != "partner"}
        if "product_lines" in data:
            lines = data["product_lines"] or ""
            data["product_lines"] = [p.strip() for p in lines.split(",") if p.strip()]
        return data


def initial_from(registration: DealRegistration) -> dict:
    return {
        "customer_name": registration.customer_name,
        "customer_domain": registration.customer_domain,
        "contact_name": registration.contact_name,
        "contact_email": registration.contact_email,
        "country": registration.country,
        "industry": registration.industry,
        "product_lines": ", ".join(registration.product_lines or []),
        "estimated_amount": registration.estimated_amount,
        "currency": registration.currency,
        "expected_close_date": registration.expected_close_date,
        "sourcing": registration.sourcing,
        "engagement": registration.engagement,
        "notes": registration.notes,
        "external_ref": registration.external_ref,
    }


class DecisionForm(forms.Form):
    APPROVE, REJECT, MORE_INFO = "approve", "reject", "more_info"
    decision = forms.ChoiceField(
        label=_("Decision"),
        widget=forms.RadioSelect,
        choices=[
            (APPROVE, _("Approve")),
            (REJECT, _("Reject")),
            (MORE_INFO, _("Ask for more information")),
        ],
    )
    reason = forms.CharField(
        label=_("Reason"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Required to reject or to ask for more information. The partner sees it."),
    )

    def clean(self):
        data = super().clean()
        if data.get("decision") in (self.REJECT, self.MORE_INFO) and not data.get("reason", ""):
            self.add_error("reason", _("Give the partner a reason."))
        return data


class OutcomeForm(forms.Form):
    outcome = forms.ChoiceField(
        label=_("Outcome"),
        widget=forms.RadioSelect,
        choices=[
            (DealRegistration.Status.WON, _("Won")),
            (DealRegistration.Status.LOST, _("Lost")),
        ],
    )
    closed_amount = AmountFormField(label=_("Closed amount"), required=False)
    closed_on = forms.DateField(label=_("Close date"), required=False, widget=DATE_INPUT)
    closed_products = forms.CharField(
        label=_("Products sold"), required=False, help_text=_("Separate several with commas.")
    )
    discount_amount = AmountFormField(label=_("Discount"), required=False)
    cost_amount = AmountFormField(label=_("Cost"), required=False)
    lost_reason = forms.CharField(
        label=_("Why was it lost?"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, registration: DealRegistration | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.registration = registration

    def clean(self):
        data = super().clean()
        if data.get("outcome") == DealRegistration.Status.WON:
            for name in ("closed_amount", "closed_on"):
                if data.get(name) is None and name not in self.errors:
                    self.add_error(name, _("Required for a won deal."))
            if self.registration is not None:
                # The service's checks (a close date not ahead, a discount within the amount).
                add_service_checks(
                    self,
                    lambda values: clean_won_fields(self.registration, **values),
                    {
                        "closed_amount": data.get("closed_amount"),
                        "closed_on": data.get("closed_on"),
                        "closed_products": [],
                        "discount": data.get("discount_amount"),
                        "cost": data.get("cost_amount"),
                    },
                )
        elif data.get("outcome") == DealRegistration.Status.LOST and not data.get("lost_reason"):
            self.add_error("lost_reason", _("Say why the deal was lost."))
        return data

    def service_fields(self) -> dict:
        data = dict(self.cleaned_data)
        data["closed_products"] = [
            p.strip() for p in data["closed_products"].split(",") if p.strip()
        ]
        return data


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}))


class OptionalReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class ExtensionDecisionForm(forms.Form):
    approve = forms.TypedChoiceField(
        label=_("Decision"),
        coerce=lambda value: value == "1",
        choices=[("1", _("Extend")), ("0", _("Refuse"))],
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(
        label=_("Reason"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Required to refuse."),
    )

    def clean(self):
        data = super().clean()
        if data.get("approve") is False and not data.get("reason"):
            self.add_error("reason", _("Give the partner a reason."))
        return data


class DealImportForm(forms.Form):
    MAX_BYTES = 5 * 1024 * 1024

    partner = PartnerChoiceField(label=_("Import for"), queryset=None)
    file = forms.FileField(
        label=_("CSV file"),
        help_text=_("UTF-8 CSV with a header row; at most 5 MB and 5,000 rows."),
    )
    submit = forms.BooleanField(
        label=_("Submit the imported registrations for review"), required=False, initial=True
    )

    def __init__(self, *args, partners, **kwargs):
        super().__init__(*args, **kwargs)
        if len(partners) < 2:
            del self.fields["partner"]
        else:
            self.fields["partner"].queryset = partners

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > self.MAX_BYTES:
            raise forms.ValidationError(_("The file is larger than 5 MB; split it."))
        return upload
