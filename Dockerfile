# PartnerHub image: web (gunicorn), worker, beat and the migration Job all run from it (see
# docker-compose.yml and deploy/). It runs as any UID: OpenShift's restricted SCC picks a random
# one in group 0, Kubernetes uses the numeric USER below. Nothing in the image is written at run
# time except /tmp (an emptyDir in deploy/, the root filesystem is read-only there) and
# /app/media (the shared volume), which belongs to group 0 and is group-writable.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 \
    HOME=/tmp TMPDIR=/tmp
WORKDIR /app

# Pango and a font for the quarterly review's PDF export (WeasyPrint, reporting/review_pdf.py).
RUN apt-get update \
    && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core \
    && rm -rf /var/lib/apt/lists/*

# The same script `make install` and the production rehearsal (.ci/rehearsal) use: runtime pins only.
COPY requirements/ requirements/
COPY scripts/install-requirements scripts/install-requirements
RUN scripts/install-requirements python base

COPY . .
# collectstatic needs settings but no real secret or database. The files stay root-owned and
# world-readable; only /app/media is writable, by group 0 (the group of every OpenShift UID).
RUN DJANGO_SECRET_KEY=build-only DJANGO_DEBUG=false python manage.py collectstatic --noinput \
    && useradd --uid 1001 --gid 0 --no-create-home --home-dir /tmp --shell /usr/sbin/nologin partnerhub \
    && mkdir -p /app/media \
    && chgrp 0 /app/media && chmod 2775 /app/media
# Numeric, so Kubernetes can check runAsNonRoot; any other UID (group 0) works the same.
USER 1001:0

EXPOSE 8000
# Workers, timeout and the multiprocess metrics directory: partnerhub/gunicorn_conf.py (environment).
CMD ["gunicorn", "--config", "python:partnerhub.gunicorn_conf", "partnerhub.wsgi:application"]
