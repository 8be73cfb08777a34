FROM python:3.11-slim
# WeasyPrint renders PDFs with Pango.
RUN apt-get update && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY . .
RUN pip install --no-cache-dir -c requirements/constraints.txt -e . \
    && DJANGO_SETTINGS_MODULE=prm.settings.local python manage.py collectstatic --noinput
EXPOSE 8000
CMD ["gunicorn", "prm.wsgi:application", "--bind", "0.0.0.0:8000"]
