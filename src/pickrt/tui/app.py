"""The wizard: hardware -> workload -> recommendation -> guide, over the same advice as ``--json``.

The app holds the answers (a hardware profile, a workload) and asks the engine for advice; the
screens only show it. Keys: Enter accepts the focused default and moves on, Escape goes back,
``q`` (outside text fields) or Ctrl+Q quits with exit code 0, ``d`` toggles light and dark.
Textual honours ``NO_COLOR`` itself.
"""

from __future__ import annotations

import argparse
from typing import Any, Callable, Optional

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
        from pickrt.cli import local_findings

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
        Binding("q", "quit", "Quit"),
        Binding("ctrl+q", "quit", "Quit", priority=True),
        Binding("d", "toggle_theme", "Light/dark"),
    ]

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
        self.local: Optional[dict] = None  # doctor findings, host mode only
        self.workload_form = WorkloadForm.from_workload(wl, args)
        self.workload = wl
        self.advice = None

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

    def action_toggle_theme(self) -> None:
        self.theme = LIGHT if self.current_theme.dark else DARK


def run_wizard(args: argparse.Namespace, catalog, wl) -> int:
    """Run the wizard on this terminal; returns the exit code (0 on quit)."""
    app = PickrtApp(args, catalog, wl)
    app.run()
    code = app.return_code
    return EXIT_OK if code is None else int(code)


__all__ = ["PickrtApp", "run_wizard"]
