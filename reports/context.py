def reports_nav(request) -> dict:
    """Template context: whether the header shows the Reports link (supervisors, managers)."""
    from .permissions import can_read_reports

    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"can_read_reports": can_read_reports(user)}
