"""The recommendation screen reaches `pickrt plan` ("what would it take?") with p; Escape comes back."""

from __future__ import annotations

import asyncio

import pytest

pytest.importorskip("textual")

from textual.widgets import Static  # noqa: E402
from tui_snapshot_app import APPLE_ARGV, enter_until, expect_screen, make_app  # noqa: E402  # noqa: E402

from pickrt.engine.hardware import whatif_profile  # noqa: E402
from pickrt.engine.plan import plan  # noqa: E402
from pickrt.engine.workload import build_workload  # noqa: E402
from pickrt.render.plan_text import render  # noqa: E402
from pickrt.tui.screens.plan import PlanScreen  # noqa: E402
from pickrt.tui.screens.recommendation import RecommendationScreen  # noqa: E402


def test_p_shows_the_plan_for_the_same_answers(catalog):
    async def go():
        app = make_app(APPLE_ARGV, catalog=catalog)
        async with app.run_test(size=(100, 40)) as pilot:
            await enter_until(pilot, RecommendationScreen)
            await pilot.press("p")
            await expect_screen(pilot, PlanScreen)
            shown = str(app.screen.query_one("#plan-text", Static).content)
            want = render(plan(build_workload(catalog, model="llama-3.1-8b"), catalog,
                               this_profile=whatif_profile(catalog, apple="M3 Max", memory=64.0)))
            assert shown == want
            assert "This machine: Apple M3 Max, 64 GB: serves it" in shown
            await pilot.press("escape")
            await expect_screen(pilot, RecommendationScreen)

    asyncio.run(go())
