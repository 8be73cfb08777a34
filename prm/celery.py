import os

from celery import Celery

# Workers and beat run in production the way WSGI does; `make worker` asks for local settings.
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "prm.settings.production")

app = Celery("prm")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
