"""The enablement pages of the program configuration area (/program/): the certification
catalogue (tracks, courses, certifications), onboarding checklists per business model and the
enablement settings. Ops only; writes go through ``catalogue``, ``programs.checklists`` and
``services``."""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from partners.program.selectors import history_for
from partners.program.views import form_page, ops_only, show_domain_error
from prm import exceptions as domain

from . import catalogue, services
from .forms_config import (
    CertificationForm,
    CourseForm,
    EnablementSettingsForm,
    OnboardingTemplateForm,
    StepFormSet,
    TrackForm,
    step_initial,
)
from .models import Certification, Course, EnablementSettings, OnboardingTemplate, Track
from .programs import checklists


@ops_only
def catalog(request):
    return render(
        request,
        "program/catalog.html",
        {
            "tracks": Track.objects.prefetch_related("courses").order_by("position", "name"),
            "certifications": Certification.objects.select_related("course").order_by(
                "kind", "name"
            ),
        },
    )


def _catalog_edit(request, *, form_class, obj, create, update, fields, title, intro):
    form = form_class(request.POST or None, instance=obj)
    if request.method == "POST" and form.is_valid():
        values = {name: form.cleaned_data[name] for name in fields}
        try:
            if obj is None:
                create(actor=request.user, **values)
            else:
                update(obj, values)
        except domain.DomainError as error:
            show_domain_error(form, error)
        else:
            messages.success(request, _("Saved."))
            return redirect("program:catalog")
    return form_page(
        request,
        form=form,
        title=title,
        intro=intro,
        back_url=reverse("program:catalog"),
        history=history_for(obj) if obj else None,
    )


@ops_only
def track_edit(request, pk=None):
    track = get_object_or_404(Track, pk=pk) if pk else None
    return _catalog_edit(
        request,
        form_class=TrackForm,
        obj=track,
        create=catalogue.create_track,
        update=lambda obj, v: catalogue.update_track(actor=request.user, track=obj, **v),
        fields=catalogue.TRACK_FIELDS,
        title=track.name if track else _("New track"),
        intro=_("A learning path for one role; partners find it in the catalogue."),
    )


@ops_only
def course_edit(request, pk=None):
    course = get_object_or_404(Course, pk=pk) if pk else None
    return _catalog_edit(
        request,
        form_class=CourseForm,
        obj=course,
        create=catalogue.create_course,
        update=lambda obj, v: catalogue.update_course(actor=request.user, course=obj, **v),
        fields=catalogue.COURSE_FIELDS,
        title=course.title if course else _("New course"),
        intro=_("A course within a track; completing it can lead to a certification."),
    )


@ops_only
def certification_edit(request, pk=None):
    certification = get_object_or_404(Certification, pk=pk) if pk else None
    return _catalog_edit(
        request,
        form_class=CertificationForm,
        obj=certification,
        create=catalogue.create_certification,
        update=lambda obj, v: catalogue.update_certification(
            actor=request.user, certification=obj, **v
        ),
        fields=catalogue.CERTIFICATION_FIELDS,
        title=certification.name if certification else _("New certification"),
        intro=_(
            "What people earn; its kind feeds the tier requirements. People who hold it "
            "keep the expiry they were given when its validity changes."
        ),
    )


@ops_only
def enablement_settings(request):
    current = EnablementSettings.current()
    form = EnablementSettingsForm(request.POST or None, instance=EnablementSettings.current())
    if request.method == "POST" and form.is_valid():
        try:
            services.update_enablement_settings(actor=request.user, **form.cleaned_data)
        except domain.DomainError as error:
            show_domain_error(form, error)
        else:
            messages.success(request, _("Enablement settings saved."))
            return redirect("program:enablement_settings")
    return form_page(
        request,
        form=form,
        title=_("Enablement settings"),
        intro=_("Program-wide settings for certifications."),
        history=history_for(current),
    )


@ops_only
def onboarding_list(request):
    templates = OnboardingTemplate.objects.prefetch_related("steps").order_by(
        "business_model", "name"
    )
    return render(request, "program/onboarding_list.html", {"templates": templates})


@ops_only
def onboarding_edit(request, pk=None):
    template = get_object_or_404(OnboardingTemplate, pk=pk) if pk else None
    form = OnboardingTemplateForm(request.POST or None, instance=template)
    formset = StepFormSet(
        request.POST or None,
        prefix="step",
        initial=None if request.POST else step_initial(template),
    )
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        steps = [row for row in (f.row() for f in formset.forms) if row is not None]
        values = {name: form.cleaned_data[name] for name in checklists.TEMPLATE_FIELDS}
        try:
            template = checklists.save_onboarding_template(
                actor=request.user, template=template, steps=steps, **values
            )
        except domain.DomainError as error:
            details = dict(error.details or {})
            problem = details.pop("steps", None)
            if problem:
                formset._non_form_errors = formset.error_class([problem])
            error.details = details
            if details or not problem:
                show_domain_error(form, error)
        else:
            messages.success(request, _("Checklist saved."))
            return redirect("program:onboarding_edit", pk=template.pk)
    return render(
        request,
        "program/onboarding_form.html",
        {
            "template_obj": template,
            "form": form,
            "formset": formset,
            "history": history_for(template) if template else None,
        },
    )


@ops_only
@require_POST
def onboarding_delete(request, pk):
    template = get_object_or_404(OnboardingTemplate, pk=pk)
    try:
        checklists.delete_onboarding_template(actor=request.user, template=template)
    except domain.DomainError as error:
        messages.error(request, error.message)
        return redirect("program:onboarding_edit", pk=pk)
    messages.success(request, _("Checklist removed."))
    return redirect("program:onboarding_list")
