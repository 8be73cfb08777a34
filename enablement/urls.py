app_name = "enablement"

urlpatterns: list = []
