"""The Celery application. Every beat schedule lives here, each with a comment."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("complaints")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# Periodic work. The SLA sweep and the weekly digest are added by their apps' issues;
# keep every entry here so one file answers "what runs on a timer?".
app.conf.beat_schedule = {}
