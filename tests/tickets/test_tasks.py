from datetime import timedelta

import pytest
from django.utils import timezone

from config.celery import app
from tickets.models import IdempotencyRecord
from tickets.tasks import purge_idempotency_records

pytestmark = pytest.mark.django_db


def test_old_idempotency_answers_are_purged_and_recent_ones_kept():
    old = IdempotencyRecord.objects.create(
        scope="anonymous",
        key="old",
        request_hash="x",
        response={},
        created_at=timezone.now() - timedelta(hours=25),
    )
    recent = IdempotencyRecord.objects.create(
        scope="anonymous", key="new", request_hash="x", response={}
    )
    assert purge_idempotency_records() == 1
    assert not IdempotencyRecord.objects.filter(pk=old.pk).exists()
    assert IdempotencyRecord.objects.filter(pk=recent.pk).exists()
    assert purge_idempotency_records() == 0


def test_every_beat_entry_names_a_registered_task():
    app.loader.import_default_modules()
    for entry in app.conf.beat_schedule.values():
        assert entry["task"] in app.tasks
