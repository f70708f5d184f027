"""Step 4: the first-install guide, the same Markdown as ``pickrt guide``.

It can be kept: ``s`` saves the guide as Markdown; ``c`` lists the guide's code blocks and copies
the chosen one. The terminal clipboard (OSC 52) may be refused without the app ever knowing
(tmux's default, many SSH set-ups), so every copy is also written to a file whose path is shown:
the wizard never claims a copy it cannot check. Long commands wrap instead of being cut.
"""

from __future__ import annotations

import re
from pathlib import Path

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen, Screen
from textual.widgets import Footer, Header, MarkdownViewer, OptionList, Static
from textual.widgets.option_list import Option

from pickrt.errors import InputError, NoRuntimeError

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pickrt.advice import Advice


GUIDE_FILE = "pickrt-guide.md"
CLIP_FILE = "pickrt-clipboard.txt"
_FENCE = re.compile(r"^(?P<fence>```+|~~~+)[^\n]*\n(?P<code>.*?)^(?P=fence)[ \t]*$", re.S | re.M)


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


def code_blocks(markdown: str) -> list[str]:
    """The fenced code blocks of a Markdown text, in order, without their fences."""
    return [m.group("code").rstrip("\n") for m in _FENCE.finditer(markdown) if m.group("code").strip()]


def _save_dir(app) -> Path:
    return Path(getattr(app, "save_dir", None) or Path.cwd())


def save_text(app, name: str, text: str) -> tuple[Path | None, str]:
    """Write ``text`` to ``name`` in the save folder: (path, '') or (None, why not)."""
    path = (_save_dir(app) / name).resolve()
    try:
        path.write_text(text if text.endswith("\n") else text + "\n", encoding="utf-8")
    except OSError as e:
        return None, f"{e.strerror or e}"
    return path, ""


def copy_text(app, text: str) -> str:
    """Hand ``text`` to the terminal clipboard and to a file; the message says exactly what happened."""
    app.copy_to_clipboard(text)
    path, why = save_text(app, CLIP_FILE, text)
    sent = "Sent to the terminal clipboard (OSC 52; the terminal may refuse it)"
    if path is None:
        return f"{sent}. Could not also save it: {why}."
    return f"{sent} and saved to {path}"


class CodeBlocksScreen(ModalScreen[None]):
    """Pick a code block of the guide to copy."""

    BINDINGS = [Binding("escape", "close", "Close"), Binding("c", "close", "Close", show=False)]

    def __init__(self, blocks: list[str]) -> None:
        super().__init__()
        self.blocks = blocks

    def compose(self) -> ComposeResult:
        with Vertical(id="blocks-box") as box:
            box.border_title = "Copy a command block"
            box.border_subtitle = "↑↓ choose · Enter copies · Esc closes"
            opts = []
            for i, b in enumerate(self.blocks):
                lines = b.splitlines()
                more = f"   (+{len(lines) - 1} more line{'s' if len(lines) > 2 else ''})" if len(lines) > 1 else ""
                opts.append(Option(f"{i + 1:>2}. {lines[0]}{more}", id=f"block-{i}"))
            yield OptionList(*opts, id="blocks")
        yield Footer()

    def on_mount(self) -> None:
        lst = self.query_one("#blocks", OptionList)
        lst.focus()
        lst.highlighted = 0

    @on(OptionList.OptionSelected, "#blocks")
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        msg = copy_text(self.app, self.blocks[event.option_index])
        self.app.notify(msg, title=f"Block {event.option_index + 1}", timeout=8)
        self.dismiss(None)

    def action_close(self) -> None:
        self.dismiss(None)


class GuideScreen(Screen):
    BINDINGS = [
        Binding("c", "copy_block", "Copy a block"),
        Binding("s", "save", "Save guide"),
        Binding("t", "toc", "Contents"),
        Binding("escape", "back", "Back"),
    ]

    def __init__(self, advice: Advice) -> None:
        super().__init__()
        self.advice = advice
        self.markdown = ""
        self.ok = False
        self.saved_to: Path | None = None

    def compose(self) -> ComposeResult:
        self.markdown, self.ok = _guide_text(self.app)
        yield Header()
        yield MarkdownViewer(self.markdown, show_table_of_contents=False, id="guide-md")
        yield Static(f"s saves ./{GUIDE_FILE} · c copies a command block · Esc back · q q quits",
                     id="guide-hint", classes="hint")
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = "4/4 Install guide"
        self.query_one("#guide-md").focus()

    def action_copy_block(self) -> None:
        blocks = code_blocks(self.markdown)
        if not blocks:
            self.notify("This guide has no command block to copy.", severity="warning")
            return
        self.app.push_screen(CodeBlocksScreen(blocks))

    def action_save(self) -> None:
        path, why = save_text(self.app, GUIDE_FILE, self.markdown)
        if path is None:
            self.notify(f"Could not save the guide: {why}", title="Guide", severity="error")
            return
        self.saved_to = path
        self.notify(f"Saved the guide to {path}", title="Guide")

    def action_toc(self) -> None:
        md = self.query_one(MarkdownViewer)
        md.show_table_of_contents = not md.show_table_of_contents

    def action_back(self) -> None:
        self.app.pop_screen()


__all__ = ["CLIP_FILE", "CodeBlocksScreen", "GUIDE_FILE", "GuideScreen", "code_blocks", "copy_text"]
