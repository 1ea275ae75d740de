"""Progress of a long-running command (key rotation, imports) over 10⁵ and more rows.

On a terminal: one line rewritten in place, at most twice a second, with the count, the
rate and the estimated time left. Not on a terminal (a log, CI, cron): nothing until the
end, so a log holds no thousand progress lines. At the end, always: how many rows in how
long, and the rate.
"""

from __future__ import annotations

import time
from typing import Callable, Optional

from django.utils.translation import gettext as _


def _duration(seconds: float) -> str:
    seconds = max(0, int(round(seconds)))
    if seconds < 60:
        return _("%(s)d s") % {"s": seconds}
    minutes, seconds = divmod(seconds, 60)
    if minutes < 60:
        return _("%(m)d min %(s)02d s") % {"m": minutes, "s": seconds}
    hours, minutes = divmod(minutes, 60)
    return _("%(h)d h %(m)02d min") % {"h": hours, "m": minutes}


class Progress:
    """``update(done, total)`` after each batch; ``summary(noun)`` once at the end."""

    #: Seconds between two redraws of the terminal line.
    interval = 0.5

    def __init__(self, stdout, *, verbosity: int = 1, clock: Callable[[], float] = time.monotonic,
                 interactive: Optional[bool] = None):
        self.stdout = stdout
        self.clock = clock
        self.started = clock()
        self.done = 0
        self._drawn_at: Optional[float] = None
        self._width = 0
        if interactive is None:
            isatty = getattr(stdout, "isatty", None)
            interactive = bool(isatty and isatty())
        self.interactive = interactive and verbosity >= 1

    def rate(self) -> float:
        elapsed = self.clock() - self.started
        return self.done / elapsed if elapsed > 0 else 0.0

    def update(self, done: int, total: int, label: str = "") -> None:
        self.done = done
        if not self.interactive:
            return
        now = self.clock()
        if self._drawn_at is not None and now - self._drawn_at < self.interval and done < total:
            return
        self._drawn_at = now
        rate = self.rate()
        left = (total - done) / rate if rate > 0 else None
        line = _("%(label)s%(done)d/%(total)d, %(rate)d per second, %(left)s left") % {
            "label": f"{label}: " if label else "",
            "done": done,
            "total": total,
            "rate": round(rate),
            "left": _duration(left) if left is not None else "?",
        }
        padding = " " * max(0, self._width - len(line))
        self._width = len(line)
        self.stdout.write(f"\r  {line}{padding}", ending="")
        self.stdout.flush()

    def summary(self) -> str:
        """How many rows in how long, and the rate (also for the log)."""
        if self.interactive and self._drawn_at is not None:
            self.stdout.write("")  # end the line rewritten in place
        elapsed = self.clock() - self.started
        return _("%(done)d rows in %(time)s (%(rate)d rows per second)") % {
            "done": self.done,
            "time": _duration(elapsed) if elapsed >= 1 else _("%(s).2f s") % {"s": elapsed},
            "rate": round(self.rate()),
        }
