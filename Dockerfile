# One image for every process of the stack (web, worker, beat, migrate); docker-compose.yml
# picks the command. Runtime dependencies only: tests and dev tools stay out of the image.
# How the stack runs and scales: docs/deployment.md.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    # The image is for production: without SECRET_KEY, ALLOWED_HOSTS and an https SITE_URL
    # it refuses to start.
    DJANGO_ENV=production

# The processes run as an unprivileged user; the code stays owned by root (read-only to them).
RUN groupadd --system --gid 10001 app \
    && useradd --system --uid 10001 --gid app --home-dir /app --no-create-home \
       --shell /usr/sbin/nologin app

WORKDIR /app

# Dependencies first, so a code change does not reinstall them. Every wheel is binary
# (psycopg2-binary, Pillow): no compiler in the image.
COPY requirements.txt ./
RUN pip install -r requirements.txt

COPY . .

# Static files are collected (and compressed, with hashed names) at build time. Production
# settings refuse to load without a strong SECRET_KEY, a host name and an https SITE_URL, so
# this one step gets throwaway ones; they exist only for this RUN and are not baked into the image. var/ is
# where the app writes at run time: uploaded evidence (MEDIA_ROOT, a volume in
# docker-compose.yml) and the beat schedule file.
RUN SECRET_KEY="build-only-$(python -c 'import secrets; print(secrets.token_urlsafe(50))')" \
       ALLOWED_HOSTS=build.invalid SITE_URL=https://build.invalid \
       python manage.py collectstatic --noinput --verbosity 0 \
    && mkdir -p /app/var/media \
    && chown -R app:app /app/var

USER app

EXPOSE 8000

# Liveness only (/healthz: the process answers, no database): a database outage must not
# make every web container "unhealthy" at once. Load balancers use /readyz for traffic.
# Answered before the HTTPS redirect and the host check, so plain HTTP to 127.0.0.1 works.
# Worker and beat containers replace this check with their own (docker-compose.yml).
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4)"]

# gunicorn's settings (workers, timeouts, access log, JSON logs) are in config/gunicorn.py.
CMD ["gunicorn", "--config", "config/gunicorn.py", "config.wsgi:application"]
