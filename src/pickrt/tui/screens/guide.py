"""Step 4: the first-install guide, the same Markdown as ``pickrt guide``."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Footer, Header, MarkdownViewer

from pickrt.errors import InputError, NoRuntimeError
from pickrt.tui.answers import install_commands

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pickrt.advice import Advice


def _guide_text(app) -> tuple[str, bool]:
    """The guide, or a short Markdown note saying why there is none."""
    try:
        return app.guide_markdown(), True
    except ImportError as e:
        return f"# No guide\n\nThe guide is not available in this build ({e}).\n", False
    except (NoRuntimeError, InputError) as e:
        return f"# No guide\n\n{e}\n", False
    except Exception as e:  # show, never crash the wizard
        return f"# No guide\n\nThe guide failed: `{type(e).__name__}: {e}`\n", False


class GuideScreen(Screen):
    BINDINGS = [
        Binding("c", "copy_install", "Copy install"),
        Binding("t", "toc", "Contents"),
        Binding("escape", "back", "Back"),
    ]

    def __init__(self, advice: Advice) -> None:
        super().__init__()
        self.advice = advice
        self.markdown = ""
        self.ok = False

    def compose(self) -> ComposeResult:
        self.markdown, self.ok = _guide_text(self.app)
        yield Header()
        yield MarkdownViewer(self.markdown, show_table_of_contents=False, id="guide-md")
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = "4/4 Install guide"
        self.query_one("#guide-md").focus()

    def install_text(self) -> str:
        os_name = self.advice.hardware.os
        return "\n".join(install_commands(self.advice, os_name))

    def action_copy_install(self) -> None:
        text = self.install_text()
        if not text:
            self.notify("No install command to copy.", severity="warning")
            return
        self.app.copy_to_clipboard(text)
        first = text.splitlines()[0]
        more = f" (+{len(text.splitlines()) - 1} more)" if "\n" in text else ""
        self.notify(f"Copied: {first}{more}", title="Clipboard (OSC 52)")

    def action_toc(self) -> None:
        md = self.query_one(MarkdownViewer)
        md.show_table_of_contents = not md.show_table_of_contents

    def action_back(self) -> None:
        self.app.pop_screen()


__all__ = ["GuideScreen"]
