"""A process-wide memo for what the SLA engine reads on every ticket event but almost never
changes: calendars (as pure specs), the active policies, each policy's latest version.

Saving or deleting any of those clears it in this process (signals wired in apps.py); other
processes (a worker, another web process) see an edit within LIFETIME at the latest.
"""

import threading
import time
from collections.abc import Callable
from typing import Any

LIFETIME = 60.0

_lock = threading.Lock()
_values: dict[Any, tuple[float, Any]] = {}


def remembered(key: Any, load: Callable[[], Any]) -> Any:
    now = time.monotonic()
    hit = _values.get(key)
    if hit is not None and hit[0] > now:
        return hit[1]
    value = load()
    with _lock:
        _values[key] = (now + LIFETIME, value)
    return value


def forget(*args, **kwargs) -> None:
    """Drop everything (a signal receiver, hence the arguments)."""
    with _lock:
        _values.clear()
