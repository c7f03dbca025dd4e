"""The Celery application. Every beat schedule lives here, each with a comment."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("complaints")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# Periodic work: every entry lives here, so one file answers "what runs on a timer?".
app.conf.beat_schedule = {
    # Stored Idempotency-Key answers hold tracking tokens; keep them one day only.
    "purge-idempotency-records": {
        "task": "tickets.tasks.purge_idempotency_records",
        "schedule": 60 * 60,
    },
}
