"""Forms of the deal pages of the program configuration area (deal rules, lead routing)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from partners.models import BusinessModel, Partner, Region, Tier

from .models import DealProgramSettings, LeadRoutingRule


class DealSettingsForm(forms.ModelForm):
    class Meta:
        model = DealProgramSettings
        fields = [
            "protection_days",
            "expiry_reminder_days",
            "extension_policy",
            "extension_days",
            "max_resubmissions",
            "approval_sla_business_days",
            "sla_reminder_hours",
            "lead_accept_hours",
        ]
        help_texts = {
            "protection_days": _("How long an approved registration protects the partner's deal."),
            "expiry_reminder_days": _(
                "The partner is reminded this many days before protection ends."
            ),
            "extension_policy": _("Whether a partner may ask to extend protection, and how often."),
            "extension_days": _("Days an approved extension adds to the protection window."),
            "max_resubmissions": _("How often a rejected registration may be submitted again."),
            "approval_sla_business_days": _(
                "Business days a reviewer has to decide a registration."
            ),
            "sla_reminder_hours": _(
                "The reviewer is reminded this many hours before the SLA is due."
            ),
            "lead_accept_hours": _(
                "Hours a partner has to accept an offered lead before it is recalled."
            ),
        }


class CodeListField(forms.CharField):
    """Comma- or space-separated codes, upper-cased, as a list."""

    def to_python(self, value):
        text = super().to_python(value) or ""
        return [code.upper() for code in text.replace(",", " ").split() if code]

    def prepare_value(self, value):
        return ", ".join(value) if isinstance(value, list) else value


class RoutingRuleForm(forms.ModelForm):
    countries = CodeListField(
        label=_("Countries"),
        required=False,
        help_text=_("Two-letter codes (US, DE …) of leads this rule takes; empty: any country."),
    )
    regions = forms.MultipleChoiceField(
        label=_("Regions"),
        choices=Region.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Regions of leads this rule takes; none ticked: any region."),
    )
    business_models = forms.MultipleChoiceField(
        label=_("Partner business models"),
        choices=BusinessModel.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Only partners of these models; none ticked: any model except distributors."),
    )
    min_tier_rank = forms.TypedChoiceField(
        label=_("Minimum tier"),
        required=False,
        coerce=int,
        empty_value=None,
        help_text=_("Only partners in this tier or a higher one."),
    )
    partners = forms.ModelMultipleChoiceField(
        label=_("Target partners"),
        required=False,
        queryset=Partner.objects.filter(status=Partner.Status.ACTIVE).order_by("display_name"),
        widget=forms.SelectMultiple(attrs={"size": 8}),
        help_text=_(
            "Offer only to these partners (they must meet the criteria above); "
            "none chosen: any partner that does."
        ),
    )

    class Meta:
        model = LeadRoutingRule
        fields = [
            "name",
            "priority",
            "countries",
            "regions",
            "business_models",
            "min_tier_rank",
            "specialty",
            "partners",
            "is_active",
        ]
        help_texts = {
            "name": _("A name ops recognise in the lead history (“routing rule: …”)."),
            "priority": _(
                "Rules are tried from the lowest number up; the first that finds a "
                "partner routes the lead."
            ),
            "specialty": _(
                "Only partners whose solution stack or target sectors include it, "
                "for leads needing it."
            ),
            "is_active": _("Inactive rules are kept but never used."),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["min_tier_rank"].choices = [("", _("Any tier"))] + [
            (tier.rank, tier.name) for tier in Tier.objects.order_by("rank")
        ]


class RoutingTestForm(forms.Form):
    country = forms.CharField(
        label=_("Lead country"), max_length=2, help_text=_("Two-letter code, e.g. DE.")
    )
    region = forms.ChoiceField(
        label=_("Lead region"),
        choices=[("", "—"), *Region.choices],
        required=False,
        help_text=_("Rules limited to regions only take leads from these."),
    )
    specialty = forms.CharField(
        label=_("Specialty needed"),
        max_length=120,
        required=False,
        help_text=_("Rules with a specialty only pick partners that list it."),
    )

    def clean_country(self):
        from prm.countries import is_country_code

        code = self.cleaned_data["country"].strip().upper()
        if not is_country_code(code):
            raise forms.ValidationError(_("Use a two-letter ISO country code such as US or DE."))
        return code
