FROM python:3.11-slim
# WeasyPrint renders PDFs with Pango.
RUN apt-get update && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY . .
RUN pip install --no-cache-dir -c requirements/constraints.txt -e .
# Collect static files with the production settings, whose storage writes the manifest of hashed
# names that every page needs at run time. The settings refuse to load without their services;
# these placeholders satisfy them for the build only (collectstatic connects to none of them).
RUN DJANGO_SETTINGS_MODULE=prm.settings.production \
    DJANGO_SECRET_KEY=build-only-placeholder-never-used-at-run-time \
    DJANGO_ALLOWED_HOSTS=build.invalid \
    DATABASE_URL=sqlite:////tmp/build-only.sqlite3 \
    REDIS_URL=redis://build.invalid:6379/0 \
    PRM_SITE_URL=https://build.invalid \
    python manage.py collectstatic --noinput
ENV DJANGO_SETTINGS_MODULE=prm.settings.production
EXPOSE 8000
CMD ["gunicorn", "prm.wsgi:application", "--bind", "0.0.0.0:8000"]
