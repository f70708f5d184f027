"""Small Markdown building blocks for the install guide (``pickrt guide``).

Plain string helpers, no Markdown library: the output is read by people and parsed by tests
with markdown-it-py, so every block is separated by a blank line and every command sits in its
own fenced block.
"""

from __future__ import annotations

import re
from typing import Iterable, Optional

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pickrt.catalog.models import Source


def fence(code: str, lang: str = "sh") -> str:
    """A fenced code block; the fence grows if the code itself holds backticks."""
    ticks = "```"
    while ticks in code:
        ticks += "`"
    return f"{ticks}{lang}\n{code.rstrip()}\n{ticks}"


def code(text: str) -> str:
    """Inline code, safe for text that holds backticks."""
    if "`" not in text:
        return f"`{text}`"
    return f"`` {text} ``"


def link(text: str, url: Optional[str]) -> str:
    return f"[{text}]({url})" if url else text


def bullets(items: Iterable[str]) -> str:
    return "\n".join(f"- {_one_line(x)}" for x in items if x)


def _one_line(s: str) -> str:
    return " ".join(str(s).split())


def autolink(text: str) -> str:
    """Wrap bare URLs in angle brackets so every renderer makes them links."""

    def wrap(m: "re.Match[str]") -> str:
        url = m.group(0)
        core = url.rstrip(".,;:'\"")
        return f"<{core}>{url[len(core):]}"

    return re.sub(r"(?<!\]\()(?<![<\[])\bhttps?://[^\s)>\]]+", wrap, text)


def source_text(s: Source) -> str:
    """One source as Markdown: a link to the file at its commit (or the URL), what it backs, as-of."""
    if s.repo and s.path:
        ref = s.commit or "HEAD"
        url = f"https://github.com/{s.repo}/blob/{ref}/{s.path}"
        label = f"{s.repo} `{s.path}`" + (f" @ {s.commit[:10]}" if s.commit else "")
        head = link(label, url)
    elif s.url:
        head = f"<{s.url}>"
    elif s.repo:
        head = link(s.repo, f"https://github.com/{s.repo}")
    else:
        head = s.note or "(unnamed source)"
    tail = []
    if s.what:
        tail.append(s.what)
    if s.note and (s.url or s.repo):
        tail.append(s.note)
    out = head + (f": {'; '.join(tail)}" if tail else "")
    if s.as_of:
        out += f" (as of {s.as_of})"
    return out


def ref_text(ref: Optional[str]) -> str:
    """A free-text source reference from the catalog (URL, or 'owner/repo path @ commit')."""
    if not ref:
        return ""
    return autolink(ref)


__all__ = ["autolink", "bullets", "code", "fence", "link", "ref_text", "source_text"]
