from django.urls import path

from .views import claims, ops, partner, program, review

app_name = "mdf"

urlpatterns: list = [
    # The partner's funds, requests and claims.
    path("", partner.home, name="home"),
    path("funds/<int:pk>/", partner.fund_detail, name="fund_detail"),
    path("requests/", partner.request_list, name="request_list"),
    path("requests/new/", partner.request_create, name="request_create"),
    path("requests/<int:pk>/", partner.request_detail, name="request_detail"),
    path("requests/<int:pk>/edit/", partner.request_edit, name="request_edit"),
    path("requests/<int:pk>/submit/", partner.request_submit, name="request_submit"),
    path("requests/<int:pk>/cancel/", partner.request_cancel, name="request_cancel"),
    path("requests/<int:pk>/claim/", claims.claim_form, name="claim_form"),
    path("requests/<int:pk>/extension/", claims.extension_request, name="extension_request"),
    path("proof/<int:pk>/", claims.proof_download, name="proof_download"),
    path("proof/<int:pk>/remove/", claims.proof_remove, name="proof_remove"),
    # The vendor's decisions.
    path("queue/", review.queue, name="queue"),
    path("requests/<int:pk>/decide/", review.request_decide, name="request_decide"),
    path("claims/", review.claim_queue, name="claim_queue"),
    path("requests/<int:pk>/claim/review/", review.claim_review, name="claim_review"),
    path("extensions/", review.extension_queue, name="extension_queue"),
    path("extensions/<int:pk>/decide/", review.extension_decide, name="extension_decide"),
    # Program operations.
    path("activity-types/", ops.activity_type_list, name="activity_types"),
    path("activity-types/new/", ops.activity_type_create, name="activity_type_create"),
    path("activity-types/<int:pk>/", ops.activity_type_edit, name="activity_type_edit"),
    path("activity-types/<int:pk>/toggle/", ops.activity_type_toggle, name="activity_type_toggle"),
    path("settings/", ops.program_settings, name="settings"),
    path("allocations/", ops.allocation, name="allocation"),
    path("payments/", ops.payments, name="payments"),
    path("program/", program.program_view, name="program"),
    path("program/export.csv", program.program_export, name="program_export"),
]
