"""The guide on a terminal: the same Markdown, rendered by Rich (headings, lists, wrapped code blocks).

Only Rich is imported here, never Textual; ``NO_COLOR`` and ``TERM=dumb`` are Rich's to honour.
"""

from __future__ import annotations

from typing import TextIO


def print_markdown(text: str, out: TextIO) -> None:
    from rich.console import Console
    from rich.markdown import Markdown

    console = Console(file=out, soft_wrap=False, highlight=False)
    console.print(Markdown(text, code_theme="ansi_dark", hyperlinks=True))


__all__ = ["print_markdown"]
