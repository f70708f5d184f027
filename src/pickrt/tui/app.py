"""The wizard: hardware -> workload -> recommendation -> guide, over the same advice as ``--json``.

The app holds the answers (a hardware profile, a workload) and asks the engine for advice; the
screens only show it. Keys: Enter accepts the focused default and moves on, Escape goes back,
Ctrl+Q quits with exit code 0 (so does ``q`` pressed twice where no field takes text: a word typed
by mistake never quits), Ctrl+T toggles light and dark. No single letter acts on a form screen:
letters go into a field there. Textual honours ``NO_COLOR`` itself; selection is marked by glyphs.
On exit the wizard leaves a short summary and the equivalent command line on the terminal.
"""

from __future__ import annotations

import argparse
import sys
import time
from typing import Any, Callable, Optional

from textual import events
from textual.app import App
from textual.binding import Binding

from pickrt.errors import EXIT_OK
from pickrt.tui.answers import HardwareForm, WorkloadForm, compute_advice

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pickrt.profile import Profile


DARK, LIGHT = "textual-dark", "textual-light"


def _default_detect(catalog) -> tuple[Profile, Optional[dict]]:
    """Detect this machine, and what doctor sees here (host advice uses it, as ``--json`` does)."""
    from pickrt.detect import detect_host

    profile = detect_host(timeout=2.0)
    local = None
    try:
        from pickrt.local_findings import local_findings

        local = local_findings(catalog)
    except Exception:  # doctor is advisory
        local = None
    return profile, local


def _default_guide(profile: Profile, wl, catalog, os_name: Optional[str], local: Optional[dict]) -> str:
    from pickrt.guide import guide_for

    if local is not None:
        return guide_for(profile, wl, catalog, os_name=os_name, local=local)
    return guide_for(profile, wl, catalog, os_name=os_name)


class PickrtApp(App[int]):
    """``args``: the argparse Namespace of ``pickrt`` (what-if and work options); ``wl``: its workload."""

    CSS_PATH = "pickrt.tcss"
    TITLE = "pickrt"
    SUB_TITLE = "pick a local LLM runtime"
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (110, "-wide")]
    BINDINGS = [
        Binding("q", "quit_ask", "Quit (q q)", show=False),
        Binding("ctrl+q", "quit", "Quit", priority=True),
        Binding("ctrl+t", "toggle_theme", "Light/dark"),
    ]
    QUIT_AGAIN_S = 3.0

    def __init__(
        self,
        args: argparse.Namespace,
        catalog,
        wl,
        *,
        detect: Optional[Callable[[Any], tuple[Profile, Optional[dict]]]] = None,
        guide: Optional[Callable[..., str]] = None,
        save_dir: Optional[str] = None,
    ) -> None:
        super().__init__()
        self.args = args
        self.catalog = catalog
        self.detect_fn = detect or _default_detect
        self.guide_fn = guide or _default_guide
        self.save_dir = save_dir
        # answers
        self.hardware_form = HardwareForm.from_args(args)
        self.profile: Optional[Profile] = None
        self.profile_detected = False  # True while the profile is this host, unedited
        self.profile_file: Optional[str] = None  # the --hardware file, while the profile is it, unedited
        self.local: Optional[dict] = None  # doctor findings, host mode only
        self.workload_form = WorkloadForm.from_workload(wl, args)
        self.workload = wl
        self.advice = None
        self._quit_armed = 0.0  # when a first q asked "q again quits"

    # -- answers -> advice ------------------------------------------------------------------
    def advise(self, profile: Optional[Profile] = None, wl=None, *, host: Optional[bool] = None):
        """Advice for the given (or current) answers: the same call ``pickrt --json`` makes.

        ``host``: the profile is this machine, unedited (doctor's findings then count, as in
        ``pickrt --json`` without hardware options); defaults to the current profile's state.
        """
        profile = profile if profile is not None else self.profile
        wl = wl if wl is not None else self.workload
        host = self.profile_detected if host is None else host
        return compute_advice(profile, wl, self.catalog, local=self.local if host else None)

    def refresh_advice(self):
        self.advice = self.advise()
        return self.advice

    def guide_markdown(self) -> str:
        os_name = self.profile.os if self.profile is not None else None
        return self.guide_fn(self.profile, self.workload, self.catalog, os_name,
                             self.local if self.profile_detected else None)

    # -- lifecycle and keys -----------------------------------------------------------------
    def on_mount(self) -> None:
        from pickrt.tui.screens.hardware import HardwareScreen

        self.push_screen(HardwareScreen())

    async def action_quit(self) -> None:
        self.exit(EXIT_OK, return_code=EXIT_OK)

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, events.Key) and event.key != "q":
            self._quit_armed = 0.0  # only q q in a row quits
        await super().on_event(event)

    async def action_quit_ask(self) -> None:
        now = time.monotonic()
        if self._quit_armed and now - self._quit_armed <= self.QUIT_AGAIN_S:
            await self.action_quit()
            return
        self._quit_armed = now
        self.notify("Press q again to quit (Ctrl+Q quits at once).", title="Quit?", timeout=self.QUIT_AGAIN_S)

    def action_toggle_theme(self) -> None:
        self.theme = LIGHT if self.current_theme.dark else DARK


    # -- what stays on the terminal ---------------------------------------------------------
    def exit_summary(self) -> str:
        """The answer in a few lines, and the command line that repeats it (printed on exit)."""
        from pickrt.tui.answers import exit_summary, whatif_given

        advice = self.advice
        if advice is None and self.profile is not None:
            try:
                advice = self.advise()
            except Exception:  # answers left half-edited: the command line still helps
                advice = None
        if self.profile is not None:  # the hardware step was answered
            detected, hw_file = self.profile_detected, self.profile_file
        else:  # quit on the first step: the options as given
            hw_file = getattr(self.args, "hardware", None)
            detected = not hw_file and not whatif_given(self.args)
        hw = None if detected or hw_file else self.hardware_form
        return exit_summary(advice, hw, self.workload_form, hardware_file=hw_file)


def run_wizard(args: argparse.Namespace, catalog, wl, *, out=None) -> int:
    """Run the wizard on this terminal; returns the exit code (0 on quit). On exit, prints the
    answer (runtime, model, serve command) and the equivalent ``pickrt`` command line."""
    app = PickrtApp(args, catalog, wl)
    app.run()
    code = app.return_code
    try:
        text = app.exit_summary()
    except Exception:  # the summary is a courtesy: never turn a clean exit into a traceback
        text = ""
    if text:
        (out or sys.stdout).write(text)
    return EXIT_OK if code is None else int(code)


__all__ = ["PickrtApp", "run_wizard"]
