from django.urls import path

from . import views_leads, views_lists

urlpatterns: list = [
    path("leads/", views_lists.lead_list, name="lead_list"),
    path("leads/bulk-offer/", views_lists.lead_bulk_offer, name="lead_bulk_offer"),
    path("leads/new/", views_leads.lead_create, name="lead_create"),
    path("leads/offers/", views_leads.lead_offer_history, name="lead_offer_history"),
    path("leads/<int:pk>/", views_leads.lead_detail, name="lead_detail"),
    path("leads/<int:pk>/accept/", views_leads.lead_accept, name="lead_accept"),
    path("leads/<int:pk>/reject/", views_leads.lead_reject, name="lead_reject"),
    path("leads/<int:pk>/convert/", views_leads.lead_convert, name="lead_convert"),
    path("leads/<int:pk>/route/", views_leads.lead_route, name="lead_route"),
    path("leads/<int:pk>/offer/", views_leads.lead_offer, name="lead_offer"),
    path("leads/<int:pk>/close/", views_leads.lead_close, name="lead_close"),
]
