from .urls_conflicts import urlpatterns as conflict_urlpatterns
from .urls_leads import urlpatterns as lead_urlpatterns

app_name = "deals"

urlpatterns: list = [
    *conflict_urlpatterns,
    *lead_urlpatterns,
]
