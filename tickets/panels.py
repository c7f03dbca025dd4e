"""Ticket-page panels contributed by apps above tickets (the SLA clocks, say).

tickets never imports the apps above it; they register a panel here in their
AppConfig.ready(), and the ticket page renders every registered panel in order.
"""

from collections.abc import Callable
from dataclasses import dataclass

from .models import Ticket


@dataclass(frozen=True)
class Panel:
    name: str
    template: str
    context: Callable[[Ticket], dict]
    order: int = 100


_panels: dict[str, Panel] = {}


def register_panel(panel: Panel) -> None:
    _panels[panel.name] = panel


def panels_for(ticket: Ticket) -> list[dict]:
    """Each panel's template and context, for one ticket."""
    return [
        {"template": p.template, **p.context(ticket)}
        for p in sorted(_panels.values(), key=lambda p: p.order)
    ]
