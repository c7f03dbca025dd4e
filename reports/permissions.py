"""Who may read the reports: supervisors and managers (and superusers). Agents work the
queue; the figures about everybody's work are for the people who run the team."""

from rest_framework.permissions import BasePermission

from tickets.roles import Role, has_any_role

REPORT_READERS = frozenset({Role.SUPERVISOR, Role.MANAGER})
# Post-mortems and improvement actions are the managers' (the domain notes: managers own
# improvement actions); supervisors read them.
REVIEW_WRITERS = frozenset({Role.MANAGER})


def can_read_reports(user) -> bool:
    return has_any_role(user, REPORT_READERS)


def can_write_reviews(user) -> bool:
    return has_any_role(user, REVIEW_WRITERS)


class CanReadReports(BasePermission):
    message = "Only supervisors and managers may read the reports."

    def has_permission(self, request, view) -> bool:
        return can_read_reports(request.user)
