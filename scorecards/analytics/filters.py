"""The dashboard's filters, read from the URL. An invalid value is an error, never ignored."""

from dataclasses import dataclass
from typing import cast

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from partners.models import BusinessModel, Region, Tier
from partners.selectors import channel_managers
from prm.models import User
from prm.periods import FiscalPeriod, fiscal_year, parse_period


@dataclass(frozen=True)
class Filters:
    period: FiscalPeriod
    tier: Tier | None = None
    business_model: str = ""
    region: str = ""
    cam: User | None = None

    @property
    def narrows_partners(self) -> bool:
        return bool(self.tier or self.business_model or self.region or self.cam)

    def query(self) -> dict[str, str]:
        """The filters as URL parameters (for CSV and PDF links)."""
        values = {
            "period": self.period.label,
            "tier": str(self.tier.pk) if self.tier else "",
            "business_model": self.business_model,
            "region": self.region,
            "cam": str(self.cam.pk) if self.cam else "",
        }
        return {key: value for key, value in values.items() if value}


def default_period() -> FiscalPeriod:
    return fiscal_year(timezone.localdate())


class AnalyticsFilterForm(forms.Form):
    period = forms.CharField(
        label=_("Period"),
        required=False,
        max_length=12,
        help_text=_("A fiscal year or quarter, e.g. FY2026 or FY2026-Q3."),
    )
    tier = forms.ModelChoiceField(
        label=_("Tier"),
        queryset=Tier.objects.order_by("rank"),
        required=False,
        empty_label=_("All"),
    )
    business_model = forms.ChoiceField(
        label=_("Business model"), choices=[("", _("All")), *BusinessModel.choices], required=False
    )
    region = forms.ChoiceField(
        label=_("Region"),
        choices=[("", _("All")), *Region.choices],
        required=False,
        help_text=_("Where the partner has its headquarters."),
    )
    cam = forms.ModelChoiceField(
        label=_("Channel account manager"),
        queryset=User.objects.none(),
        required=False,
        empty_label=_("All"),
    )

    def __init__(self, *args, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        # Left empty, the period is the current fiscal year: the empty field says which.
        self.fields["period"].widget.attrs["placeholder"] = default_period().label
        # A channel account manager sees only their own partners: they are the only choice.
        cam = cast(forms.ModelChoiceField, self.fields["cam"])
        cam.queryset = (
            channel_managers() if user.is_program_ops else User.objects.filter(pk=user.pk)
        )

    def clean_period(self) -> FiscalPeriod:
        text = self.cleaned_data["period"].strip()
        if not text:
            return default_period()
        try:
            return parse_period(text)
        except ValueError as exc:
            raise forms.ValidationError(
                _("“%(value)s” is not a fiscal period; use FY2026 or FY2026-Q3.") % {"value": text}
            ) from exc

    def filters(self) -> Filters:
        data = self.cleaned_data
        return Filters(
            period=data["period"],
            tier=data["tier"],
            business_model=data["business_model"],
            region=data["region"],
            cam=data["cam"],
        )

    @property
    def error_messages_list(self) -> list[str]:
        return [
            f"{self.fields[name].label}: {message}" if name in self.fields else str(message)
            for name, messages in self.errors.items()
            for message in messages
        ]


def partners_in_region(queryset, region: str):
    """Partners headquartered in ``region`` (the sales region of their HQ country)."""
    from enablement.selectors import region_for_country
    from prm.countries import countries

    codes = [code for code in countries() if region_for_country(code) == region]
    return queryset.filter(hq_country__in=codes)
