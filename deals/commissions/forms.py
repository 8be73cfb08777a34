"""Program-ops forms for commissions. They parse input; the rules and their messages live in the
services, whose refusals ``deals.forms.add_domain_errors`` puts back on the form."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from partners.models import BusinessModel, Region, Tier
from prm.columns import ColumnBoundForm
from prm.money import CURRENCY_CHOICES, AmountFormField, default_currency
from prm.text import NameFormField, refuse_invisible

from .exceptions import InvalidPeriod
from .models import (
    REVERSAL_REASON_LENGTH,
    CommissionPlan,
    CommissionRule,
    Payout,
    Spiff,
    Statement,
)
from .periods import commission_period, period_of
from .repcredit.models import RepTerritory
from .statements import validate_paid_on

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
RATE_HELP = _("A percentage: 12.5 means 12.5 %.")


def blank_choice(choices) -> list:
    return [("", _("Any")), *choices]


class PeriodField(forms.CharField):
    """A commission period such as ``FY2026-Q3``; cleaned to its canonical label."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 10)
        kwargs.setdefault("help_text", _("A fiscal quarter, e.g. FY2026-Q3."))
        super().__init__(**kwargs)

    def clean(self, value):
        value = super().clean(value)
        if not value:
            return value
        try:
            return commission_period(value).label
        except InvalidPeriod as exc:
            raise forms.ValidationError(exc.message, code="invalid") from None


def current_period_label() -> str:
    return period_of(timezone.localdate()).label


# --- Runs and statements -----------------------------------------------------------------------


class RunForm(forms.Form):
    period = PeriodField(label=_("Period to calculate"))


class StatementFilterForm(forms.Form):
    period = PeriodField(label=_("Period"), required=False)
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=blank_choice(Statement.Status.choices)
    )

    def criteria(self) -> dict:
        if not self.is_valid():
            return {}
        return {k: v for k, v in self.cleaned_data.items() if v}


class PayoutForm(ColumnBoundForm):
    column_models = (Payout,)
    column_exempt = ("amount",)

    amount = AmountFormField(label=_("Amount paid"))
    paid_on = forms.DateField(label=_("Paid on"), widget=DATE_INPUT, validators=[validate_paid_on])
    external_reference = forms.CharField(
        label=_("Payment reference"),
        max_length=120,
        validators=[refuse_invisible],
        help_text=_("The bank transfer or payment system's reference."),
    )


class LineReverseForm(forms.Form):
    reason = forms.CharField(
        label=_("Why will this line not be paid?"),
        max_length=REVERSAL_REASON_LENGTH,
        validators=[refuse_invisible],
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("The partner sees this reason with the line."),
    )


# --- Overrides ---------------------------------------------------------------------------------


class OverrideDecisionForm(forms.Form):
    APPROVE, REFUSE = "approve", "refuse"

    decision = forms.ChoiceField(
        label=_("Decision"), choices=[(APPROVE, _("Approve")), (REFUSE, _("Refuse"))]
    )
    reason = forms.CharField(label=_("Reason"), max_length=2000, widget=forms.TextInput)


class OverrideRequestForm(forms.Form):
    """A per-deal rate (percentage rules) or fee (flat rules) replacing the winning rule's."""

    value = forms.DecimalField(label=_("New rate (%)"), min_value=0, max_digits=7, decimal_places=4)
    reason = forms.CharField(
        label=_("Reason"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, rule: CommissionRule, **kwargs):
        super().__init__(*args, **kwargs)
        if rule.is_flat:
            self.fields["value"] = AmountFormField(label=_("New fee (%s)") % rule.currency)


# --- Plans and rules ---------------------------------------------------------------------------


class PlanForm(ColumnBoundForm):
    column_models = (CommissionPlan,)

    name = NameFormField(label=_("Name"), max_length=120)
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    effective_from = forms.DateField(label=_("In force from"), widget=DATE_INPUT)


class RuleForm(ColumnBoundForm):
    """A rule's selectors, what it pays and its floor. ``new_version`` adds the day the new
    version starts and what changed, for plans whose open version has paid lines."""

    column_models = (CommissionRule,)
    column_exempt = ("amount", "floor_amount")

    name = NameFormField(label=_("Name"), max_length=120)
    business_model = forms.ChoiceField(
        label=_("Business model"), required=False, choices=blank_choice(BusinessModel.choices)
    )
    tier = forms.ModelChoiceField(
        label=_("Tier"),
        required=False,
        queryset=Tier.objects.order_by("rank"),
        empty_label=_("Any"),
    )
    engagement = forms.ChoiceField(
        label=_("Engagement"),
        required=False,
        choices=blank_choice(CommissionRule.Engagement.choices),
    )
    sourcing = forms.ChoiceField(
        label=_("Sourcing"), required=False, choices=blank_choice(CommissionRule.Sourcing.choices)
    )
    product_line = forms.CharField(label=_("Product line"), max_length=80, required=False)
    kind = forms.ChoiceField(label=_("Pays"), choices=CommissionRule.Kind.choices)
    rate = forms.DecimalField(
        label=_("Rate (%)"), required=False, min_value=0, max_digits=7, decimal_places=4,
        help_text=RATE_HELP,
    )  # fmt: skip
    amount = AmountFormField(
        label=_("Flat fee"), required=False, help_text=_("Only for one-time referral fees.")
    )
    currency = forms.ChoiceField(
        label=_("Currency of the flat fee"), choices=CURRENCY_CHOICES, initial=default_currency
    )
    periods = forms.IntegerField(
        label=_("Residual periods"), min_value=1, initial=4, required=False,
        help_text=_("Only for residual commissions: the quarters it is paid for."),
    )  # fmt: skip
    floor_rate = forms.DecimalField(
        label=_("Floor rate (%)"), min_value=0, max_digits=7, decimal_places=4, initial=0,
        help_text=_("No override may go below it without program ops' approval."),
    )  # fmt: skip
    floor_amount = AmountFormField(
        label=_("Floor fee"), required=False, initial=0, help_text=_("For flat fees; 0 if none.")
    )
    priority = forms.IntegerField(
        label=_("Priority"), initial=0,
        help_text=_("Breaks ties between equally specific rules: higher wins."),
    )  # fmt: skip
    effective_from = forms.DateField(
        label=_("New version in force from"), required=False, widget=DATE_INPUT
    )
    notes = forms.CharField(label=_("What changed"), required=False, max_length=2000)

    SERVICE_FIELDS = (
        "name", "business_model", "tier", "engagement", "sourcing", "product_line", "kind",
        "rate", "amount", "currency", "periods", "floor_rate", "floor_amount", "priority",
    )  # fmt: skip

    def __init__(self, *args, new_version: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.new_version = new_version
        if new_version:
            self.fields["effective_from"].required = True
            self.fields["notes"].required = True
        else:
            del self.fields["effective_from"]
            self.fields["notes"].label = _("Note for the audit trail")

    @classmethod
    def initial_from(cls, rule: CommissionRule) -> dict:
        return {name: getattr(rule, name) for name in cls.SERVICE_FIELDS}

    def clean(self):
        data = super().clean()
        if data.get("floor_amount") is None:
            data["floor_amount"] = 0
        if data.get("periods") is None and "periods" not in self.errors:
            if data.get("kind") == CommissionRule.Kind.RESIDUAL_COMMISSION:
                self.add_error("periods", _("Give the quarters a residual commission is paid for."))
            data["periods"] = CommissionRule._meta.get_field("periods").default
        rate, amount = data.get("rate"), data.get("amount")
        if (rate is None) == (amount is None):
            raise forms.ValidationError(_("Give a rate or a flat fee (not both)."))
        # The same rules as the service's, placed on the fields they are about.
        if amount is not None and data.get("kind") != CommissionRule.Kind.ONE_TIME_FEE:
            self.add_error("amount", _("Only one-time referral fees can be flat."))
        if rate is not None and data.get("floor_rate") is not None and rate < data["floor_rate"]:
            self.add_error("rate", _("The rate is below the rule's floor."))
        if amount is not None and amount < data["floor_amount"]:
            self.add_error("amount", _("The fee is below the rule's floor."))
        return data

    def rule_fields(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.SERVICE_FIELDS}


class RemoveRuleForm(forms.Form):
    effective_from = forms.DateField(label=_("New version in force from"), required=False,
                                     widget=DATE_INPUT)  # fmt: skip
    notes = forms.CharField(label=_("Why"), max_length=2000, required=False)


# --- Spiffs ------------------------------------------------------------------------------------


class SpiffForm(ColumnBoundForm):
    column_models = (Spiff,)
    # The form's own bounds lie within the columns: 0-100 % with 4 decimals fits 7 digits.
    column_exempt = ("threshold_amount", "extra_rate")

    name = NameFormField(label=_("Name"), max_length=120)
    starts_on = forms.DateField(label=_("Starts"), widget=DATE_INPUT)
    ends_on = forms.DateField(label=_("Ends"), widget=DATE_INPUT)
    threshold_amount = AmountFormField(
        label=_("Minimum deal amount (%s)") % default_currency(),
        help_text=_("Won deals of at least this amount, converted at their close date, count."),
    )
    min_deals = forms.IntegerField(label=_("Minimum qualifying deals"), min_value=1, initial=1)
    extra_rate = forms.DecimalField(
        label=_("Extra (%)"), min_value=0, max_value=100, decimal_places=4,
        help_text=_("Added on top of every commission line of the winner for the period."),
        error_messages={"max_value": _("At most 100 %%."), "min_value": _("At least 0 %%."),
                        "max_decimal_places": _("At most 4 decimals.")},
    )  # fmt: skip
    tie_policy = forms.ChoiceField(
        label=_("When partners tie"), choices=Spiff.TiePolicy.choices, widget=forms.RadioSelect
    )

    FIELDS = ("name", "starts_on", "ends_on", "threshold_amount", "min_deals", "extra_rate",
              "tie_policy")  # fmt: skip

    def clean(self):
        data = super().clean()
        if data.get("starts_on") and data.get("ends_on") and data["ends_on"] < data["starts_on"]:
            self.add_error("ends_on", _("A spiff ends on or after the day it starts."))
        return data


# --- Rep territories and the rep credit report -------------------------------------------------


class RepTerritoryForm(ColumnBoundForm):
    column_models = (RepTerritory,)

    country = forms.CharField(
        label=_("Country"), required=False, max_length=2,
        help_text=_("Two-letter ISO code; takes precedence over a region."),
    )  # fmt: skip
    region = forms.ChoiceField(
        label=_("Region"), required=False, choices=blank_choice(Region.choices)
    )
    rep_name = NameFormField(label=_("Rep name"), max_length=150)
    rep_email = forms.EmailField(label=_("Rep email"))

    FIELDS = ("country", "region", "rep_name", "rep_email")


class RepCreditFilterForm(forms.Form):
    period = PeriodField(label=_("Period"))
