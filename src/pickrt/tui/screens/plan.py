""""What would it take?": the plan for the wizard's model and workload, the same text as ``pickrt plan``."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Header, Static


def plan_text(app) -> str:
    """The plan's text for the app's answers, or one line saying why there is none."""
    wl = app.workload
    if wl is None or wl.model is None:
        return "A plan needs a model: name one on the workload screen (Escape twice), then come back with p."
    try:
        from pickrt.engine.plan import plan
        from pickrt.render.plan_text import render

        return render(plan(wl, app.catalog, this_profile=app.profile))
    except Exception as e:  # show, never crash the wizard
        return f"The plan failed: {type(e).__name__}: {e}"


class PlanScreen(Screen):
    BINDINGS = [
        Binding("escape", "back", "Back"),
        Binding("p", "back", "Back", show=False),
    ]

    def compose(self) -> ComposeResult:
        yield Header()
        with VerticalScroll(id="plan-body"):
            yield Static(Text(plan_text(self.app)), id="plan-text")
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = "What would it take? (pickrt plan)"
        self.query_one("#plan-body").focus()

    def action_back(self) -> None:
        self.app.pop_screen()


__all__ = ["PlanScreen", "plan_text"]
