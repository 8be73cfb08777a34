"""Forms of the scorecard pages: template editing (one row per criterion of the handbook),
ratings, starting a quarter's computation and filtering the list."""

from django import forms
from django.utils.translation import gettext_lazy as _

from .criteria import MEASURES, Criterion, Health, Source
from .models import ScorecardTemplate


class TemplateForm(forms.ModelForm):
    class Meta:
        model = ScorecardTemplate
        fields = ["name", "business_model", "green_from", "amber_from"]

    def clean(self):
        data = super().clean()
        green, amber = data.get("green_from"), data.get("amber_from")
        if green is not None and amber is not None and amber >= green:
            self.add_error("amber_from", _("Amber must start below green (%(g)s).") % {"g": green})
        return data


class CriterionForm(forms.Form):
    """One criterion of a template; ``prefix`` is the criterion's key."""

    use = forms.BooleanField(label=_("Use"), required=False)
    source = forms.ChoiceField(label=_("Source"), choices=Source.choices)
    weight = forms.IntegerField(label=_("Weight"), min_value=1, max_value=100, required=False)
    target = forms.DecimalField(
        label=_("Value for full marks"), max_digits=14, decimal_places=2, required=False
    )

    def __init__(self, *args, criterion: str, **kwargs):
        super().__init__(*args, prefix=criterion, **kwargs)
        self.criterion = criterion
        self.label = Criterion(criterion).label
        measure = MEASURES.get(criterion)
        self.explanation = measure.explanation if measure else _("Rated by the CAM only.")
        self.unit = measure.unit if measure else ""

    def clean(self):
        data = super().clean()
        if not data.get("use"):
            return data
        if not data.get("weight"):
            self.add_error("weight", _("Give a weight from 1 to 100."))
        if data.get("source") == Source.COMPUTED:
            if self.criterion not in MEASURES:
                self.add_error("source", _("Not measured from the data: choose rated."))
            elif data.get("target") is None or data["target"] <= 0:
                self.add_error("target", _("Give the value that earns full marks (above 0)."))
        return data

    def as_row(self) -> dict:
        data = self.cleaned_data
        return {
            "criterion": self.criterion,
            "source": data["source"],
            "weight": data["weight"],
            "target": data.get("target"),
        }


def criterion_forms(template: ScorecardTemplate | None, data=None) -> list[CriterionForm]:
    """A form per criterion of the handbook, filled from the template (the handbook's defaults
    for a new one)."""
    from .services import default_criteria

    current = {c.criterion: c for c in template.criteria.all()} if template is not None else {}
    defaults = {row["criterion"]: row for row in default_criteria()}
    forms_ = []
    for key in Criterion.values:
        row = current.get(key)
        initial = (
            {"use": True, "source": row.source, "weight": row.weight, "target": row.target}
            if row
            else {**defaults[key], "use": template is None}
        )
        forms_.append(CriterionForm(data, criterion=key, initial=initial))
    return forms_


class RatingForm(forms.Form):
    criterion = forms.ChoiceField(label=_("Criterion"))
    rating = forms.TypedChoiceField(
        label=_("Rating"),
        coerce=int,
        choices=[
            (n, f"{n} · {label}")
            for n, label in (
                (1, _("poor")),
                (2, _("below expectations")),
                (3, _("meets expectations")),
                (4, _("above expectations")),
                (5, _("outstanding")),
            )
        ],
    )
    note = forms.CharField(
        label=_("Note"),
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=2000,
        help_text=_("Why this rating: the partner reads it."),
    )

    def __init__(self, *args, criteria: list[tuple[str, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["criterion"].choices = criteria


class StartRunForm(forms.Form):
    quarter = forms.CharField(
        label=_("Fiscal quarter"), max_length=10, help_text=_("For example 2027-Q1.")
    )


class CardFilterForm(forms.Form):
    quarter = forms.ChoiceField(label=_("Quarter"), required=False)
    health = forms.ChoiceField(
        label=_("Health"), required=False, choices=[("", _("Any health")), *Health.choices]
    )
    partner = forms.CharField(label=_("Partner"), required=False, max_length=100)

    def __init__(self, *args, quarters: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["quarter"].choices = [("", _("Every quarter")), *[(q, q) for q in quarters]]

    def filters(self) -> dict:
        if not self.is_valid():
            return {}
        return {k: v for k, v in self.cleaned_data.items() if v}
