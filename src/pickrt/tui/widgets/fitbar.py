"""Memory-fit bar: weights, KV cache and overhead against usable memory, as the advice gives them.

Each part has its own glyph as well as its own colour, so the bar reads under NO_COLOR too.
"""

from __future__ import annotations

from typing import Optional

from rich.console import Console, ConsoleOptions, RenderResult
from rich.measure import Measurement
from rich.text import Text
from textual.reactive import reactive
from textual.widget import Widget

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pickrt.advice import ModelFit


GLYPHS = {"weights": "█", "kv": "▓", "overhead": "▒", "free": "░", "over": "▚"}


class FitBar(Widget):
    """Renders ``advice.model_fit`` (never computes it)."""

    DEFAULT_CSS = """
    FitBar { height: auto; width: 1fr; }
    """

    fit: reactive[Optional[ModelFit]] = reactive(None, layout=True)

    def __init__(self, fit: Optional[ModelFit] = None, **kw) -> None:
        super().__init__(**kw)
        self.set_reactive(FitBar.fit, fit)

    def _colors(self) -> dict[str, str]:
        th = self.app.current_theme
        return {
            "weights": th.primary or "blue",
            "kv": th.secondary or th.accent or "magenta",
            "overhead": th.warning or "yellow",
            "free": "grey50",
            "over": th.error or "red",
            "ok": th.success or "green",
        }

    def render(self):
        f = self.fit
        if f is None:
            return Text("No model given: the memory fit is not checked (name one on the Workload step).", style="italic")
        return _Bar(f, self._colors())


class _Bar:
    """Sized at render time, to the width it is given."""

    def __init__(self, fit: ModelFit, colors: dict[str, str]) -> None:
        self.fit, self.colors = fit, colors

    def __rich_measure__(self, console: Console, options: ConsoleOptions) -> Measurement:
        return Measurement(10, options.max_width)

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        yield from self.lines(max(10, options.max_width))

    def lines(self, width: int) -> list[Text]:
        f, col = self.fit, self.colors
        parts = [("weights", f.weights_gb), ("kv", f.kv_cache_gb), ("overhead", f.overhead_gb)]
        used = sum(v for _, v in parts) or f.required_gb
        scale_total = max(f.available_gb, used, 1e-9)
        avail_cells = int(round(f.available_gb / scale_total * width))
        keys: list[str] = []
        for key, v in parts:
            n = int(round(v / scale_total * width))
            if v > 0 and n == 0:
                n = 1
            keys.extend([key] * n)
        keys = keys[:width]
        keys.extend(["free"] * max(0, avail_cells - len(keys)))
        bar = Text()
        for i, key in enumerate(keys):
            if i >= avail_cells:
                # Past usable memory: what does not fit, marked by glyph and colour.
                bar.append(GLYPHS["over"], style=col["over"])
            else:
                bar.append(GLYPHS[key], style=col[key])
        legend = Text()
        for key, label, v in (("weights", "weights", f.weights_gb), ("kv", "KV cache", f.kv_cache_gb),
                              ("overhead", "overhead", f.overhead_gb)):
            legend.append(GLYPHS[key] + " ", style=col[key])
            legend.append(f"{label} {v:.1f}  ")
        if used > f.available_gb:
            legend.append(GLYPHS["over"] + " ", style=col["over"])
            legend.append(f"over by {f.required_gb - f.available_gb:.1f}  ")
        with_rt = f", {f.runtime}" if f.runtime else ""
        legend.append(f"= {f.required_gb:.1f} of {f.available_gb:.1f} GiB usable ({f.quant}{with_rt}) ")
        if f.fits:
            legend.append("fits", style=f"bold {col['ok']}")
        elif f.offload:
            legend.append("fits only by offloading to system RAM", style=f"bold {col['overhead']}")
        else:
            legend.append("does not fit", style=f"bold {col['over']}")
        return [bar, legend]


__all__ = ["FitBar", "GLYPHS"]
