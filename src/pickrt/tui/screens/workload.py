"""Step 2: the workload. Pre-filled from the command line; every change re-asks the engine."""

from __future__ import annotations

from typing import Optional

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import (
    Button, Footer, Header, Input, Label, RadioSet, Select, SelectionList, Static,
)
from textual.widgets.selection_list import Selection

from pickrt.errors import InputError
from pickrt.tui.answers import GOAL_HELP, NEEDS_HELP, TRAFFIC_HELP, WorkloadForm, form_message
from pickrt.tui.screens.form import FormScreen, hint_line
from pickrt.tui.widgets.marks import MarkedRadioButton, MarkedSelectionList
from pickrt.tui.widgets.picker import Picker
from pickrt.tui.widgets.preview import Preview

FORMATS = ("any", "gguf", "exl2", "exl3", "awq", "gptq", "fp8", "nvfp4", "mxfp4", "mlx", "bf16")


def _label(name: str, help_: str, width: int = 14) -> Text:
    t = Text(name.ljust(width), style="bold")
    t.append(help_, style="not bold dim")
    return t


class WorkloadScreen(FormScreen):
    TYPE_TARGET = "#model-input"  # the field people type names into; Shift+Tab reaches traffic and users
    BINDINGS = [
        Binding("enter", "next", "Next"),
        Binding("escape", "back", "Back"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.error: Optional[str] = None

    def compose(self) -> ComposeResult:
        app = self.app
        cat = app.catalog
        f: WorkloadForm = app.workload_form
        yield Header()
        with Horizontal(id="wl-body", classes="body"):
            with VerticalScroll(id="wl-main", classes="panel form") as main:
                main.border_title = "Workload"
                main.can_focus = False  # Tab goes to the fields, which scroll into view
                yield Label("Traffic shape", classes="heading")
                with RadioSet(id="traffic", compact=True):
                    for name, help_ in TRAFFIC_HELP.items():
                        yield MarkedRadioButton(_label(name, help_), value=(name == f.traffic), id=f"traffic-{name}",
                                          compact=True)
                with Horizontal(classes="row"):
                    yield Label("Users", classes="label")
                    yield Input(f.users, placeholder="concurrent users", type="integer", compact=True, id="users")
                with Horizontal(classes="row"):
                    yield Label("Model", classes="label")
                    yield Picker([m.id for m in cat.models], f.model, placeholder="none (no fit check), 8b, a path…",
                                 suggestions=[a for m in cat.models for a in m.aliases], id="model")
                with Horizontal(classes="row"):
                    yield Label("Quant", classes="label")
                    yield Picker([*FORMATS, *(q.id for q in cat.quants)], f.quant, placeholder="any", id="quant")
                with Horizontal(classes="row"):
                    yield Label("Context", classes="label")
                    yield Input(f.context, placeholder="tokens per request", type="integer", compact=True, id="context")
                with Horizontal(classes="row"):
                    yield Label("Goal", classes="label")
                    yield Select([(h, k or "auto") for k, h in GOAL_HELP.items()], value=f.goal or "auto",
                                 allow_blank=False, compact=True, id="goal")
                with Horizontal(classes="row"):
                    yield Label("Runtime", classes="label")
                    yield Select([(f"{rt.name} ({slug})", slug) for slug, rt in cat.runtimes.items()],
                                 prompt="pickrt's pick", value=f.runtime or Select.NULL, compact=True, id="runtime")
            with VerticalScroll(id="wl-side", classes="panel") as side:
                side.border_title = "Needs"
                side.can_focus = False
                yield MarkedSelectionList(*[Selection(_label(n, h, 12), n, n in f.needs) for n, h in NEEDS_HELP.items()],
                                    id="needs", compact=True)
        err = Static("", id="wl-error", classes="error")
        err.display = False
        yield err
        yield hint_line("wl-hint")
        with Horizontal(classes="actions"):
            yield Preview(id="preview")
            yield Button("Back", id="back", classes="secondary")
            yield Button("Next ⏎", variant="primary", id="next")
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = "2/4 Workload"
        self.focus_first_field()
        self._recompute()

    # -- form -> workload --------------------------------------------------------------------
    def read_form(self) -> WorkloadForm:
        rs = self.query_one("#traffic", RadioSet)
        pressed = rs.pressed_button
        traffic = (pressed.id or "traffic-chat").removeprefix("traffic-") if pressed else self.app.workload_form.traffic
        goal = self.query_one("#goal", Select).value
        runtime = self.query_one("#runtime", Select).value
        return WorkloadForm(
            traffic=traffic,
            users=self.query_one("#users", Input).value,
            model=self.query_one("#model", Picker).value,
            quant=self.query_one("#quant", Picker).value,
            context=self.query_one("#context", Input).value,
            goal="" if goal in ("auto", Select.NULL, None) else str(goal),
            needs=[str(n) for n in self.query_one("#needs", SelectionList).selected],
            runtime="" if runtime in (Select.NULL, None) else str(runtime),
        )

    def _recompute(self) -> bool:
        app = self.app
        form = self.read_form()
        app.workload_form = form
        preview = self.query_one(Preview)
        try:
            wl = form.workload(app.catalog)
        except InputError as e:
            self.error = form_message(str(e))
            self._show_error(self.error)
            preview.show_error("fix the workload to see the advice")
            return False
        self.error = None
        self._show_error("")
        app.workload = wl
        preview.show(lambda: app.advise(app.profile, wl))
        return True

    def _show_error(self, text: str) -> None:
        err = self.query_one("#wl-error", Static)
        err.update(Text(text))
        err.display = bool(text)

    @on(Input.Changed)
    @on(Select.Changed)
    @on(RadioSet.Changed)
    @on(SelectionList.SelectedChanged)
    def _changed(self, event) -> None:
        if self.is_mounted:
            self._recompute()

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_next()

    @on(Button.Pressed, "#next")
    def _next_pressed(self) -> None:
        self.action_next()

    @on(Button.Pressed, "#back")
    def _back_pressed(self) -> None:
        self.action_back()

    def action_next(self) -> None:
        if not self._recompute():
            self.notify(self.error or "invalid workload", title="Workload", severity="error")
            return
        from pickrt.tui.screens.recommendation import RecommendationScreen

        self.app.push_screen(RecommendationScreen(self.app.refresh_advice()))

    def action_back(self) -> None:
        self.app.pop_screen()


__all__ = ["WorkloadScreen"]
