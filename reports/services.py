"""Writes of the review loop: post-mortems and improvement actions. Every change to an
action appends an ActionChange row (who, which field, from, to) in the same transaction."""

from datetime import date

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from complaints.models import Category
from tickets.exceptions import NotPermitted

from .models import ActionChange, ActionStatus, ImprovementAction, PostMortem, Subject
from .permissions import can_write_reviews


def _require_writer(actor) -> None:
    if not can_write_reviews(actor):
        raise NotPermitted(_("Only managers record post-mortems and improvement actions."))


def _check_subject(subject: str, category: Category | None, value: str) -> dict:
    if subject not in Subject.values:
        raise ValidationError({"subject": _("Choose a category, a product category or a carrier.")})
    if subject == Subject.CATEGORY:
        if category is None:
            raise ValidationError({"category": _("Choose the category.")})
        return {"category": category, "subject_value": ""}
    if not value.strip():
        raise ValidationError({"subject_value": _("Name the product category or carrier.")})
    return {"category": None, "subject_value": value.strip()}


@transaction.atomic
def create_post_mortem(
    *,
    actor: AbstractBaseUser,
    title: str,
    subject: str,
    category: Category | None,
    subject_value: str,
    period_start: date,
    period_end: date,
    findings: str = "",
) -> PostMortem:
    """A new post-mortem; managers only; the period must be in order."""
    _require_writer(actor)
    if period_start > period_end:
        raise ValidationError({"period_end": _("The period must end on or after its start.")})
    return PostMortem.objects.create(
        title=title.strip(),
        subject=subject,
        **_check_subject(subject, category, subject_value),
        period_start=period_start,
        period_end=period_end,
        findings=findings,
        created_by=actor,
    )


@transaction.atomic
def add_action(
    *,
    actor: AbstractBaseUser,
    post_mortem: PostMortem,
    what: str,
    owner: AbstractBaseUser,
    due_date: date,
) -> ImprovementAction:
    """An improvement action about the post-mortem's subject, planned, audited."""
    _require_writer(actor)
    if not what.strip():
        raise ValidationError({"what": _("Say what will be changed.")})
    action = ImprovementAction.objects.create(
        post_mortem=post_mortem,
        subject=post_mortem.subject,
        category=post_mortem.category,
        subject_value=post_mortem.subject_value,
        what=what.strip(),
        owner=owner,
        due_date=due_date,
        created_by=actor,
    )
    ActionChange.objects.create(action=action, actor=actor, field="created", to_value=action.what)
    return action


@transaction.atomic
def update_action(
    *,
    actor: AbstractBaseUser,
    action_id: int,
    status: str | None = None,
    owner: AbstractBaseUser | None = None,
    due_date: date | None = None,
    now=None,
) -> ImprovementAction:
    """Change status, owner or due date; one audit row per changed field. Marking an action
    done records when (the before/after comparison starts there); nothing changed, nothing
    written."""
    _require_writer(actor)
    action = ImprovementAction.objects.select_for_update().get(pk=action_id)
    now = now or timezone.now()
    if status is not None and status not in ActionStatus.values:
        raise ValidationError({"status": _("Unknown status “%s”.") % status})
    changes = []
    if status is not None and status != action.status:
        changes.append(("status", action.status, status))
        action.status = status
        if status in (ActionStatus.DONE, ActionStatus.VERIFIED) and action.done_at is None:
            action.done_at = now
        elif status in (ActionStatus.PLANNED, ActionStatus.IN_PROGRESS):
            action.done_at = None
    if owner is not None and owner.pk != action.owner_id:
        changes.append(("owner", action.owner.get_username(), owner.get_username()))
        action.owner = owner
    if due_date is not None and due_date != action.due_date:
        changes.append(("due_date", action.due_date.isoformat(), due_date.isoformat()))
        action.due_date = due_date
    if not changes:
        return action
    action.updated_at = now
    action.save()
    ActionChange.objects.bulk_create(
        ActionChange(action=action, actor=actor, field=f, from_value=a, to_value=b, created_at=now)
        for f, a, b in changes
    )
    return action
