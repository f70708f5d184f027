"""Text from outside (probe output, model names, file names, HTTP answers) made safe for a terminal.

Every text output of pickrt passes through :func:`clean` on its way to stdout, and every error
message through :func:`clean_line` on its way to stderr: C0 controls (but newline and tab), DEL,
C1 controls (8-bit CSI/OSC) and Unicode bidirectional overrides become U+FFFD, so a replay folder,
a GGUF name or a server's version string cannot move the cursor, clear the screen, set the window
title or write the clipboard (OSC 52). JSON output needs none of this: ``json.dumps`` escapes
controls.
"""

from __future__ import annotations

import re

_BAD = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]")
_BAD_LINE = re.compile("[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]")
REPLACEMENT = "\ufffd"


def clean(text: str) -> str:
    """``text`` with every terminal control character but newline and tab replaced by U+FFFD."""
    if not text or (text.isprintable() and "\x1b" not in text):
        return text
    return _BAD.sub(REPLACEMENT, text.replace("\r\n", "\n"))


def clean_line(text: str, limit: int = 2000) -> str:
    """One line for stderr: controls (newlines too) replaced, long text cut with its length."""
    out = _BAD_LINE.sub(lambda m: " " if m.group(0) in "\n\r\t" else REPLACEMENT, text or "")
    return out if len(out) <= limit else out[:limit] + f"... ({len(out)} characters)"


__all__ = ["REPLACEMENT", "clean", "clean_line"]
