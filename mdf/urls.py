app_name = "mdf"

urlpatterns: list = []
