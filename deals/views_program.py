"""The deal pages of the program configuration area (/program/): deal rules and lead routing
rules with the routing tester. Ops only; writes go through the deal services."""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from partners.program.selectors import history_for
from partners.program.views import form_page, ops_only, show_domain_error
from prm import exceptions as domain

from .forms_program import DealSettingsForm, RoutingRuleForm, RoutingTestForm
from .leads import rules
from .leads.selectors import first_route, route_trials
from .models import DealProgramSettings, Lead, LeadRoutingRule
from .services import update_program_settings


@ops_only
def deal_settings(request):
    program = DealProgramSettings.current()
    form = DealSettingsForm(request.POST or None, instance=DealProgramSettings.current())
    if request.method == "POST" and form.is_valid():
        try:
            update_program_settings(actor=request.user, **form.cleaned_data)
        except domain.DomainError as error:
            show_domain_error(form, error)
        else:
            messages.success(request, _("Deal rules saved. They apply from the next decision on."))
            return redirect("program:deal_settings")
    return form_page(
        request,
        form=form,
        title=_("Deal rules"),
        intro=_(
            "Program-wide rules for deal registrations and leads; the same for every tier. "
            "Registrations already protected keep the dates they were given."
        ),
        history=history_for(program),
    )


@ops_only
def routing_rule_list(request):
    form = RoutingTestForm(request.GET or None)
    trials = route = None
    if form.is_bound and form.is_valid():
        lead = Lead(**form.cleaned_data)
        trials = route_trials(lead)
        route = first_route(trials)
    return render(
        request,
        "program/routing_rule_list.html",
        {
            "rules": LeadRoutingRule.objects.prefetch_related("partners").order_by(
                "priority", "pk"
            ),
            "form": form,
            "trials": trials,
            "route": route,
        },
    )


@ops_only
def routing_rule_edit(request, pk=None):
    rule = get_object_or_404(LeadRoutingRule, pk=pk) if pk else None
    form = RoutingRuleForm(request.POST or None, instance=rule)
    if request.method == "POST" and form.is_valid():
        try:
            rule = rules.save_routing_rule(
                actor=request.user,
                rule=rule,
                **{name: form.cleaned_data[name] for name in rules.RULE_FIELDS},
            )
        except domain.DomainError as error:
            show_domain_error(form, error)
        else:
            messages.success(request, _("Routing rule “%(name)s” saved.") % {"name": rule.name})
            return redirect("program:routing_rule_list")
    return form_page(
        request,
        form=form,
        title=rule.name if rule else _("New routing rule"),
        intro=_(
            "A new lead goes to the best partner (acceptance record, then fewest open "
            "offers) of the first active rule, lowest priority first, that applies to it."
        ),
        back_url=reverse("program:routing_rule_list"),
        history=history_for(rule) if rule else None,
        delete_url=reverse("program:routing_rule_delete", args=[rule.pk]) if rule else "",
    )


@ops_only
@require_POST
def routing_rule_delete(request, pk):
    rule = get_object_or_404(LeadRoutingRule, pk=pk)
    rules.delete_routing_rule(actor=request.user, rule=rule)
    messages.success(request, _("Routing rule removed."))
    return redirect("program:routing_rule_list")
