"""Configuration history (django-simple-history) starts from a baseline.

History records an edit as the row after it; the admin shows "before → after" by comparing a
record with the one before. Rows that existed before history was switched on have no record,
so their first edit would have no "before". The migrations that switch history on call
`record_baseline` to write one "created" record per existing row, marked as the baseline.
"""

from django.utils import timezone

BASELINE_REASON = "baseline when history began"


def record_baseline(apps, app_label: str, model_names: list[str]) -> None:
    """One history record per existing row of each model, as it stands now."""
    now = timezone.now()
    for name in model_names:
        model = apps.get_model(app_label, name)
        historical = apps.get_model(app_label, f"Historical{name}")
        # Only the columns the historical model has at this point of the migration graph: a
        # field added to the model by a later migration is not in its history table yet.
        kept = {f.attname for f in historical._meta.concrete_fields}
        fields = [f.attname for f in model._meta.concrete_fields if f.attname in kept]
        historical.objects.bulk_create(
            historical(
                **{f: getattr(row, f) for f in fields},
                history_date=now,
                history_type="+",
                history_change_reason=BASELINE_REASON,
            )
            for row in model.objects.order_by("pk")
        )
