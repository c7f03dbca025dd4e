"""Reports read from a replica when one is configured.

With `DATABASE_REPORTS_URL` set, settings add a `reports` database alias (typically a
streaming read replica of the primary) and list `ReportsRouter` in `DATABASE_ROUTERS`.
Reads of models of the `reports` app go there; every other read and every write stays on
`default`. Report code reads the lower apps' models too (tickets, events, clocks), which a
router cannot tell apart from the workspace's own reads, so report queries ask for the
alias explicitly:

    from config.routers import reports_db

    Ticket.objects.using(reports_db()).values("category").annotate(n=Count("id"))

`reports_db()` is `"reports"` when the alias exists and `"default"` otherwise, so the same
code runs on a laptop with one SQLite file and in production with a replica. A replica lags
the primary by a little (usually under a second): fine for dashboards, wrong for anything
that must read its own writes, which is why nothing but reports uses it.
"""

from django.conf import settings

REPORTS_ALIAS = "reports"
REPORTS_APP = "reports"


def reports_db() -> str:
    """The database alias report queries should use with `.using()`."""
    return REPORTS_ALIAS if REPORTS_ALIAS in settings.DATABASES else "default"


class ReportsRouter:
    """Send reads of the `reports` app to the `reports` alias; never write or migrate there.

    The replica is a copy of `default` (same schema, same rows), so relations between
    objects from either alias are allowed, and migrations run on `default` only.
    """

    def db_for_read(self, model, **hints):
        if model._meta.app_label == REPORTS_APP:
            return reports_db()
        return None

    def db_for_write(self, model, **hints):
        return "default"

    def allow_relation(self, obj1, obj2, **hints):
        aliases = {"default", REPORTS_ALIAS}
        if obj1._state.db in aliases and obj2._state.db in aliases:
            return True
        return None

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        if db == REPORTS_ALIAS:
            return False
        return None
