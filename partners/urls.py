from django.urls import path

from . import views, views_lists, views_recruitment, views_team

app_name = "partners"

urlpatterns = [
    path("", views_lists.partner_list, name="partner_list"),
    path("reassign/", views_lists.partner_bulk_reassign, name="partner_bulk_reassign"),
    path("lookup/", views_lists.partner_lookup, name="lookup"),
    path("tiers/", views.tier_list, name="tier_list"),
    path("<int:pk>/", views.partner_detail, name="partner_detail"),
    path("<int:pk>/qualify/", views.partner_qualify, name="partner_qualify"),
    path("<int:pk>/status/", views.partner_status, name="partner_status"),
    path("<int:pk>/tier/", views.partner_tier, name="partner_tier"),
    # Recruitment
    path("apply/", views_recruitment.apply, name="apply"),
    path("apply/thanks/", views_recruitment.apply_thanks, name="apply_thanks"),
    path("applications/", views_lists.application_list, name="application_list"),
    path(
        "applications/<int:pk>/",
        views_recruitment.application_review,
        name="application_review",
    ),
    path(
        "invitations/<str:token>/",
        views_recruitment.invitation_accept,
        name="invitation_accept",
    ),
    # My organisation and its people
    path("mine/", views_team.my_partner, name="my_partner"),
    path("<int:pk>/invite/", views_team.partner_invite, name="partner_invite"),
    path(
        "<int:pk>/invitations/<int:invitation_pk>/revoke/",
        views_team.invitation_revoke,
        name="invitation_revoke",
    ),
    path("<int:pk>/profile/", views_team.partner_profile, name="partner_profile"),
    path(
        "<int:pk>/members/<int:membership_pk>/",
        views_team.member_edit,
        name="member_edit",
    ),
    path(
        "<int:pk>/members/<int:membership_pk>/remove/",
        views_team.member_remove,
        name="member_remove",
    ),
    path("<int:pk>/agreement/accept/", views_team.agreement_accept, name="agreement_accept"),
    path("<int:pk>/mfa/", views_team.mfa_requirement, name="mfa_requirement"),
]
