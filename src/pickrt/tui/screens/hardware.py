"""Step 1: the hardware. Detected (in a worker, so the screen paints at once) or simulated from
the what-if options; every field can be edited, which turns the profile into a what-if one."""

from __future__ import annotations

from typing import Optional

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Button, Footer, Header, Input, Label, Static
from textual.worker import Worker, WorkerState

from pickrt.errors import InputError
from pickrt.tui.answers import HardwareForm, form_message, initial_profile
from pickrt.tui.screens.form import FormScreen, hint_line
from pickrt.tui.widgets.picker import Picker
from pickrt.tui.widgets.preview import Preview
from pickrt.tui.widgets.profile_view import profile_table

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pickrt.profile import Profile


OSES = ("linux", "macos", "windows")
INTERCONNECTS = ("ethernet", "infiniband", "thunderbolt5", "internet")


def _gpu_suggestions(catalog) -> list[str]:
    """Names as people type them: 'RTX 4090' for 'GeForce RTX 4090', 'MI300X' for 'Instinct MI300X'."""
    out = []
    for g in catalog.gpus:
        for prefix in ("GeForce ", "Instinct ", "Radeon "):
            if g.name.startswith(prefix):
                out.append(g.name[len(prefix):])
        out.extend(g.aliases)
    return out


def _apple_options(catalog, current: str = "") -> list[str]:
    opts: list[str] = []
    for c in catalog.apple_chips:
        opts.append(c.name)
        if len(c.bins) > 1:
            opts.extend(f"{c.name} {b.gpu_cores}-core" for b in c.bins)
    if current and current not in opts:
        opts.append(current)
    return opts


class HardwareScreen(FormScreen):
    """Shows the profile in effect; the form on the right edits it (what-if)."""

    TYPE_TARGET = "#gpu-input"

    BINDINGS = [
        Binding("enter", "next", "Next"),
        Binding("escape", "back", "Back", show=False),
        Binding("ctrl+r", "reset", "Reset"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.base: Optional[Profile] = None  # detected or loaded profile (None: none yet / failed)
        self.base_detected = False
        self.detecting = False
        self.pending_next = False
        self.initial = HardwareForm()
        self.current: Optional[Profile] = None
        self.error: Optional[str] = None
        self.ready = False  # set once on_mount has chosen the base profile

    # -- layout ------------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        app = self.app
        cat = app.catalog
        f = app.hardware_form
        yield Header()
        with Horizontal(id="hw-body", classes="body"):
            with VerticalScroll(id="hw-facts", classes="panel") as facts:
                facts.border_title = "This machine"
                facts.can_focus = False  # Tab goes to the fields; the wheel still scrolls
                status = Static("", id="hw-status")
                status.display = False
                yield status
                yield Static("", id="hw-summary")
            with VerticalScroll(id="hw-form", classes="panel form") as form:
                # A two-column grid (labels, fields): no row containers, so first paint stays light.
                form.border_title = "What if? (edit to simulate)"
                form.can_focus = False
                yield Label("GPU", classes="label")
                yield Picker([g.name for g in cat.gpus], f.gpu, placeholder="none (CPU only)",
                             suggestions=_gpu_suggestions(cat), id="gpu")
                yield Label("Count", classes="label")
                yield Input(f.gpus, placeholder="1", type="integer", compact=True, id="gpus")
                yield Label("VRAM", classes="label")
                yield Input(f.vram, placeholder="GiB, for an unknown card", type="number", compact=True, id="vram")
                yield Label("Apple", classes="label")
                yield Picker(_apple_options(cat, f.apple), f.apple, placeholder="none (↓ lists the chips)",
                             id="apple")
                yield Label("Memory", classes="label")
                yield Input(f.memory, placeholder="GiB (system or unified)", type="number", compact=True, id="memory")
                yield Label("OS", classes="label")
                yield Picker(OSES, f.os, placeholder="auto (↓ lists them)", id="os")
                yield Label("Nodes", classes="label")
                yield Input(f.nodes, placeholder="1 machine", type="integer", compact=True, id="nodes")
                yield Label("Link", classes="label")
                yield Picker(INTERCONNECTS, f.interconnect, placeholder="none (↓ lists them)",
                             id="interconnect")
                yield Static("", id="hw-error", classes="error")
        yield hint_line("hw-hint")
        with Horizontal(classes="actions"):
            yield Preview(id="preview")
            yield Button("Next ⏎", variant="primary", id="next")
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = "1/4 Hardware"
        self.ready = True
        app = self.app
        try:
            base = initial_profile(app.args, app.catalog)
        except InputError as e:
            # Bad what-if options or profile file: show why, and let the form fix it.
            self.base = None
            self.initial = app.hardware_form
            self._set_status(Text.assemble(("Could not build the profile: ", "bold"), str(e),
                                           "\nEdit the fields on the right."), error=True)
            self._show_loading(False)
            self._recompute()
            self.focus_first_field()
            return
        if base is None:
            self._start_detection()
        else:
            self.base = base
            self.initial = app.hardware_form
            self._show_loading(False)
            self._recompute()
            self.focus_first_field()

    # -- detection ---------------------------------------------------------------------------
    def _start_detection(self) -> None:
        self.query_one("#next", Button).focus()  # until the form is ready (detection disables it)
        self.detecting = True
        self._show_loading(True)
        self._set_status("Detecting this machine…")
        self.query_one("#hw-form").disabled = True
        self._detect()

    @work(thread=True, exclusive=True, group="detect", exit_on_error=False)
    def _detect(self) -> tuple[Profile, Optional[dict]]:
        return self.app.detect_fn(self.app.catalog)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.worker.group != "detect":
            return
        if event.state == WorkerState.SUCCESS:
            profile, local = event.worker.result
            self.base, self.base_detected = profile, True
            self.app.local = local
            self.initial = HardwareForm.from_profile(profile, self.app.catalog)
            self._set_status("")
        elif event.state in (WorkerState.ERROR, WorkerState.CANCELLED):
            err = event.worker.error
            why = f"{type(err).__name__}: {err}" if err is not None else "cancelled"
            if isinstance(err, ImportError):
                why = f"host detection is not available ({err})"
            self.base, self.base_detected = None, False
            self.initial = HardwareForm()
            self._set_status(Text.assemble(("Detection failed: ", "bold"), why,
                                           "\nDescribe the hardware on the right."), error=True)
        else:
            return
        self.detecting = False
        self._fill_form(self.initial)
        self.query_one("#hw-form").disabled = False
        self._show_loading(False)
        self._recompute()
        if self.pending_next:
            self.pending_next = False
            self.action_next()
        elif self.app.focused is None or self.app.focused.id == "next":
            self.focus_first_field()

    # -- form <-> profile --------------------------------------------------------------------
    def _fill_form(self, f: HardwareForm) -> None:
        for name in ("gpu", "apple", "os", "interconnect"):
            self.query_one(f"#{name}", Picker).value = getattr(f, name)
        for name in ("gpus", "vram", "memory", "nodes"):
            self.query_one(f"#{name}", Input).value = getattr(f, name)

    def read_form(self) -> HardwareForm:
        def pick(name: str) -> str:
            return self.query_one(f"#{name}", Picker).value

        return HardwareForm(
            gpu=pick("gpu"),
            gpus=self.query_one("#gpus", Input).value,
            vram=self.query_one("#vram", Input).value,
            apple=pick("apple"),
            memory=self.query_one("#memory", Input).value,
            os=pick("os"),
            nodes=self.query_one("#nodes", Input).value,
            interconnect=pick("interconnect"),
        )

    def _recompute(self) -> None:
        """The profile in effect: the detected/loaded one until a field changes, then a what-if."""
        if self.detecting or not self.ready:
            return
        form = self.read_form()
        self.app.hardware_form = form
        edited = self.base is None or form.as_dict() != self.initial.as_dict()
        if not edited:
            self.current, self.error = self.base, None
        else:
            try:
                self.current, self.error = form.profile(self.app.catalog), None
            except InputError as e:
                self.error = form_message(str(e))
        detected = self.base_detected and not edited
        self.query_one("#hw-error", Static).update(Text(self.error or ""))
        facts = self.query_one("#hw-facts")
        summary = self.query_one("#hw-summary", Static)
        summary.set_class(bool(self.error), "stale")
        if self.error:
            facts.border_title = "Last valid answers"
        elif self.current is not None:
            summary.update(profile_table(self.current, detected=detected))
            facts.border_title = "This machine" if detected else "Simulated machine"
        preview = self.query_one(Preview)
        if self.error or self.current is None:
            preview.show_error("fix the hardware to see the advice" if self.error else "no hardware yet")
        else:
            profile = self.current
            preview.show(lambda: self.app.advise(profile, self.app.workload, host=detected))

    @on(Input.Changed)
    def _changed(self, event) -> None:
        self._recompute()

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_next()

    @on(Button.Pressed, "#next")
    def _next_pressed(self) -> None:
        self.action_next()

    # -- actions -----------------------------------------------------------------------------
    def _set_status(self, text: "str | Text", error: bool = False) -> None:
        st = self.query_one("#hw-status", Static)
        st.update(text)
        st.set_class(error, "error")
        st.display = bool(text)

    def _show_loading(self, on_: bool) -> None:
        """A spinner while detecting, mounted only then (a what-if paints without it)."""
        found = self.query("#hw-loading")
        if on_ and not found:
            from textual.widgets import LoadingIndicator

            self.query_one("#hw-facts").mount(LoadingIndicator(id="hw-loading"), before=0)
        elif not on_:
            found.remove()
        self.query_one("#hw-summary").display = not on_

    def action_next(self) -> None:
        if self.detecting:
            self.pending_next = True
            self.query_one("#next", Button).label = "Detecting…"
            return
        self.query_one("#next", Button).label = "Next ⏎"
        self._recompute()
        if self.error or self.current is None:
            self.notify(self.error or "No hardware profile yet", title="Hardware", severity="error")
            return
        app = self.app
        app.profile = self.current
        app.profile_detected = self.base_detected and self.current is self.base
        unedited_file = self.current is self.base and not self.base_detected
        app.profile_file = getattr(app.args, "hardware", None) if unedited_file else None
        from pickrt.tui.screens.workload import WorkloadScreen

        app.push_screen(WorkloadScreen())

    def action_back(self) -> None:
        self.notify("This is the first step: Ctrl+Q quits.", timeout=3)

    def action_reset(self) -> None:
        if not self.detecting:
            self._fill_form(self.initial)


__all__ = ["HardwareScreen"]
