"""Exchange-rate forms: a filter, one rate, and a CSV file to import."""

from django import forms
from django.utils.translation import gettext_lazy as _

from prm.money import CURRENCY_CHOICES, default_currency

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
MAX_UPLOAD_BYTES = 2 * 1024 * 1024


def foreign_currencies() -> list[tuple[str, str]]:
    return [(code, label) for code, label in CURRENCY_CHOICES if code != default_currency()]


class RateFilterForm(forms.Form):
    currency = forms.ChoiceField(label=_("Currency"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["currency"].choices = [("", _("All")), *foreign_currencies()]


class ExchangeRateForm(forms.Form):
    """The service checks the rate (positive, digits) and the currency; its refusals come back
    on the fields."""

    currency = forms.ChoiceField(label=_("Currency"))
    rate = forms.CharField(
        label=_("Rate to the program currency"),
        max_length=40,
        help_text=_("How many units of the program currency one unit of this currency buys."),
    )
    effective_on = forms.DateField(label=_("Effective from"), widget=DATE_INPUT)
    reason = forms.CharField(label=_("Source or note"), max_length=255, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["currency"].choices = foreign_currencies()


class RateImportForm(forms.Form):
    file = forms.FileField(
        label=_("CSV file"),
        help_text=_("Columns: currency, rate, effective_on (YYYY-MM-DD)."),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(_("The file is larger than 2 MB."))
        return upload
