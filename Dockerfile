# One image for every process of the stack (web, worker, beat, migrate); docker-compose.yml
# picks the command. Runtime dependencies only: tests and dev tools stay out of the image.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# The processes run as an unprivileged user; the code stays owned by root (read-only to them).
RUN groupadd --system --gid 10001 app \
    && useradd --system --uid 10001 --gid app --home-dir /app --no-create-home \
       --shell /usr/sbin/nologin app

WORKDIR /app

# Dependencies first, so a code change does not reinstall them.
COPY requirements.txt ./
RUN pip install -r requirements.txt

COPY . .

# Static files are collected at build time. Production settings refuse to load without a
# SECRET_KEY, so this one step gets a throwaway one; it is not baked into the image (the
# variables exist only for this RUN). var/ is where the app writes at run time: uploaded
# evidence (MEDIA_ROOT, a volume in docker-compose.yml) and the beat schedule file.
RUN DJANGO_ENV=production SECRET_KEY=build-only-not-secret \
       python manage.py collectstatic --noinput \
    && mkdir -p /app/var/media \
    && chown -R app:app /app/var

USER app

EXPOSE 8000

CMD ["gunicorn", "config.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]
