"""API parity: every action a person can take in the portal is an API operation (same services,
same rules), or is declared portal-only with a reason.

The portal's actions are discovered from the URL configuration (``discovery.portal_actions``),
the API's from its published schema. A new portal form with neither a mapping below nor a reason
fails this test, and the failure lists what is missing.
"""

import pytest

from .discovery import api_operations, portal_actions

# Portal URL name → the API operation(s) that do the same through the same service.
API_EQUIVALENTS: dict[str, tuple[str, ...]] = {
    # API keys
    "api_keys:api_key_issue": ("v1_api_keys_create",),
    "api_keys:api_key_revoke": ("v1_api_keys_revoke_create",),
    "api_keys:api_key_rotate": ("v1_api_keys_rotate_create",),
    # Exchange rates
    "currency:rate_add": ("v1_exchange_rates_create",),
    "currency:rate_import": ("v1_exchange_rates_import_create",),
    # Deal registrations
    "deals:deal_create": ("v1_registrations_create", "v1_registrations_by_external_id_update"),
    "deals:deal_edit": (
        "v1_registrations_partial_update",
        "v1_registrations_by_external_id_update",
    ),
    "deals:deal_import": ("v1_registrations_bulk_create",),
    "deals:deal_submit": ("v1_registrations_submit_create",),
    "deals:deal_withdraw": ("v1_registrations_withdraw_create",),
    "deals:deal_outcome": ("v1_registrations_outcome_create",),
    "deals:deal_request_extension": ("v1_registrations_extension_create",),
    "deals:deal_review": (
        "v1_registrations_approve_create",
        "v1_registrations_reject_create",
        "v1_registrations_request_more_info_create",
    ),
    "deals:extension_decide": ("v1_registrations_extensions_decide_create",),
    "deals:conflict_resolve": ("v1_conflicts_resolve_create",),
    # Leads
    "deals:lead_create": ("v1_leads_create", "v1_leads_by_external_id_update"),
    "deals:lead_accept": ("v1_leads_accept_create",),
    "deals:lead_reject": ("v1_leads_reject_create",),
    "deals:lead_convert": ("v1_leads_convert_create",),
    "deals:lead_close": ("v1_leads_close_create",),
    "deals:lead_offer": ("v1_leads_offer_create",),
    "deals:lead_route": ("v1_leads_route_create",),
    # Enablement
    "enablement:case_create": ("v1_business_cases_create",),
    "enablement:certification_record": ("v1_person_certifications_create",),
    "enablement:plan_approve": ("v1_business_plans_approve_create",),
    "enablement:plan_new_version": ("v1_business_plans_new_version_create",),
    "enablement:reference_create": ("v1_reference_implementations_create",),
    "enablement:reference_detail": ("v1_reference_implementations_decision_create",),
    "enablement:asset_create": ("v1_assets_create",),
    "enablement:certification_import": ("v1_certification_imports_create",),
    "enablement:onboarding_check": ("v1_onboarding_check_create",),
    "enablement:plan_checkin": ("v1_business_plans_check_ins_create",),
    "enablement:plan_create": ("v1_business_plans_create",),
    "enablement:plan_edit": ("v1_business_plans_partial_update",),
    # MDF
    "mdf:request_create": ("v1_mdf_requests_create",),
    "mdf:request_submit": ("v1_mdf_requests_submit_create",),
    "mdf:request_cancel": ("v1_mdf_requests_cancel_create",),
    "mdf:request_decide": (
        "v1_mdf_requests_approve_create",
        "v1_mdf_requests_deny_create",
        "v1_mdf_requests_return_create",
    ),
    "mdf:claim_form": (
        "v1_mdf_requests_claim_create",
        "v1_mdf_requests_proof_create",
        "v1_mdf_requests_submit_claim_create",
    ),
    "mdf:claim_review": (
        "v1_mdf_requests_approve_claim_create",
        "v1_mdf_requests_reject_claim_create",
        "v1_mdf_requests_return_claim_create",
    ),
    "mdf:extension_request": ("v1_mdf_requests_extension_create",),
    "mdf:extension_decide": ("v1_mdf_extensions_approve_create", "v1_mdf_extensions_deny_create"),
    "mdf:allocation": ("v1_mdf_allocations_create",),
    "mdf:payments": ("v1_mdf_payments_create",),
    "mdf:activity_type_create": ("v1_mdf_activity_types_create",),
    "mdf:activity_type_edit": ("v1_mdf_activity_types_partial_update",),
    "mdf:activity_type_toggle": ("v1_mdf_activity_types_toggle_create",),
    "mdf:settings": ("v1_mdf_settings_update",),
    "mdf:request_edit": ("v1_mdf_requests_partial_update", "v1_mdf_requests_submit_create"),
    "mdf:proof_remove": ("v1_mdf_proof_files_destroy",),
    # Partners and recruitment
    "partners:apply": ("v1_applications_create",),
    "partners:application_review": (
        "v1_applications_approve_create",
        "v1_applications_decline_create",
        "v1_applications_qualify_create",
    ),
    "partners:partner_invite": ("v1_invitations_create",),
    "partners:invitation_revoke": ("v1_invitations_destroy",),
    "partners:member_remove": ("v1_memberships_destroy",),
    "partners:member_edit": ("v1_memberships_partial_update",),
    "partners:partner_profile": ("v1_partners_partial_update",),
    "partners:partner_status": ("v1_partners_status_create",),
    "partners:partner_tier": ("v1_partners_tier_create",),
    "partners:partner_qualify": ("v1_partners_qualify_create",),
    # Scorecards
    "scorecards:proposal_detail": (
        "v1_tier_proposals_decision_create",
        "v1_tier_proposals_apply_create",
    ),
    "scorecards:review_start": ("v1_tier_reviews_create",),
    "scorecards:review_bulk": ("v1_tier_reviews_bulk_create",),
    "scorecards:application_resume": ("v1_tier_reviews_applications_resume_create",),
    "scorecards:card_detail": ("v1_scorecards_ratings_create",),
    "scorecards:card_runs": ("v1_scorecard_runs_create",),
    "scorecards:template_edit": ("v1_scorecard_templates_update",),
    "scorecards:template_new": ("v1_scorecard_templates_create",),
    # Program configuration
    "program:routing_rule_create": ("v1_lead_routing_rules_create",),
    "program:routing_rule_edit": ("v1_lead_routing_rules_partial_update",),
    "program:routing_rule_delete": ("v1_lead_routing_rules_destroy",),
    "program:agreement_list": ("v1_agreements_create",),
    "program:certification_create": ("v1_certifications_create",),
    "program:certification_edit": ("v1_certifications_partial_update",),
    "program:course_create": ("v1_courses_create",),
    "program:course_edit": ("v1_courses_partial_update",),
    "program:deal_settings": ("v1_deal_settings_partial_update",),
    "program:enablement_settings": ("v1_enablement_settings_partial_update",),
    "program:review_settings": ("v1_tier_review_settings_partial_update",),
    "program:onboarding_create": ("v1_onboarding_checklists_create",),
    "program:onboarding_delete": ("v1_onboarding_checklists_destroy",),
    "program:onboarding_edit": ("v1_onboarding_checklists_partial_update",),
    "program:team_create": ("v1_channel_teams_create",),
    "program:team_edit": ("v1_channel_teams_partial_update",),
    "program:tier_create": ("v1_tiers_create",),
    "program:tier_delete": ("v1_tiers_destroy",),
    "program:tier_edit": ("v1_tiers_partial_update",),
    "program:track_create": ("v1_tracks_create",),
    "program:track_edit": ("v1_tracks_partial_update",),
    # Commissions: configuration, runs, overrides, statements and payouts, rep territories
    "deals:commission_plan_create": ("v1_commission_plans_create",),
    "deals:commission_rule_add": ("v1_commission_plans_rules_create",),
    "deals:commission_rule_edit": ("v1_commission_plans_rules_partial_update",),
    "deals:commission_rule_remove": ("v1_commission_plans_rules_remove_create",),
    "deals:commission_spiff_create": ("v1_commission_spiffs_create",),
    "deals:commission_spiff_edit": ("v1_commission_spiffs_partial_update",),
    "deals:commission_run_list": ("v1_commission_runs_create",),
    "deals:commission_override_request": ("v1_commission_overrides_create",),
    "deals:commission_override_decide": ("v1_commission_overrides_decide_create",),
    "deals:commission_statement_approve": ("v1_commission_statements_approve_create",),
    "deals:commission_statement_bulk_approve": ("v1_commission_statements_bulk_approve_create",),
    "deals:commission_statement_payout": ("v1_commission_statements_payout_create",),
    "deals:commission_line_reverse": ("v1_commission_lines_reverse_create",),
    "deals:rep_territory_list": ("v1_rep_territories_create",),
    "deals:rep_territory_edit": ("v1_rep_territories_partial_update",),
    "deals:rep_territory_remove": ("v1_rep_territories_destroy",),
    # Bulk actions of the portal's lists (the same per-row runner, a result per row)
    "deals:review_bulk": ("v1_registrations_bulk_decide_create",),
    "deals:lead_bulk_offer": ("v1_leads_bulk_offer_create",),
    "partners:partner_bulk_reassign": ("v1_partners_bulk_reassign_create",),
    # Webhooks
    "webhooks:endpoint_create": ("v1_webhook_endpoints_create",),
    "webhooks:endpoint_edit": ("v1_webhook_endpoints_partial_update",),
    "webhooks:endpoint_pause": ("v1_webhook_endpoints_pause_create",),
    "webhooks:endpoint_resume": ("v1_webhook_endpoints_resume_create",),
    "webhooks:endpoint_replay": ("v1_webhook_endpoints_replay_create",),
    "webhooks:endpoint_rotate": ("v1_webhook_endpoints_rotate_secret_create",),
    "webhooks:delivery_replay": ("v1_webhook_deliveries_replay_create",),
}

# Actions that belong to a person at the portal, never to an integration, and why.
PERSON = "a person's own sign-in, password or email; an API key has no password to manage"
PORTAL_ONLY: dict[str, str] = {
    "account_login": PERSON,
    "account_logout": PERSON,
    "account_signup": PERSON,
    "account_change_password": PERSON,
    "account_set_password": PERSON,
    "account_reset_password": PERSON,
    "account_reset_password_from_key": PERSON,
    "account_reauthenticate": PERSON,
    "account_confirm_email": PERSON,
    "account_confirm_login_code": PERSON,
    "account_email": PERSON,
    "mfa_activate_totp": "two-factor enrolment is a person's own authenticator app",
    "mfa_deactivate_totp": "two-factor enrolment is a person's own authenticator app",
    "mfa_authenticate": "the second sign-in step of a person",
    "mfa_reauthenticate": "the second sign-in step of a person",
    "mfa_generate_recovery_codes": "a person's own recovery codes",
    "partners:mfa_requirement": (
        "sign-in security of the organisation's people: a key must not be able to lower it"
    ),
    "partners:invitation_accept": (
        "the invited person chooses their password and signs in; only they can accept"
    ),
    "partners:agreement_accept": (
        "acceptance of the partner agreement is a named person's legal consent, recorded with "
        "their account; an integration cannot consent on their behalf"
    ),
    "notifications": "marks in-portal notifications read: the portal's own inbox state",
    "notification_preferences": "a person's UI and email preferences",
    "notifications_mark_read": "marks in-portal notifications read: the portal's own inbox state",
    "program:tier_preview": "previews the partners an edited tier would hold; it changes nothing",
    "deals:commission_bulk_approval_resume": (
        "continues an approval of every statement a portal filter matched; the API approves the "
        "statements it names, up to 500 a call, and answers for each"
    ),
    "program:tier_preview_new": "previews the partners a new tier would hold; it changes nothing",
}


@pytest.fixture(scope="module")
def actions():
    return portal_actions()


@pytest.fixture(scope="module")
def operations():
    return api_operations()


def test_every_portal_action_is_in_the_api_or_declared_portal_only(actions, operations, capsys):
    missing_operation = {
        name: [op for op in ops if op not in operations]
        for name, ops in API_EQUIVALENTS.items()
        if name in actions and any(op not in operations for op in ops)
    }
    undeclared = sorted(set(actions) - set(API_EQUIVALENTS) - set(PORTAL_ONLY))
    with capsys.disabled():
        print(
            f"\nAPI parity: {len(actions)} portal actions; {len(API_EQUIVALENTS)} in the API, "
            f"{len(PORTAL_ONLY)} portal-only, {len(undeclared)} missing"
        )
        for name in undeclared:
            print(f"  NOT DECLARED: {name} ({actions[name]})")
        for name, ops in sorted(missing_operation.items()):
            print(f"  MAPPED TO NO SUCH OPERATION: {name} → {', '.join(ops)}")
    assert not undeclared, f"Portal actions with no API operation and no reason: {undeclared}"
    assert not missing_operation, f"Mappings to operations the API lacks: {missing_operation}"


def test_declarations_name_real_portal_actions(actions):
    """A mapping or reason for a view that no longer changes state (or no longer exists) goes."""
    stale = sorted((set(API_EQUIVALENTS) | set(PORTAL_ONLY)) - set(actions))
    assert not stale, f"Declared but not a state-changing portal view: {stale}"
    assert not set(API_EQUIVALENTS) & set(PORTAL_ONLY)


def test_discovery_finds_known_writes_and_skips_reads(actions):
    """The heuristic itself: a decorated POST view, a view writing through a same-module helper,
    a class-based sign-in view are found; pages that only read are not."""
    assert "deals:deal_submit" in actions  # @require_POST
    assert "deals:lead_close" in actions  # through _reason_action(request.POST)
    assert "account_login" in actions  # allauth's class-based view
    for read_only in ("deals:deal_list", "deals:deal_detail", "mdf:home", "partners:tier_list"):
        assert read_only not in actions
