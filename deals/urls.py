from django.urls import include, path

from . import views, views_lists
from .commissions import urls_ops as commission_ops_urls
from .commissions.urls import urlpatterns as commission_urlpatterns
from .urls_conflicts import urlpatterns as conflict_urlpatterns
from .urls_leads import urlpatterns as lead_urlpatterns

app_name = "deals"

urlpatterns: list = [
    path("", views_lists.deal_list, name="deal_list"),
    path("new/", views.deal_create, name="deal_create"),
    path("new/precheck/", views.deal_precheck, name="deal_precheck"),
    path("<int:pk>/", views.deal_detail, name="deal_detail"),
    path("<int:pk>/edit/", views.deal_edit, name="deal_edit"),
    path("<int:pk>/submit/", views.deal_submit, name="deal_submit"),
    path("<int:pk>/withdraw/", views.deal_withdraw, name="deal_withdraw"),
    path("<int:pk>/outcome/", views.deal_outcome, name="deal_outcome"),
    path("<int:pk>/extension/", views.deal_request_extension, name="deal_request_extension"),
    path("<int:pk>/review/", views.deal_review, name="deal_review"),
    path("review/", views_lists.review_queue, name="review_queue"),
    path("review/bulk/", views_lists.review_bulk, name="review_bulk"),
    path("extensions/", views.extension_queue, name="extension_queue"),
    path("extensions/<int:pk>/decide/", views.extension_decide, name="extension_decide"),
    path("reports/", views.aging_report, name="aging_report"),
    path("reports/sla/", views.sla_report, name="sla_report"),
    path("import/", views.deal_import, name="deal_import"),
    path("imports/", views_lists.import_list, name="import_list"),
    path("import/template.csv", views.import_template_csv, name="import_template"),
    path("import/<int:pk>/", views.import_detail, name="import_detail"),
    path("import/<int:pk>/progress/", views.import_progress, name="import_progress"),
    path("import/<int:pk>/report.csv", views.import_report_csv, name="import_report"),
    path("commissions/", include(commission_urlpatterns)),
    path("commissions/ops/", include(commission_ops_urls.urlpatterns)),
    *conflict_urlpatterns,
    *lead_urlpatterns,
]
