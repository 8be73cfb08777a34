from django.urls import path

from . import views

app_name = "partners"

urlpatterns = [
    path("", views.partner_list, name="partner_list"),
    path("apply/", views.apply, name="apply"),
    path("apply/thanks/", views.apply_thanks, name="apply_thanks"),
    path("applications/", views.application_list, name="application_list"),
    path("applications/<int:pk>/", views.application_review, name="application_review"),
    path("invitations/<str:token>/", views.invitation_accept, name="invitation_accept"),
    path("mine/", views.my_partner, name="my_partner"),
    path("tiers/", views.tier_list, name="tier_list"),
    path("<int:pk>/", views.partner_detail, name="partner_detail"),
    path("<int:pk>/qualify/", views.partner_qualify, name="partner_qualify"),
    path("<int:pk>/status/", views.partner_status, name="partner_status"),
    path("<int:pk>/tier/", views.partner_tier, name="partner_tier"),
    path("<int:pk>/invite/", views.partner_invite, name="partner_invite"),
    path(
        "<int:pk>/invitations/<int:invitation_pk>/revoke/",
        views.invitation_revoke,
        name="invitation_revoke",
    ),
    path(
        "<int:pk>/members/<int:membership_pk>/remove/",
        views.member_remove,
        name="member_remove",
    ),
    path("<int:pk>/agreement/accept/", views.agreement_accept, name="agreement_accept"),
]
