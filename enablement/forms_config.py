"""Forms of the enablement pages of the program configuration area: the catalogue, the
onboarding checklists and the enablement settings. Help texts say what each setting does."""

from django import forms
from django.utils.translation import gettext_lazy as _

from partners.models import BusinessModel

from . import catalogue
from .models import (
    Certification,
    Course,
    EnablementSettings,
    OnboardingStep,
    OnboardingTemplate,
    Track,
)
from .programs.checklists import StepRow

BUSINESS_MODELS_HELP = _("Partners of these business models see it first; none ticked: everyone.")


def _business_models_field():
    return forms.MultipleChoiceField(
        label=_("Business models"),
        choices=BusinessModel.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=BUSINESS_MODELS_HELP,
    )


class NoUniqueCheck:
    def validate_unique(self):
        # The service reports duplicates with the rest of its checks.
        pass


class TrackForm(NoUniqueCheck, forms.ModelForm):
    business_models = _business_models_field()

    class Meta:
        model = Track
        fields = catalogue.TRACK_FIELDS
        help_texts = {
            "name": _("The track's name in the catalogue."),
            "role": _("The job the track trains for."),
            "description": _("A sentence partners read before starting."),
            "position": _("Lower numbers are listed first."),
        }


class CourseForm(NoUniqueCheck, forms.ModelForm):
    business_models = _business_models_field()
    url = forms.URLField(
        label=_("Link"),
        required=False,
        assume_scheme="https",
        help_text=_("Where the course is taken."),
    )

    class Meta:
        model = Course
        fields = catalogue.COURSE_FIELDS
        help_texts = {
            "track": _("The learning path the course belongs to."),
            "title": _("The course title partners see."),
            "code": _("A short unique code used by the learning system and imports."),
            "duration_minutes": _("How long the course takes, shown in the catalogue."),
            "url": _("Where the course is taken."),
            "role": _("The job the course trains for."),
            "position": _("Order within the track; lower first."),
        }


class CertificationForm(NoUniqueCheck, forms.ModelForm):
    class Meta:
        model = Certification
        fields = catalogue.CERTIFICATION_FIELDS
        help_texts = {
            "code": _("A short unique code used by imports and the API."),
            "name": _("The certification's name on badges and partner pages."),
            "kind": _(
                "Which tier metric it counts toward (sales, technical, developer, specialty)."
            ),
            "validity_months": _("Months until a certification earned today expires."),
            "points": _("Points it adds in scorecards."),
            "description": _("What the certification proves."),
            "course": _("The course that leads to it; its role must match the kind."),
        }


class EnablementSettingsForm(forms.ModelForm):
    class Meta:
        model = EnablementSettings
        fields = ["expiry_warning_days"]
        help_texts = {
            "expiry_warning_days": _(
                "People and their admins are warned this many days before a certification expires."
            )
        }


class OnboardingTemplateForm(NoUniqueCheck, forms.ModelForm):
    class Meta:
        model = OnboardingTemplate
        fields = ["name", "business_model", "description"]
        help_texts = {
            "name": _("The checklist's name."),
            "business_model": _(
                "New partners of this model follow this checklist; blank: the default checklist."
            ),
            "description": _("Shown above the steps on the partner's onboarding page."),
        }


class StepForm(forms.Form):
    pk = forms.IntegerField(required=False, widget=forms.HiddenInput)
    kind = forms.ChoiceField(
        label=_("Kind"),
        choices=[("", "—"), *OnboardingStep.Kind.choices],
        required=False,
        help_text=_("Agreement, certification and plan steps tick themselves; others by hand."),
    )
    title = forms.CharField(label=_("Title"), max_length=160, required=False)
    description = forms.CharField(label=_("Description"), required=False)
    required_count = forms.IntegerField(
        label=_("People to certify"),
        min_value=1,
        initial=1,
        help_text=_("Only for “First people certified”."),
    )

    def row(self) -> StepRow | None:
        data = getattr(self, "cleaned_data", None)
        if not data or data.get("DELETE") or not (data.get("kind") or data.get("title")):
            return None
        return StepRow(
            kind=data.get("kind") or "",
            title=data.get("title") or "",
            description=data.get("description") or "",
            required_count=data.get("required_count") or 1,
            pk=data.get("pk"),
        )


StepFormSet = forms.formset_factory(StepForm, extra=2, can_delete=True)


def step_initial(template: OnboardingTemplate | None) -> list[dict]:
    if template is None:
        return []
    return [
        {
            "pk": s.pk,
            "kind": s.kind,
            "title": s.title,
            "description": s.description,
            "required_count": s.required_count,
        }
        for s in template.steps.order_by("position", "pk")
    ]
