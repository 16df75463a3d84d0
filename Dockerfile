# PartnerHub image: web (gunicorn), worker and beat all run from it (see docker-compose.yml).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
WORKDIR /app

# The same script `make install` and the production rehearsal (.ci/rehearsal) use: runtime pins only.
COPY requirements/ requirements/
COPY scripts/install-requirements scripts/install-requirements
RUN scripts/install-requirements python base

COPY . .
# collectstatic needs settings but no real secret or database.
RUN DJANGO_SECRET_KEY=build-only DJANGO_DEBUG=false python manage.py collectstatic --noinput \
    && useradd --create-home --uid 1000 partnerhub && mkdir -p /app/media && chown partnerhub /app/media
USER partnerhub

EXPOSE 8000
CMD ["gunicorn", "partnerhub.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3"]
