"""MDF portal forms. They parse input; the rules and their messages live in the services, whose
``InvalidMdfData.details`` are put back on the fields by ``add_domain_errors``."""

from functools import partial

from django import forms
from django.utils.translation import gettext_lazy as _

from partners.fields import PartnerChoiceField
from partners.models import BusinessModel
from prm.columns import ColumnBoundForm
from prm.forms import add_service_checks
from prm.money import AmountFormField
from prm.text import NameFormField

from .models import ActivityType, Claim, FundRequest, MdfSettings, ProofKind
from .requests.services import clean_request_fields

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
REASON_WIDGET = forms.Textarea(attrs={"rows": 3})


def error_text(form: forms.Form) -> str:
    """A form's errors as one sentence, for forms shown inline in a list."""
    return " ".join(str(e) for errors in form.errors.values() for e in errors)


class ActivityChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return _("%(name)s (up to %(share)s%% vendor share)") % {
            "name": obj.name,
            "share": f"{obj.max_vendor_share.normalize():f}",
        }


class FundRequestForm(ColumnBoundForm):
    """A new request or changes to a draft or returned one. ``partners`` are those the user
    may request for (a choice appears only with more than one); ``activities`` the menu open
    to them."""

    column_models = (FundRequest,)

    partner = PartnerChoiceField(label=_("Requesting for"), queryset=None)
    activity_type = ActivityChoiceField(label=_("Activity type"), queryset=None)
    title = NameFormField(label=_("Activity"), max_length=200)
    description = forms.CharField(label=_("Description"), widget=REASON_WIDGET, required=False)
    starts_on = forms.DateField(label=_("Starts"), widget=DATE_INPUT)
    ends_on = forms.DateField(label=_("Ends"), widget=DATE_INPUT)
    planned_cost = AmountFormField(label=_("Planned total cost"), allow_zero=False)
    partner_contribution = AmountFormField(
        label=_("Your contribution"), help_text=_("What your organisation pays itself.")
    )
    requested_amount = AmountFormField(
        label=_("Requested vendor amount"),
        help_text=_("At most the activity's vendor share of the planned cost."),
    )
    target_audience = forms.CharField(label=_("Target audience"), max_length=300, required=False)
    expected_leads = forms.IntegerField(
        label=_("Expected leads"), min_value=0, initial=0, required=False
    )
    expected_pipeline = AmountFormField(label=_("Expected pipeline"), required=False)

    SERVICE_FIELDS = (
        "activity_type",
        "title",
        "description",
        "starts_on",
        "ends_on",
        "planned_cost",
        "partner_contribution",
        "requested_amount",
        "target_audience",
        "expected_leads",
        "expected_pipeline",
    )

    def __init__(self, *args, partners=None, activities=None, request=None, partner=None, **kwargs):
        if request is not None:
            kwargs.setdefault(
                "initial", {name: getattr(request, name) for name in self.SERVICE_FIELDS}
            )
            partner = partner or request.partner
        super().__init__(*args, **kwargs)
        self.partner = partner
        if partners is None or len(partners) <= 1:
            del self.fields["partner"]
        else:
            self.fields["partner"].queryset = partners
        self.fields["activity_type"].queryset = activities

    def clean(self):
        data = super().clean()
        # The service's checks (the vendor share, the dates, the activity's menu) on the fields
        # the form accepted, so that every problem shows at once rather than after a resubmit.
        partner = data.get("partner") or self.partner
        if partner is not None:
            check = partial(clean_request_fields, partner)
            add_service_checks(self, check, self.service_fields())
        return data

    def service_fields(self) -> dict:
        data = {name: self.cleaned_data.get(name) for name in self.SERVICE_FIELDS}
        data["expected_pipeline"] = data["expected_pipeline"] or 0
        data["expected_leads"] = data["expected_leads"] or 0
        return data


class AmountDecisionForm(forms.Form):
    """Approve an amount in full or in part, return it for changes, or refuse it. Every answer
    but a full approval needs a reason, because the partner sees it."""

    APPROVE, RETURN = "approve", "return"
    REFUSE = "refuse"
    refuse_label = _("Refuse")
    full_approval_help = ""
    partial_reason = ""

    decision = forms.ChoiceField(label=_("Decision"), widget=forms.RadioSelect)
    approved_amount = AmountFormField(label=_("Approved amount"), required=False)
    reason = forms.CharField(
        label=_("Reason"),
        required=False,
        widget=REASON_WIDGET,
        help_text=_("Required unless you approve in full. The partner sees it."),
    )

    def __init__(self, *args, asked=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.asked = asked
        self.fields["decision"].choices = [
            (self.APPROVE, _("Approve")),
            (self.RETURN, _("Return for changes")),
            (self.REFUSE, self.refuse_label),
        ]
        self.fields["approved_amount"].help_text = self.full_approval_help

    def clean(self):
        data = super().clean()
        decision, amount = data.get("decision"), data.get("approved_amount")
        partial = amount is not None and self.asked is not None and amount < self.asked
        if decision in (self.RETURN, self.REFUSE) and not data.get("reason"):
            self.add_error("reason", _("Give the partner a reason."))
        elif decision == self.APPROVE and partial and not data.get("reason"):
            self.add_error("reason", self.partial_reason)
        return data


class RequestDecisionForm(AmountDecisionForm):
    REFUSE = "deny"
    refuse_label = _("Deny")
    full_approval_help = _("Blank approves the full amount requested; less is a partial approval.")
    partial_reason = _("Say why less than the request is approved.")


class ClaimForm(ColumnBoundForm):
    """The claim: what the activity cost and achieved, and one upload per proof the activity
    type requires (a proof already on file need not be uploaded again)."""

    column_models = (Claim,)

    actual_cost = AmountFormField(label=_("Actual total cost"))
    claimed_amount = AmountFormField(
        label=_("Claimed vendor amount"), help_text=_("At most the approved amount.")
    )
    leads = forms.IntegerField(label=_("Leads generated"), min_value=0, initial=0, required=False)
    pipeline = AmountFormField(label=_("Pipeline generated"), required=False)
    registrations = forms.ModelMultipleChoiceField(
        label=_("Deal registrations from this activity"),
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    notes = forms.CharField(label=_("Notes"), widget=REASON_WIDGET, required=False)

    def __init__(self, *args, required_proof=(), on_file=(), registrations=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["registrations"].queryset = registrations
        if registrations is not None and not registrations.exists():
            self.fields["registrations"].help_text = _(
                "None yet: the registrations you make from the day the activity starts are "
                "listed here, to credit it with the pipeline it brings."
            )
        self.fields["registrations"].label_from_instance = lambda deal: (
            f"{deal.customer_name} · {deal.currency} {deal.estimated_amount:,}"
        )
        labels = dict(ProofKind.choices)
        self.proof_kinds = list(required_proof)
        for kind in self.proof_kinds:
            self.fields[f"proof_{kind}"] = forms.FileField(label=labels.get(kind, kind))
        self.fields["proof_extra"] = forms.FileField(
            label=_("Other supporting file"), required=False
        )
        self.mark_on_file(on_file)

    def mark_on_file(self, on_file) -> None:
        """The proofs already on file need no upload. Called again once a post stored its
        files but could not submit the claim: the page then asks only for what is missing, and
        files chosen again would be stored twice."""
        for kind in self.proof_kinds:
            field = self.fields[f"proof_{kind}"]
            field.required = kind not in on_file
            field.help_text = (
                _("Already on file; upload again to add another.")
                if kind in on_file
                else _("PDF, PNG, JPEG, DOCX, PPTX or XLSX.")
            )
            if kind in on_file and self.is_bound:
                self.errors.pop(f"proof_{kind}", None)

    @property
    def proof_checklist(self) -> list[tuple[str, str]]:
        labels = dict(ProofKind.choices)
        return [(kind, labels.get(kind, kind)) for kind in self.proof_kinds]

    def service_fields(self) -> dict:
        data = {
            name: self.cleaned_data.get(name)
            for name in ("actual_cost", "claimed_amount", "leads", "pipeline", "notes")
        }
        data["pipeline"] = data["pipeline"] or 0
        data["leads"] = data["leads"] or 0
        data["registration_ids"] = [r.pk for r in self.cleaned_data.get("registrations") or []]
        return data

    def proof_uploads(self) -> list[tuple[str, str, object]]:
        """(form field, proof kind, uploaded file) for every file given; the extra file is
        filed with the invoices."""
        uploads = []
        for kind in self.proof_kinds:
            upload = self.cleaned_data.get(f"proof_{kind}")
            if upload:
                uploads.append((f"proof_{kind}", kind, upload))
        extra = self.cleaned_data.get("proof_extra")
        if extra:
            uploads.append(("proof_extra", ProofKind.INVOICE.value, extra))
        return uploads


class ClaimReviewForm(AmountDecisionForm):
    REFUSE = "reject"
    refuse_label = _("Reject")
    full_approval_help = _("Leave blank to approve the full claim; less is a partial approval.")
    partial_reason = _("Say why less than the claim is approved.")


class ExtensionRequestForm(forms.Form):
    until = forms.DateField(label=_("Claim by"), widget=DATE_INPUT)
    reason = forms.CharField(label=_("Reason"), widget=REASON_WIDGET)


class ExtensionDecisionForm(forms.Form):
    approve = forms.TypedChoiceField(
        label=_("Decision"),
        coerce=lambda value: value == "1",
        choices=[("1", _("Extend")), ("0", _("Refuse"))],
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(label=_("Reason"), required=False, max_length=2000)

    def clean(self):
        data = super().clean()
        if data.get("approve") is False and not data.get("reason"):
            self.add_error("reason", _("Give the partner a reason to refuse."))
        return data


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), required=False, widget=REASON_WIDGET)


class ActivityTypeForm(ColumnBoundForm):
    column_models = (ActivityType,)

    name = NameFormField(label=_("Name"), max_length=120)
    category = forms.ChoiceField(label=_("Category"), choices=ActivityType.Category.choices)
    description = forms.CharField(label=_("Description"), widget=REASON_WIDGET, required=False)
    max_vendor_share = forms.DecimalField(
        label=_("Largest vendor share (%)"),
        min_value=0.01,
        max_value=100,
        max_digits=5,
        decimal_places=2,
        help_text=_("The co-funding ratio: the vendor pays at most this share of the cost."),
    )
    required_proof = forms.MultipleChoiceField(
        label=_("Proof of performance required"),
        choices=ProofKind.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    business_models = forms.MultipleChoiceField(
        label=_("Open to business models"),
        choices=BusinessModel.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=_("None ticked: open to every business model."),
    )
    position = forms.IntegerField(label=_("Position in the menu"), min_value=0, initial=0)
    is_active = forms.BooleanField(label=_("Offered to partners"), required=False, initial=True)

    FIELDS = (
        "name",
        "category",
        "description",
        "max_vendor_share",
        "required_proof",
        "business_models",
        "position",
        "is_active",
    )

    def __init__(self, *args, activity=None, **kwargs):
        if activity is not None:
            kwargs.setdefault("initial", {name: getattr(activity, name) for name in self.FIELDS})
        super().__init__(*args, **kwargs)

    def service_fields(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.FIELDS}


class SettingsForm(forms.ModelForm):
    """The program settings; saved through ``update_settings`` (audited), never ``save()``."""

    class Meta:
        model = MdfSettings
        fields = (
            "carry_over",
            "carry_over_days",
            "carry_over_cap",
            "execute_window_days",
            "claim_window_days",
            "ops_approval_threshold",
            "decision_days",
            "expiring_soon_days",
            "proof_max_bytes",
        )

    def service_fields(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.Meta.fields}


class AllocationForm(forms.Form):
    amount = AmountFormField(label=_("Amount"))
    reason = forms.CharField(
        label=_("Reason"),
        widget=REASON_WIDGET,
        max_length=500,
        help_text=_("Recorded on the ledger and sent to the partner's administrators."),
    )


class PartnerSearchForm(forms.Form):
    q = forms.CharField(label=_("Partner"), max_length=200, required=False)


class PaymentBatchForm(forms.Form):
    """The shared fields of a bulk payment; the rows come from the ticked checkboxes."""

    paid_on = forms.DateField(label=_("Paid on"), widget=DATE_INPUT)
    reference = forms.CharField(
        label=_("Payment reference"),
        max_length=120,
        help_text=_("Used for every ticked row that has no reference of its own."),
        required=False,
    )


class RequestFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("Any status")), *FundRequest.Status.choices],
    )
    q = forms.CharField(label=_("Search"), required=False, max_length=200)
    # One partner's requests (the partner page links here); the list stays in the user's scope.
    partner = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)
