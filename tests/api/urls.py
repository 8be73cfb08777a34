"""The portal URLs plus the API key pages, for tests that run before ``prm.urls`` includes them."""

from django.urls import include, path

from prm.urls import urlpatterns as portal_urlpatterns

urlpatterns = list(portal_urlpatterns)
if not any(getattr(p, "namespace", None) == "api_keys" for p in urlpatterns):
    urlpatterns.append(path("api-keys/", include("partners.urls_api_keys")))
