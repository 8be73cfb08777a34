"""Program-ops commission pages, included by ``deals.urls`` under ``commissions/ops/`` (names in
the ``deals`` namespace)."""

from django.urls import path

from .views_ops import lines, overrides, plans, repcredit, runs, spiffs, statements

urlpatterns = [
    # Plans and rules
    path("plans/", plans.plan_list, name="commission_plan_list"),
    path("plans/new/", plans.plan_create, name="commission_plan_create"),
    path("plans/<int:pk>/", plans.plan_detail, name="commission_plan_detail"),
    path("plans/<int:pk>/rules/new/", plans.rule_form, name="commission_rule_add"),
    path("plans/<int:pk>/rules/<int:rule_pk>/", plans.rule_form, name="commission_rule_edit"),
    path(
        "plans/<int:pk>/rules/<int:rule_pk>/remove/",
        plans.rule_remove,
        name="commission_rule_remove",
    ),
    # Spiffs
    path("spiffs/", spiffs.spiff_list, name="commission_spiff_list"),
    path("spiffs/new/", spiffs.spiff_form, name="commission_spiff_create"),
    path("spiffs/<int:pk>/", spiffs.spiff_detail, name="commission_spiff_detail"),
    path("spiffs/<int:pk>/edit/", spiffs.spiff_form, name="commission_spiff_edit"),
    # Overrides
    path("overrides/", overrides.override_queue, name="commission_override_queue"),
    path(
        "overrides/<int:pk>/decide/", overrides.override_decide, name="commission_override_decide"
    ),
    path(
        "overrides/deal/<int:deal_pk>/",
        overrides.override_request,
        name="commission_override_request",
    ),
    # Runs
    path("runs/", runs.run_list, name="commission_run_list"),
    path("runs/<int:pk>/", runs.run_detail, name="commission_run_detail"),
    path("runs/<int:pk>/progress/", runs.run_progress, name="commission_run_progress"),
    # Statements and payouts
    path("statements/", statements.statement_list, name="commission_statement_list"),
    path(
        "statements/approve/",
        statements.statement_bulk_approve,
        name="commission_statement_bulk_approve",
    ),
    path(
        "statements/approvals/<int:pk>/progress/",
        statements.bulk_approval_progress,
        name="commission_bulk_approval_progress",
    ),
    path(
        "statements/approvals/<int:pk>/resume/",
        statements.bulk_approval_resume,
        name="commission_bulk_approval_resume",
    ),
    path("statements/export.csv", statements.statements_csv, name="commission_statements_csv"),
    path("payouts/export.csv", statements.payouts_csv, name="commission_payouts_csv"),
    path("statements/<int:pk>/", statements.statement_detail, name="commission_statement_detail"),
    path(
        "statements/<int:pk>/approve/",
        statements.statement_approve,
        name="commission_statement_approve",
    ),
    path(
        "statements/<int:pk>/payout/",
        statements.statement_payout,
        name="commission_statement_payout",
    ),
    # Lines
    path("lines/<int:pk>/reverse/", lines.line_reverse, name="commission_line_reverse"),
    # Rep territories and the rep credit report
    path("rep-credit/", repcredit.rep_credit_report, name="rep_credit_report"),
    path("rep-credit/export.csv", repcredit.rep_credit_csv, name="rep_credit_csv"),
    path("territories/", repcredit.territory_list, name="rep_territory_list"),
    path("territories/<int:pk>/", repcredit.territory_edit, name="rep_territory_edit"),
    path("territories/<int:pk>/remove/", repcredit.territory_remove, name="rep_territory_remove"),
]
