"""``pickrt guide`` as Markdown: a renderer of the guide plan and the advice; it computes nothing.

Sections come in the order things happen. When the download talks to the server (``ollama pull``),
Serve (check the service the installer started; start one only if nothing serves) comes before
"Get a model that fits".
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from pickrt.render.guide.api import verify
from pickrt.render.guide.extras import next_steps, sources
from pickrt.render.guide.head import prerequisites, title, why
from pickrt.render.guide.steps import get_model, install, serve

if TYPE_CHECKING:
    from pickrt.advice import Advice
    from pickrt.engine.guide_plan import GuidePlan


def render_guide(plan: GuidePlan, adv: Advice) -> str:
    steps = [serve(plan), get_model(plan)] if plan.server_first else [get_model(plan), serve(plan)]
    parts = [
        title(plan),
        why(plan, adv),
        prerequisites(plan),
        install(plan),
        *steps,
        verify(plan),
        next_steps(plan),
        sources(plan),
    ]
    text = "\n\n".join(p.strip("\n") for p in parts if p and p.strip()) + "\n"
    return re.sub(r"\n{3,}", "\n\n", text)


__all__ = ["render_guide"]
