"""Step 3: the recommendation, as the advice document has it: the runtime and its zone, reasons,
the memory fit, operator notes, and for every other runtime why it is an alternative, a companion
or not an option here."""

from __future__ import annotations

from rich import box
from rich.table import Table
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.screen import Screen
from textual.widgets import Button, Collapsible, Footer, Header, Label, Static

from pickrt.tui.answers import fitting_models, serve_command
from pickrt.tui.widgets.fitbar import FitBar

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pickrt.advice import Advice


def _bullets(items: list[str], style: str = "") -> Table:
    """A list with hanging indents, so wrapped lines stay under their text."""
    t = Table.grid(padding=(0, 1, 0, 0), expand=True)
    t.add_column(width=1, no_wrap=True)
    t.add_column(ratio=1, overflow="fold")
    for s in items:
        t.add_row(Text("•", style="bold"), Text(s, style=style))
    return t


def _table(rows: list[tuple], headers: tuple[str, ...]) -> Table:
    t = Table(box=box.SIMPLE_HEAD, expand=True, show_edge=False, pad_edge=False, padding=(0, 1))
    for i, h in enumerate(headers):
        last = i == len(headers) - 1
        t.add_column(h, ratio=1 if last else None, no_wrap=0 < i < len(headers) - 1, overflow="fold",
                     max_width=None if last else 22, style="bold" if i == 0 else ("dim" if not last else ""))
    for r in rows:
        t.add_row(*r)
    return t


class RecommendationScreen(Screen):
    BINDINGS = [
        Binding("g", "guide", "Guide"),
        Binding("j", "json", "JSON"),
        Binding("m", "memory", "Memory math"),
        Binding("p", "plan", "What would it take?", show=False),
        Binding("escape", "back", "Back"),
        Binding("enter", "guide", "Guide", show=False),
        Binding("down", "scroll('down')", show=False),
        Binding("up", "scroll('up')", show=False),
        Binding("pagedown", "scroll('page_down')", show=False),
        Binding("pageup", "scroll('page_up')", show=False),
        Binding("home", "scroll('home')", show=False),
        Binding("end", "scroll('end')", show=False),
    ]

    def __init__(self, advice: Advice) -> None:
        super().__init__()
        self.advice = advice

    def compose(self) -> ComposeResult:
        adv = self.advice
        rec = adv.recommendation
        yield Header()
        with VerticalScroll(id="rec-body"):
            title = Text()
            if rec is not None:
                title.append(rec.name, style="bold")
                title.append(f"  ({rec.runtime})", style="dim")
                title.append("   zone: ")
                title.append(rec.zone, style="bold")
            else:
                title.append("No runtime can serve this workload on this hardware", style="bold")
            yield Static(title, id="rec-title", classes="no-runtime" if rec is None else "")
            if adv.warnings:
                yield Static(_bullets(adv.warnings), id="rec-warnings", classes="warnings")
            if rec is not None:
                yield Static(_bullets(rec.reasons), id="rec-reasons")
            yield Label("Memory fit", classes="heading")
            yield FitBar(adv.model_fit, id="fit")
            detail = adv.model_fit.detail if adv.model_fit else "No model given, so nothing to add up."
            fit_detail = Static(detail, id="fit-detail", classes="detail")
            fit_detail.display = False
            yield fit_detail
            run = Text()

            def row(label: str, value: str) -> None:
                if run:
                    run.append("\n")
                run.append(f"{label:<10}", style="bold")
                run.append(value)

            serve = serve_command(rec)
            if serve:
                row("Serve", serve)
            if rec is not None and rec.endpoint:
                row("Endpoint", rec.endpoint)
            speed = getattr(rec, "speed", None) if rec is not None else None
            if speed is not None and speed.decode_tps:
                lo, hi = speed.decode_tps
                row("Speed", f"about {lo:.0f}-{hi:.0f} tokens/s per sequence"
                    + (f", {speed.concurrent_sequences} sequences at once" if (speed.concurrent_sequences or 0) > 1 else ""))
            fitting = fitting_models(adv)
            if fitting:
                names = ", ".join(f"{x.model} ({x.quant})" for x in fitting[:3])
                asked_fails = adv.model_fit is not None and not adv.model_fit.fits
                row("Fits here" if asked_fails else "Models", f"instead: {names}" if asked_fails else f"fit here: {names}")
            if run:
                yield Static(run, id="rec-run")
            if rec is not None:
                if rec.operator_notes:
                    with Collapsible(title=f"Operator notes ({len(rec.operator_notes)})", collapsed=True,
                                     id="rec-notes"):
                        yield Static(_bullets(rec.operator_notes))
            if adv.alternatives:
                with Collapsible(title=f"Alternatives ({len(adv.alternatives)}): also run here", collapsed=False,
                                 id="rec-alternatives"):
                    yield Static(_table([(a.name, a.zone, _bullets(a.reasons)) for a in adv.alternatives],
                                        ("Runtime", "Zone", "Why")))
            if adv.rejected:
                with Collapsible(title=f"Why not the others ({len(adv.rejected)})", collapsed=False,
                                 id="rec-rejected"):
                    yield Static(_table([(r.name, _bullets(r.reasons)) for r in adv.rejected],
                                        ("Runtime", "Why not")))
            if adv.companions:
                with Collapsible(title=f"Companions ({len(adv.companions)}): run on top", collapsed=False,
                                 id="rec-companions"):
                    yield Static(_table([(c.name, _bullets(c.reasons)) for c in adv.companions],
                                        ("Runtime", "What it adds")))
        with Horizontal(classes="actions"):
            yield Static(self._summary(), id="rec-summary")
            yield Button("Back", id="back", classes="secondary")
            yield Button("JSON", id="json")
            yield Button("Guide ⏎" if rec is not None else "Guide", variant="primary", id="guide", disabled=rec is None)
        yield Footer()

    def _summary(self) -> Text:
        w = self.advice.workload
        t = Text(f"{w.traffic} · {w.users} user{'s' if w.users != 1 else ''} · {w.model or 'no model'} · "
                 f"{w.quant} · {w.context} ctx · {w.goal}", style="dim")
        return t

    def on_mount(self) -> None:
        self.sub_title = "3/4 Recommendation"
        if self.advice.recommendation is not None:
            self.query_one("#guide", Button).focus()
        else:
            self.query_one("#back", Button).focus()

    # -- actions -----------------------------------------------------------------------------
    def action_scroll(self, how: str) -> None:
        body = self.query_one("#rec-body", VerticalScroll)
        {"down": body.scroll_down, "up": body.scroll_up, "page_down": body.scroll_page_down,
         "page_up": body.scroll_page_up, "home": body.scroll_home, "end": body.scroll_end}[how]()

    def action_guide(self) -> None:
        if self.advice.recommendation is None:
            self.notify("No runtime to install: see why not, and change the answers.", severity="warning")
            return
        from pickrt.tui.screens.guide import GuideScreen

        self.app.push_screen(GuideScreen(self.advice))

    def action_json(self) -> None:
        from pickrt.tui.screens.advice_json import JsonScreen

        self.app.push_screen(JsonScreen(self.advice))

    def action_plan(self) -> None:
        from pickrt.tui.screens.plan import PlanScreen

        self.app.push_screen(PlanScreen())

    def action_memory(self) -> None:
        d = self.query_one("#fit-detail", Static)
        d.display = not d.display
        if d.display:
            body = self.query_one("#rec-body", VerticalScroll)
            self.call_after_refresh(body.scroll_to_widget, d)

    def action_back(self) -> None:
        self.app.pop_screen()

    @on(Button.Pressed, "#guide")
    def _guide(self) -> None:
        self.action_guide()

    @on(Button.Pressed, "#json")
    def _json(self) -> None:
        self.action_json()

    @on(Button.Pressed, "#back")
    def _back(self) -> None:
        self.action_back()


__all__ = ["RecommendationScreen"]
