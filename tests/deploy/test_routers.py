"""With DATABASE_REPORTS_URL, report reads go to the `reports` alias; everything else stays."""

import os
import shutil
import subprocess
import sys
from types import SimpleNamespace

import pytest
from django.conf import settings
from django.test import override_settings

from config.routers import ReportsRouter, reports_db
from tickets.models import Ticket

ROOT = settings.BASE_DIR
# Only reports_db() reads the overridden DATABASES; no connection is opened through it.
pytestmark = pytest.mark.filterwarnings("ignore:Overriding setting DATABASES")


def model_of(app_label: str):
    return SimpleNamespace(_meta=SimpleNamespace(app_label=app_label))


def with_reports_alias():
    return override_settings(
        DATABASES={**settings.DATABASES, "reports": {**settings.DATABASES["default"]}}
    )


def test_without_a_replica_reports_read_from_default():
    with override_settings(DATABASES={"default": settings.DATABASES["default"]}):
        assert reports_db() == "default"
        assert ReportsRouter().db_for_read(model_of("reports")) == "default"


def test_with_a_replica_reports_models_read_from_it():
    with with_reports_alias():
        assert reports_db() == "reports"
        assert ReportsRouter().db_for_read(model_of("reports")) == "reports"


def test_the_workspace_never_reads_from_the_replica():
    with with_reports_alias():
        assert ReportsRouter().db_for_read(Ticket) is None  # the default: `default`
        assert ReportsRouter().db_for_read(model_of("sla")) is None


def test_nothing_is_written_or_migrated_on_the_replica():
    router = ReportsRouter()
    with with_reports_alias():
        assert router.db_for_write(model_of("reports")) == "default"
        assert router.allow_migrate("reports", "reports") is False
        assert router.allow_migrate("reports", "tickets") is False
        assert router.allow_migrate("default", "reports") is None


SCRIPT = """
from django.contrib.contenttypes.models import ContentType
from django.db import connections
from config.routers import reports_db
ContentType.objects.create(app_label="written", model="after_the_copy")
print(sorted(connections), reports_db(),
      ContentType.objects.filter(app_label="written").count(),
      ContentType.objects.using(reports_db()).filter(app_label="written").count())
"""


def test_report_queries_read_the_replica_database(tmp_path):
    """Two SQLite files: the primary, and a copy of it standing in for a replica that has
    not caught up. A write after the copy is seen on `default` and not through
    `reports_db()`, so the report query really went to the other database."""
    primary, replica = tmp_path / "primary.sqlite3", tmp_path / "replica.sqlite3"
    env = {**os.environ, "DJANGO_ENV": "test", "DATABASE_URL": f"sqlite:///{primary}"}
    env.pop("DATABASE_REPORTS_URL", None)
    run = {"cwd": ROOT, "capture_output": True, "text": True, "timeout": 120, "check": True}
    subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", "migrate", "contenttypes", "--noinput"], env=env, **run
    )
    shutil.copy(primary, replica)

    env["DATABASE_REPORTS_URL"] = f"sqlite:///{replica}"
    result = subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", "shell", "--no-imports", "-c", SCRIPT], env=env, **run
    )

    assert result.stdout.split() == ["['default',", "'reports']", "reports", "1", "0"]
