from django.urls import path

from . import views_content as content
from . import views_programs as views

urlpatterns: list = [
    path("onboarding/", views.onboarding_list, name="onboarding_list"),
    path("onboarding/<int:partner_id>/", views.onboarding_detail, name="onboarding_detail"),
    path(
        "onboarding/<int:partner_id>/steps/<int:step_id>/check/",
        views.onboarding_check,
        name="onboarding_check",
    ),
    path("plans/", views.plan_list, name="plan_list"),
    path("plans/new/", views.plan_create, name="plan_create"),
    path("plans/<int:pk>/", views.plan_detail, name="plan_detail"),
    path("plans/<int:pk>/edit/", views.plan_edit, name="plan_edit"),
    path("plans/<int:pk>/approve/", views.plan_approve, name="plan_approve"),
    path("plans/<int:pk>/new-version/", views.plan_new_version, name="plan_new_version"),
    path("plans/<int:pk>/check-ins/<int:checkin_pk>/", views.plan_checkin, name="plan_checkin"),
    path("assets/", content.asset_list, name="asset_list"),
    path("assets/new/", content.asset_create, name="asset_create"),
    path("assets/<int:pk>/download/", content.asset_download, name="asset_download"),
    path("assets/<int:pk>/co-brand/", content.asset_cobrand, name="asset_cobrand"),
    path("business-cases/", content.case_list, name="case_list"),
    path("business-cases/new/", content.case_model_pick, name="case_model_pick"),
    path("business-cases/new/<int:model_pk>/", content.case_create, name="case_create"),
    path("business-cases/<int:pk>/", content.case_detail, name="case_detail"),
    path("business-cases/<int:pk>/present/", content.case_present, name="case_present"),
    path("business-cases/<int:pk>/pdf/", content.case_pdf, name="case_pdf"),
    path(
        "business-cases/<int:pk>/register-deal/",
        content.case_register_deal,
        name="case_register_deal",
    ),
]
