"""The Celery application. Every beat schedule lives here, each with a comment."""

import os

from celery import Celery
from kombu import Queue

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("complaints")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# Queues, so a flood of one kind of work never delays another: the SLA sweep must run every
# minute even while a big report or a backlog of emails is being worked through. Every
# worker started without -Q consumes all of them (make run, the compose worker); at scale,
# workers are started per queue (`-Q sla`, `-Q reports`...; see docs/deployment.md).
QUEUES = ("default", "sla", "notifications", "reports")
app.conf.task_queues = [Queue(name, routing_key=name) for name in QUEUES]
app.conf.task_default_queue = "default"
app.conf.task_default_routing_key = "default"
app.conf.task_routes = {
    "sla.tasks.*": {"queue": "sla"},
    "tickets.tasks.send_notification": {"queue": "notifications"},
    "tickets.tasks.flush_notifications": {"queue": "notifications"},
    "reports.*": {"queue": "reports"},
}

# Periodic work: every entry lives here, so one file answers "what runs on a timer?".
app.conf.beat_schedule = {
    # SLA enforcement: warnings and breaches, exact to the sweep interval (a minute).
    "sla-sweep": {
        "task": "sla.tasks.sweep_sla",
        "schedule": float(os.environ.get("SLA_SWEEP_SECONDS", "60")),
    },
    # Warnings on unassigned tickets reach the supervisors as one digest per period
    # (sla.alerts); the task sends the last complete period's, once.
    "sla-warning-digest": {
        "task": "sla.tasks.send_warning_digest",
        "schedule": 60.0 * int(os.environ.get("SLA_WARNING_DIGEST_MINUTES") or "60") / 4,
    },
    # Stored Idempotency-Key answers hold tracking tokens; keep them one day only.
    "purge-idempotency-records": {
        "task": "tickets.tasks.purge_idempotency_records",
        "schedule": 60 * 60,
    },
    # Staff emails whose own task was lost (broker down, worker killed) go out from here.
    "flush-notifications": {
        "task": "tickets.tasks.flush_notifications",
        "schedule": float(os.environ.get("NOTIFICATION_FLUSH_SECONDS", "60")),
    },
}

# Email intake: new complaints and customer replies from the complaints mailbox, every
# MAIL_FETCH_SECONDS (default a minute). Only scheduled when a mailbox is configured.
if os.environ.get("MAIL_IMAP_HOST"):
    app.conf.beat_schedule["fetch-mail"] = {
        "task": "tickets.tasks.fetch_mail",
        "schedule": float(os.environ.get("MAIL_FETCH_SECONDS") or "60"),
    }

# Reports: ticket changes reach the fact rows and weekly counts within a few seconds
# (REPORTS_ROLLUP_SECONDS); ticket transactions only mark the ticket stale.
app.conf.beat_schedule["reports-update-facts"] = {
    "task": "reports.tasks.update_report_facts",
    "schedule": float(os.environ.get("REPORTS_ROLLUP_SECONDS") or "2"),
}

# Reports: the weekly digest (key figures, spikes, breaches, open actions, CSV attached) to
# the managers, Monday 08:00 local time (CELERY_TIMEZONE) unless REPORTS_DIGEST_DAY_OF_WEEK,
# REPORTS_DIGEST_HOUR and REPORTS_DIGEST_MINUTE say otherwise.
from celery.schedules import crontab  # noqa: E402

app.conf.beat_schedule["reports-weekly-digest"] = {
    "task": "reports.tasks.send_weekly_digest",
    "schedule": crontab(
        day_of_week=os.environ.get("REPORTS_DIGEST_DAY_OF_WEEK") or "mon",
        hour=os.environ.get("REPORTS_DIGEST_HOUR") or "8",
        minute=os.environ.get("REPORTS_DIGEST_MINUTE") or "0",
    ),
}
