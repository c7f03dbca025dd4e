"""DRF permissions: who may call an endpoint at all. Finer rules (which ticket, which
transition) are the services' to enforce, so the API and the pages can never disagree."""

from rest_framework.permissions import BasePermission

from .roles import is_staff_member


class IsStaffRole(BasePermission):
    """Agents, supervisors, managers and superusers: everybody who may read tickets."""

    message = "Only staff (agents, supervisors, managers) may use this endpoint."

    def has_permission(self, request, view) -> bool:
        return is_staff_member(request.user)
