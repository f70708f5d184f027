"""The advice as ``pickrt --json`` prints it, with a key to save it to ./pickrt-advice.json."""

from __future__ import annotations

from pathlib import Path

from rich.highlighter import JSONHighlighter
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Footer, Static

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pickrt.advice import Advice


FILENAME = "pickrt-advice.json"


class JsonScreen(ModalScreen[None]):
    BINDINGS = [
        Binding("s", "save", "Save"),
        Binding("c", "copy", "Copy"),
        Binding("escape", "close", "Close"),
        Binding("j", "close", "Close", show=False),
    ]

    def __init__(self, advice: Advice) -> None:
        super().__init__()
        from pickrt.render.json_out import dumps

        self.text = dumps(advice)
        self.saved_to: Path | None = None

    def compose(self) -> ComposeResult:
        with Vertical(id="json-box") as box:
            box.border_title = "pickrt --json"
            box.border_subtitle = f"s: save to ./{FILENAME} · c: copy · Esc: close"
            with VerticalScroll(id="json-scroll"):
                yield Static(JSONHighlighter()(Text(self.text)), id="json-text")
            yield Static("", id="json-status")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#json-scroll").focus()

    def action_save(self) -> None:
        base = Path(getattr(self.app, "save_dir", None) or Path.cwd())
        path = (base / FILENAME).resolve()
        try:
            path.write_text(self.text + "\n", encoding="utf-8")
        except OSError as e:
            self.notify(f"Could not save {path}: {e.strerror or e}", title="JSON", severity="error")
            return
        self.saved_to = path
        self.query_one("#json-status", Static).update(f"Saved to {path}")
        self.notify(f"Saved to {path}", title="JSON")

    def action_copy(self) -> None:
        self.app.copy_to_clipboard(self.text)
        self.notify("Sent the JSON to the terminal clipboard (OSC 52; the terminal may refuse it). "
                    f"s saves it to ./{FILENAME}.", title="JSON")

    def action_close(self) -> None:
        self.dismiss(None)


__all__ = ["FILENAME", "JsonScreen"]
