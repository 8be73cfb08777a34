"""Forms of the program configuration pages. Each field's help text says in one line what the
setting does; the services refuse the combinations that cannot work."""

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from prm.models import ChannelTeam, User

from ..models import Agreement, BusinessModel, Tier, TierRequirement
from .services import RequirementRow

PERCENT = Decimal(100)


class TierForm(forms.ModelForm):
    benefits = forms.CharField(
        label=_("Benefits"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("One benefit per line, shown to partners on the tiers page."),
    )
    # Entered in percent, as every page shows it; stored as the share (2 % is 0.0200).
    mdf_accrual_percent = forms.DecimalField(
        label=_("MDF accrual (%)"),
        min_value=0,
        max_value=100,
        max_digits=6,
        decimal_places=2,
        help_text=_("Percent of won revenue accrued to the partner's MDF fund (2 is 2 %)."),
    )

    class Meta:
        model = Tier
        fields = [
            "name",
            "rank",
            "description",
            "benefits",
            "mdf_accrual_percent",
            "commission_multiplier",
        ]
        widgets = {"description": forms.Textarea(attrs={"rows": 2})}
        help_texts = {
            "name": _("The tier's name as partners see it."),
            "rank": _("Higher rank is a higher tier; the tier review promotes by rank."),
            "description": _("A sentence shown under the name on the tiers page."),
            "commission_multiplier": _(
                "Multiplies every commission rate for partners in this tier (1.000: unchanged)."
            ),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            rate = Decimal(self.instance.mdf_accrual_rate or 0)
            self.initial["mdf_accrual_percent"] = (rate * PERCENT).normalize()
            multiplier = Decimal(self.instance.commission_multiplier or 0)
            self.initial["commission_multiplier"] = multiplier.normalize()
        if self.instance.pk and not self.is_bound:
            self.initial["benefits"] = "\n".join(str(b) for b in self.instance.benefits or [])

    def clean(self):
        data = super().clean()
        if data.get("mdf_accrual_percent") is not None:
            data["mdf_accrual_rate"] = data["mdf_accrual_percent"] / PERCENT
        return data

    def clean_benefits(self) -> list[str]:
        text = self.cleaned_data.get("benefits") or ""
        return [line.strip() for line in text.splitlines() if line.strip()]

    def validate_unique(self):
        # The service checks uniqueness with everything else, and reports it on the field.
        pass


class RequirementForm(forms.Form):
    metric = forms.ChoiceField(
        label=_("Metric"),
        choices=[("", "—"), *TierRequirement.Metric.choices],
        required=False,
        help_text=_("What is measured for each partner."),
    )
    threshold = forms.DecimalField(
        label=_("Threshold"),
        max_digits=14,
        decimal_places=2,
        min_value=0,
        required=False,
        help_text=_("The partner meets the requirement at this value or above."),
    )
    weight = forms.IntegerField(
        label=_("Weight"),
        min_value=1,
        max_value=100,
        initial=1,
        help_text=_("How much this criterion counts in scorecards and the review's ranking."),
    )
    position = forms.IntegerField(
        label=_("Order"), min_value=0, initial=0, help_text=_("Lower numbers are listed first.")
    )

    def clean(self):
        data = super().clean()
        if data.get("metric") and data.get("threshold") is None:
            self.add_error("threshold", _("Give a threshold for this metric."))
        return data

    def row(self) -> RequirementRow | None:
        data = self.cleaned_data
        if not data or data.get("DELETE") or not data.get("metric"):
            return None
        return RequirementRow(
            metric=data["metric"],
            threshold=data["threshold"],
            weight=data.get("weight") or 1,
            position=data.get("position") or 0,
        )


RequirementFormSet = forms.formset_factory(RequirementForm, extra=2, can_delete=True)


def requirement_initial(tier: Tier | None) -> list[dict]:
    if tier is None or tier.pk is None:
        return []
    return [
        {"metric": r.metric, "threshold": r.threshold, "weight": r.weight, "position": r.position}
        for r in tier.requirements.order_by("position", "pk")
    ]


class AgreementForm(forms.ModelForm):
    class Meta:
        model = Agreement
        fields = ["version", "title", "body", "effective_at"]
        widgets = {
            "body": forms.Textarea(attrs={"rows": 12}),
            "effective_at": forms.DateTimeInput(attrs={"type": "datetime-local"}),
        }
        help_texts = {
            "version": _("A label partners see beside their acceptance, e.g. 2027.1."),
            "title": _("The agreement's title."),
            "body": _("The full text partner admins read and accept."),
            "effective_at": _(
                "From this moment the version is current and every partner must accept it again."
            ),
        }

    def validate_unique(self):
        pass


class ChannelTeamForm(forms.ModelForm):
    business_models = forms.MultipleChoiceField(
        label=_("Business models served"),
        choices=BusinessModel.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Partners of these models are aligned to this team; each model has one team."),
    )

    class Meta:
        model = ChannelTeam
        fields = ["name", "segment", "lead", "business_models"]
        help_texts = {
            "name": _("The team's name, shown on partner pages."),
            "segment": _("The partner segment the team covers, in a few words."),
            "lead": _("Receives the team's escalations (overdue reviews, conflicts)."),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["lead"].queryset = User.objects.exclude(internal_role="").order_by("email")

    def validate_unique(self):
        pass
