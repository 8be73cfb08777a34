from .urls_catalogue import urlpatterns as catalogue_urlpatterns
from .urls_certifications import urlpatterns as certification_urlpatterns
from .urls_programs import urlpatterns as program_urlpatterns

urlpatterns: list = [*certification_urlpatterns, *program_urlpatterns, *catalogue_urlpatterns]
