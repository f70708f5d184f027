"""A newcomer types on every screen: nothing quits, nothing flips, text lands in a field; Enter takes
the suggestion on show; Escape comes back to the field; the answer stays on the terminal on exit."""

from __future__ import annotations

import asyncio
import functools
import io

import pytest

pytest.importorskip("textual")

from textual.widgets import Input  # noqa: E402

from pickrt.engine.workload import build_workload  # noqa: E402
from pickrt.tui.screens.guide import GUIDE_FILE, GuideScreen  # noqa: E402
from pickrt.tui.screens.hardware import HardwareScreen  # noqa: E402
from pickrt.tui.screens.recommendation import RecommendationScreen  # noqa: E402
from pickrt.tui.screens.workload import WorkloadScreen  # noqa: E402
from tui_snapshot_app import APPLE_ARGV, FAKE_GUIDE, make_app, parse  # noqa: E402
from tui_snapshot_app import enter_until, expect_screen, settle  # noqa: E402

SIZE = (100, 40)
WORDS = ("quadro", "radeon", "dq", "tdjgmsc")  # every single-letter key the wizard ever bound


def sync(fn):
    @functools.wraps(fn)
    def run(*args, **kwargs):
        return asyncio.run(fn(*args, **kwargs))
    return run


async def _type(pilot, word: str) -> None:
    await pilot.press(*word)
    await settle(pilot)


@pytest.mark.parametrize("screen", [HardwareScreen, WorkloadScreen, RecommendationScreen, GuideScreen])
@pytest.mark.parametrize("where", ["default focus", "a button"])
@sync
async def test_typing_words_never_quits_or_flips(catalog, screen, where):
    app = make_app(APPLE_ARGV, catalog=catalog)
    async with app.run_test(size=SIZE) as pilot:
        await enter_until(pilot, screen)
        if where == "a button":
            buttons = list(app.screen.query("Button"))
            if not buttons:
                pytest.skip("no button on this screen")
            buttons[-1].focus()
            await settle(pilot)
        dark = app.current_theme.dark
        for word in WORDS:
            await _type(pilot, word)
            # Dismiss a modal a letter may open (JSON view, block list): Escape, as a person would.
            while not isinstance(app.screen, (HardwareScreen, WorkloadScreen, RecommendationScreen, GuideScreen)):
                await pilot.press("escape")
                await settle(pilot)
            assert app.is_running, word
            assert app.return_code is None, word
            assert app.current_theme.dark is dark, word
            if screen in (HardwareScreen, WorkloadScreen):
                assert isinstance(app.focused, Input), word  # the letters went into a field
                assert app.focused.value.endswith(word) or app.focused.value.lower().startswith(word), \
                    (word, app.focused.value)
                app.focused.value = ""


@sync
async def test_typing_on_the_next_button_goes_into_the_first_field(catalog):
    app = make_app(APPLE_ARGV, catalog=catalog)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.screen.query_one("#next").focus()
        await settle(pilot)
        await _type(pilot, "quadro")
        gpu = app.screen.query_one("#gpu-input", Input)
        assert app.focused is gpu
        assert gpu.value == "quadro"  # not "o": the field's text was not selected under the typing


@sync
async def test_enter_accepts_the_visible_suggestion(catalog):
    app = make_app(APPLE_ARGV, catalog=catalog)
    async with app.run_test(size=SIZE) as pilot:
        await enter_until(pilot, WorkloadScreen)
        model = app.screen.query_one("#model-input", Input)
        assert app.focused is model
        model.value = ""
        await _type(pilot, "llama")
        await settle(pilot, lambda: bool(model.suggestion))
        shown = model.suggestion
        assert shown.lower().startswith("llama") and len(shown) > len("llama")
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, WorkloadScreen)  # the first Enter takes the suggestion, stays
        assert model.value == shown
        assert app.screen.error is None
        await pilot.press("enter")
        await expect_screen(pilot, RecommendationScreen)
        assert app.screen.advice.workload.model == catalog.find_model(shown).id


@sync
async def test_enter_without_a_suggestion_keeps_the_text(catalog):
    app = make_app(APPLE_ARGV, catalog=catalog)
    async with app.run_test(size=SIZE) as pilot:
        await enter_until(pilot, WorkloadScreen)
        model = app.screen.query_one("#model-input", Input)
        model.value = ""
        await _type(pilot, "8b")  # a size, not a name: no suggestion starts with it
        assert model.suggestion == ""
        await pilot.press("enter")
        await expect_screen(pilot, RecommendationScreen)
        assert app.screen.advice.workload.model is not None


@sync
async def test_gpu_suggestion_then_enter(catalog):
    app = make_app(["--memory", "64"], catalog=catalog)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        gpu = app.screen.query_one("#gpu-input", Input)
        assert app.focused is gpu
        await _type(pilot, "RTX 30")
        await settle(pilot, lambda: bool(gpu.suggestion))
        shown = gpu.suggestion
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, HardwareScreen) and gpu.value == shown
        assert app.screen.error is None
        await pilot.press("enter")
        await expect_screen(pilot, WorkloadScreen)
        assert app.profile.gpus and app.profile.gpus[0].name == catalog.find_gpu(shown).name


@sync
async def test_escape_comes_back_to_the_field(catalog):
    app = make_app(APPLE_ARGV, catalog=catalog)
    async with app.run_test(size=SIZE) as pilot:
        await enter_until(pilot, RecommendationScreen)
        await pilot.press("escape")
        await expect_screen(pilot, WorkloadScreen)
        assert app.focused is app.screen.query_one("#model-input")
        await pilot.press("escape")
        await expect_screen(pilot, HardwareScreen)
        assert app.focused is app.screen.query_one("#gpu-input")
        await _type(pilot, "quadro")
        assert app.is_running and app.screen.query_one("#gpu-input", Input).value.endswith("quadro")


@sync
async def test_guide_saves_markdown(catalog, tmp_path):
    app = make_app(APPLE_ARGV, catalog=catalog, save_dir=str(tmp_path))
    async with app.run_test(size=SIZE) as pilot:
        await enter_until(pilot, GuideScreen)
        await pilot.press("s")
        await settle(pilot)
        assert (tmp_path / GUIDE_FILE).read_text() == FAKE_GUIDE
        assert app.screen.saved_to == (tmp_path / GUIDE_FILE).resolve()


def test_exit_summary_is_printed(catalog, monkeypatch):
    from pickrt.tui import app as app_mod

    real_run = app_mod.PickrtApp.run

    async def auto(pilot):
        await enter_until(pilot, RecommendationScreen)
        await pilot.press("ctrl+q")

    monkeypatch.setattr(app_mod.PickrtApp, "run", lambda self, **kw: real_run(self, headless=True, auto_pilot=auto))
    args = parse(APPLE_ARGV)
    wl = build_workload(catalog, model="llama-3.1-8b")
    out = io.StringIO()
    assert app_mod.run_wizard(args, catalog, wl, out=out) == 0
    text = out.getvalue()
    from pickrt.engine.advise import advise
    from pickrt.engine.hardware import whatif_profile

    adv = advise(whatif_profile(catalog, apple="M3 Max", memory=64.0), wl, catalog)
    rec = adv.recommendation
    assert text.splitlines()[0] == f"pickrt: {rec.name} ({rec.runtime}, zone {rec.zone})"
    assert f"llama-3.1-8b at {adv.model_fit.quant}: fits" in text
    assert f"serve     {rec.serve}" in text
    assert "again     pickrt --apple 'M3 Max' --memory 64 --model llama-3.1-8b\n" in text
    assert "guide     pickrt guide --apple 'M3 Max' --memory 64 --model llama-3.1-8b\n" in text


def test_exit_summary_after_quitting_on_step_one(catalog, monkeypatch):
    from pickrt.tui import app as app_mod

    real_run = app_mod.PickrtApp.run

    async def auto(pilot):
        await settle(pilot)
        await pilot.press("ctrl+q")

    monkeypatch.setattr(app_mod.PickrtApp, "run", lambda self, **kw: real_run(self, headless=True, auto_pilot=auto))
    args = parse(["--gpu", "RTX 4090", "--users", "4"])
    wl = build_workload(catalog, users=4)
    out = io.StringIO()
    assert app_mod.run_wizard(args, catalog, wl, out=out) == 0
    assert "again     pickrt --gpu 'RTX 4090' --users 4\n" in out.getvalue()
