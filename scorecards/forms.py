from django import forms
from django.utils.translation import gettext_lazy as _

from partners.models import Tier
from prm.columns import ColumnBoundForm

from .models import TierProposal, TierReview, TierReviewSettings
from .review.selectors import parse_quarter
from .review.services import SETTING_FIELDS

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class StartReviewForm(forms.Form):
    quarter = forms.CharField(
        label=_("Fiscal quarter"),
        max_length=10,
        help_text=_("A closed quarter, e.g. FY2026-Q3."),
    )

    def clean_quarter(self):
        try:
            return parse_quarter(self.cleaned_data["quarter"]).label
        except ValueError:
            raise forms.ValidationError(_("Enter a fiscal quarter such as FY2026-Q3.")) from None


class ProposalFilterForm(forms.Form):
    action = forms.ChoiceField(
        label=_("Action"),
        required=False,
        choices=[("", _("Any action")), *TierProposal.Action.choices],
    )
    tier = forms.ModelChoiceField(
        label=_("Tier (current or proposed)"),
        required=False,
        queryset=Tier.objects.order_by("rank"),
        empty_label=_("Any tier"),
    )
    decision = forms.ChoiceField(
        label=_("Decision"),
        required=False,
        choices=[("", _("Any decision")), *TierProposal.Decision.choices],
    )
    applied = forms.ChoiceField(
        label=_("Applied"),
        required=False,
        choices=[("", _("Either")), ("yes", _("Applied")), ("no", _("Not applied"))],
    )

    def filters(self) -> dict:
        if not self.is_valid():
            return {}
        data = self.cleaned_data
        applied = {"yes": True, "no": False}.get(data.get("applied") or "")
        return {
            "action": data.get("action") or "",
            "tier": data.get("tier"),
            "decision": data.get("decision") or "",
            "applied": applied,
        }


class DecisionForm(ColumnBoundForm):
    """Approve, or override with a reason (and the tier to apply instead)."""

    APPROVE, OVERRIDE, APPLY = "approve", "override", "apply"
    column_models = (TierProposal,)
    op = forms.ChoiceField(
        label=_("Decision"),
        widget=forms.RadioSelect,
        choices=[(APPROVE, _("Approve")), (OVERRIDE, _("Override"))],
    )
    override_tier = forms.ModelChoiceField(
        label=_("Tier instead"),
        required=False,
        queryset=Tier.objects.order_by("rank"),
        empty_label=_("Keep the current tier"),
    )
    decision_reason = forms.CharField(
        label=_("Reason"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Required to override."),
    )

    def clean(self):
        data = super().clean()
        if data.get("op") == self.OVERRIDE and not (data.get("decision_reason") or "").strip():
            self.add_error("decision_reason", _("Give a reason for the override."))
        return data


class BulkForm(DecisionForm):
    """A decision, or applying, for the selected proposals (or every one the filters match)."""

    op = forms.ChoiceField(
        label=_("Action"),
        choices=[
            (DecisionForm.APPROVE, _("Approve")),
            (DecisionForm.OVERRIDE, _("Override")),
            (DecisionForm.APPLY, _("Apply decided")),
        ],
    )
    effective_on = forms.DateField(
        label=_("Effective from"),
        required=False,
        widget=DATE_INPUT,
        help_text=_("When applying; the day after the quarter by default."),
    )
    all_matching = forms.BooleanField(label=_("Every proposal the filters match"), required=False)


class ApplyForm(forms.Form):
    effective_on = forms.DateField(label=_("Effective from"), widget=DATE_INPUT)

    def __init__(self, *args, review: TierReview | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        if review is not None:
            self.fields["effective_on"].initial = review.effective_on


class TierReviewSettingsForm(forms.ModelForm):
    """The quarterly review's policy: how criteria weigh, what qualifies, the grace period and
    whether promotions apply without approval."""

    class Meta:
        model = TierReviewSettings
        fields = list(SETTING_FIELDS)
        help_texts = {
            "certification_weight": _(
                "How much each certification criterion counts (certified people, every office "
                "or region covered, specialties) against the others."
            ),
            "reference_weight": _("How much approved reference implementations count."),
            "revenue_weight": _("How much partner-sourced revenue counts."),
            "deals_weight": _("How much the number of won deals counts."),
            "qualifying_percent": _(
                "A partner qualifies for a tier when the criteria it meets reach this share of "
                "the tier's weighted criteria."
            ),
            "certifications_required": _(
                "Also require every certification criterion of the tier, whatever the share."
            ),
            "grace_reviews": _(
                "A partner below its tier's requirements is warned; a demotion is proposed once "
                "it has been below them this many reviews in a row and is still below."
            ),
            "auto_apply_promotions": _(
                "Promotions take effect when the review finishes. Demotions always wait for "
                "program operations' approval."
            ),
        }
