"""One line under each form: what the advice would be with the answers as they stand now.

The engine runs after the screen has painted (never on the first frame), and only for the latest
answers when several edits come at once.
"""

from __future__ import annotations

from typing import Callable

from rich.text import Text
from textual.widgets import Static

from pickrt.errors import InputError


class Preview(Static):
    DEFAULT_CSS = """
    Preview { width: 1fr; height: auto; padding: 0 1; }
    """

    def __init__(self, **kw) -> None:
        super().__init__("", **kw)
        self.advice = None
        self._pending: Callable[[], object] | None = None

    def show(self, compute: Callable[[], object]) -> None:
        """Ask the engine after the next refresh (the latest ``compute`` wins)."""
        first = self._pending is None
        self._pending = compute
        if first:
            self.call_after_refresh(self._flush)

    def _flush(self) -> None:
        compute, self._pending = self._pending, None
        if compute is not None:
            self.show_now(compute)

    def show_now(self, compute: Callable[[], object]) -> None:
        try:
            adv = compute()
        except InputError as e:
            self.show_error(str(e))
            return
        except Exception as e:  # the preview must never take the form down
            self.show_error(f"{type(e).__name__}: {e}")
            return
        self.advice = adv
        rec = getattr(adv, "recommendation", None)
        t = Text("Advice now: ", style="dim")
        if rec is None:
            t.append("no runtime can serve this here", style="bold")
        else:
            t.append(rec.name, style="bold")
            t.append(f" · zone {rec.zone}")
        self.update(t)
        self.remove_class("error")

    def show_error(self, msg: str) -> None:
        self._pending = None
        self.advice = None
        self.update(Text(msg))
        self.add_class("error")


__all__ = ["Preview"]
