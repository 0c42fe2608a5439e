# One image for web (the CMD), worker, beat and migrate (docker-compose.yml gives their commands).
# tests/postsale/test_image_commands.py runs this file's collectstatic and CMD outside Docker.
FROM python:3.11.7-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONPATH=/app VAR_DIR=/app/var DEBUG=false
WORKDIR /app
RUN useradd --system --uid 10001 --create-home postsale

# The runtime packages at the versions CI tested (same pins as requirements.lock), with hashes.
COPY requirements-prod.lock ./
RUN pip install --no-cache-dir --require-hashes -r requirements-prod.lock

COPY . .
# With DEBUG off, as the containers run: whitenoise's manifest storage writes staticfiles.json
# and the hashed, compressed files. The key and webhook secret only let settings load for this
# step; they stay out of the image's environment.
RUN SECRET_KEY=collectstatic-only ANYMAIL_WEBHOOK_SECRET=collectstatic:only \
    python manage.py collectstatic --noinput --verbosity 0
# The code stays root's; the app user writes only var/ (celery beat's schedule, and the import
# page's uploads in var/imports, a volume web and worker share: it takes this owner when new).
RUN mkdir -p /app/var/imports && chown -R postsale /app/var

USER postsale
EXPOSE 8000
CMD ["gunicorn", "postsale.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]
