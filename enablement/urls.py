from .urls_certifications import urlpatterns as certification_urlpatterns
from .urls_programs import urlpatterns as program_urlpatterns

app_name = "enablement"

urlpatterns: list = [*certification_urlpatterns, *program_urlpatterns]
