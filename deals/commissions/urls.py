"""Commission pages under /deals/commissions/, named ``deals:commission_*`` like the other deal
pages (included by ``deals.urls``)."""

from django.urls import path

from . import views

urlpatterns = [
    path("", views.overview, name="commissions"),
    path("lines/", views.line_list, name="commission_lines"),
    path("lines.csv", views.lines_csv, name="commission_lines_csv"),
    path("statements/", views.statement_list, name="commission_statements"),
    path("statements/<int:pk>/", views.statement_detail, name="commission_statement"),
    path("statements/<int:pk>/pdf/", views.statement_pdf, name="commission_statement_pdf"),
    path("statements/<int:pk>/csv/", views.statement_csv, name="commission_statement_csv"),
    path("payouts/", views.payout_list, name="commission_payouts"),
    path("preview/", views.preview, name="commission_preview"),
]
