"""Staff roles are Django groups (created by a migration); superusers may do anything.

Agents work tickets; supervisors do what agents do plus approve, reopen and reassign anyone's
tickets; managers read everything but change no tickets. Customers are not users at all.
"""

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    AGENT = "agents", _("Agent")
    SUPERVISOR = "supervisors", _("Supervisor")
    MANAGER = "managers", _("Manager")


WORKERS = frozenset({Role.AGENT, Role.SUPERVISOR})
# Not a group: the holder of a complaint's tracking (or survey) link, acting on the portal.
CUSTOMER = "customer"
SUPERVISORS = frozenset({Role.SUPERVISOR})


def roles_of(user: AbstractBaseUser | AnonymousUser | None) -> frozenset[str]:
    """The role groups a user belongs to, read once per user object and cached on it."""
    if user is None or not user.is_authenticated or not user.is_active:
        return frozenset()
    cached = getattr(user, "_complaint_roles", None)
    if cached is None:
        cached = frozenset(user.groups.filter(name__in=Role.values).values_list("name", flat=True))
        user._complaint_roles = cached
    return cached


def has_any_role(user, roles: frozenset[str]) -> bool:
    if user is not None and user.is_authenticated and user.is_active and user.is_superuser:
        return True
    return bool(roles_of(user) & roles)


def is_staff_member(user) -> bool:
    """Anyone who may read tickets: agents, supervisors, managers and superusers."""
    return has_any_role(user, frozenset(Role.values))


def is_worker(user) -> bool:
    """Anyone who may change tickets: agents, supervisors and superusers (not managers)."""
    return has_any_role(user, WORKERS)


def is_supervisor(user) -> bool:
    return has_any_role(user, SUPERVISORS)


def role_label(user) -> str:
    """The highest role, for headers and audit lines."""
    if user.is_superuser:
        return str(_("Administrator"))
    roles = roles_of(user)
    for role in (Role.MANAGER, Role.SUPERVISOR, Role.AGENT):
        if role in roles:
            return str(role.label)
    return ""


def create_role_groups(group_model) -> None:
    """The three role groups; safe to run again (used by the migration)."""
    for name in Role.values:
        group_model.objects.get_or_create(name=name)
