import datetime as dt

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .events import event_choices
from .services import DEFAULT_ROTATION_OVERLAP


class EndpointForm(forms.Form):
    url = forms.URLField(
        label=gettext_lazy("URL"),
        max_length=500,
        assume_scheme="https",
        help_text=gettext_lazy("Where events are POSTed as signed JSON (https recommended)."),
    )
    description = forms.CharField(label=gettext_lazy("Description"), max_length=200, required=False)
    partner = forms.ModelChoiceField(label=gettext_lazy("Partner"), queryset=None, required=False)
    event_types = forms.MultipleChoiceField(
        label=gettext_lazy("Events"), widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, user, endpoint=None, **kwargs):
        from partners.models import Partner

        from .selectors import managed_partner_ids

        super().__init__(*args, **kwargs)
        partner = self.fields["partner"]
        live = Partner.objects.exclude(status=Partner.Status.TERMINATED).order_by("display_name")
        for_partner = not user.is_program_ops
        if endpoint is not None:
            del self.fields["partner"]
            for_partner = endpoint.partner_id is not None
        elif user.is_program_ops:
            partner.queryset = live
            partner.empty_label = _("None: vendor-wide (every partner's events)")
        else:
            partner.queryset = live.filter(pk__in=managed_partner_ids(user))
            partner.required = True
            partner.empty_label = None
        self.fields["event_types"].choices = event_choices(for_partner=for_partner)

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("partner") is not None and "event_types" in cleaned:
            allowed = {name for name, _label in event_choices(for_partner=True)}
            refused = [name for name in cleaned["event_types"] if name not in allowed]
            if refused:
                self.add_error(
                    "event_types",
                    _("Only vendor-wide endpoints receive: %(names)s")
                    % {"names": ", ".join(refused)},
                )
        return cleaned


class RotateForm(forms.Form):
    overlap_hours = forms.IntegerField(
        label=gettext_lazy("Old secret keeps signing for (hours)"),
        min_value=0,
        max_value=168,
        initial=int(DEFAULT_ROTATION_OVERLAP.total_seconds() // 3600),
    )

    @property
    def overlap(self) -> dt.timedelta:
        return dt.timedelta(hours=self.cleaned_data["overlap_hours"])


class ReplayRangeForm(forms.Form):
    start = forms.DateTimeField(
        label=gettext_lazy("From"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    end = forms.DateTimeField(
        label=gettext_lazy("Until"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("start") and cleaned.get("end") and cleaned["end"] <= cleaned["start"]:
            self.add_error("end", _("The end must be after the start."))
        return cleaned
