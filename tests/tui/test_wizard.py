"""The wizard, driven by keys as a person would (Textual's Pilot), on simulated hardware.

What it shows must be what ``pickrt --json`` says for the same answers: every check compares
with ``advise()`` called directly.
"""

from __future__ import annotations

import asyncio
import functools
import json
import os
import threading

import pytest

pytest.importorskip("textual")

from textual.widgets import Input, LoadingIndicator, Static  # noqa: E402

from pickrt.engine.advise import advise  # noqa: E402
from pickrt.engine.hardware import whatif_profile  # noqa: E402
from pickrt.engine.workload import build_workload  # noqa: E402
from pickrt.render.json_out import dumps  # noqa: E402
from pickrt.tui.screens.advice_json import FILENAME, JsonScreen  # noqa: E402
from pickrt.tui.screens.guide import GuideScreen  # noqa: E402
from pickrt.tui.screens.hardware import HardwareScreen  # noqa: E402
from pickrt.tui.screens.recommendation import RecommendationScreen  # noqa: E402
from pickrt.tui.screens.workload import WorkloadScreen  # noqa: E402
from tui_snapshot_app import APPLE_ARGV, FAKE_GUIDE, fake_detect, fake_host, make_app  # noqa: E402
from tui_snapshot_app import enter_until as _enter_until, expect_screen as _expect, settle as _settle  # noqa: E402

SIZE = (100, 40)


def sync(fn):
    """Run an ``async def`` test without an asyncio plugin (fixtures still reach it)."""
    @functools.wraps(fn)
    def run(*args, **kwargs):
        return asyncio.run(fn(*args, **kwargs))
    return run


def _text(widget) -> str:
    """The plain text a widget shows (Rich tables included), unwrapped."""
    from rich.console import Console

    r = widget.content if isinstance(widget, Static) else widget.render()
    if isinstance(r, str):
        return r
    if hasattr(r, "plain"):
        return r.plain
    console = Console(width=400, record=True, file=open(os.devnull, "w"), color_system=None)
    console.print(r)
    return console.export_text()


def _screen_text(app) -> str:
    """Everything on screen, as a person reads it (all Statics of the active screen)."""
    return "\n".join(_text(w) for w in app.screen.query(Static))


def _apple_advice(catalog):
    prof = whatif_profile(catalog, apple="M3 Max", memory=64.0)
    wl = build_workload(catalog, model="llama-3.1-8b")
    return advise(prof, wl, catalog)


# ---- Enter alone reaches the recommendation ----------------------------------------------------


@sync
async def test_enter_through_apple_reaches_recommendation(catalog):
    app = make_app(APPLE_ARGV, catalog=catalog)
    async with app.run_test(size=SIZE) as pilot:
        await _expect(pilot, HardwareScreen)
        assert isinstance(app.screen, HardwareScreen)
        # The first field has focus (typing goes there); Enter in it moves on.
        assert app.focused is not None and app.focused.id == "gpu-input"
        await pilot.press("enter")
        await _expect(pilot, WorkloadScreen)
        assert isinstance(app.screen, WorkloadScreen)
        assert app.focused is not None and app.focused.id == "model-input"
        await pilot.press("enter")
        await _expect(pilot, RecommendationScreen)
        assert isinstance(app.screen, RecommendationScreen)
        expected = _apple_advice(catalog)
        rec = app.screen.advice.recommendation
        assert rec is not None and rec.runtime in ("mlx-lm", "ollama")
        assert rec.runtime == expected.recommendation.runtime
        assert rec.zone == expected.recommendation.zone
        title = _text(app.screen.query_one("#rec-title"))
        assert rec.name in title and f"zone: {rec.zone}" in title
        # The same document --json prints, byte for byte.
        assert dumps(app.screen.advice) == dumps(expected)


@sync
async def test_recommendation_lists_every_other_runtime(catalog):
    app = make_app(APPLE_ARGV, catalog=catalog)
    async with app.run_test(size=SIZE) as pilot:
        await _enter_until(pilot, RecommendationScreen)
        adv = app.screen.advice
        from rich.table import Table

        rows = {}  # runtime name -> the reasons cell, from every table on the screen
        for st in app.screen.query(Static):
            t = st.content
            if isinstance(t, Table) and t.columns and t.columns[0].header == "Runtime":
                names = [str(c) for c in t.columns[0]._cells]
                why = [_text(Static(c)) for c in t.columns[-1]._cells]
                rows.update(zip(names, why))
        listed = [*adv.alternatives, *adv.rejected, *adv.companions]
        assert len(listed) == len(catalog.runtimes) - 1  # everything but the pick, once
        for item in listed:
            assert item.name in rows, item.runtime
            flat = " ".join(rows[item.name].split())
            for reason in item.reasons:
                assert " ".join(reason.split()) in flat, (item.runtime, reason)
        # the fit bar's arithmetic is one key away
        detail = app.screen.query_one("#fit-detail")
        assert not detail.display
        await pilot.press("m")
        assert detail.display
        assert adv.model_fit.detail == _text(detail)


# ---- editing the hardware changes the advice --------------------------------------------------


async def _set_gpu(pilot, name: str) -> None:
    field = pilot.app.screen.query_one("#gpu-input", Input)
    field.focus()
    await _settle(pilot)
    field.value = ""
    await pilot.press(*name)
    await _settle(pilot)


@sync
async def test_edit_gpu_changes_advice(catalog):
    argv = ["--cpu-only", "--memory", "128", "--users", "32", "--model", "llama-3.1-8b"]
    app = make_app(argv, catalog=catalog)
    wl = build_workload(catalog, users=32, model="llama-3.1-8b")
    seen = {}
    async with app.run_test(size=SIZE) as pilot:
        await _settle(pilot)
        for gpu in ("RTX 4090", "H100 SXM"):
            assert isinstance(app.screen, HardwareScreen)
            await _set_gpu(pilot, gpu)
            summary = _text(app.screen.query_one("#hw-summary"))
            assert "simulated" in summary
            await pilot.press("enter")  # Enter in the field accepts it and moves on
            await _expect(pilot, WorkloadScreen)
            assert isinstance(app.screen, WorkloadScreen)
            await pilot.press("enter")
            await _expect(pilot, RecommendationScreen)
            assert isinstance(app.screen, RecommendationScreen)
            expected = advise(whatif_profile(catalog, gpu=gpu, memory=128.0), wl, catalog)
            shown = app.screen.advice
            assert dumps(shown) == dumps(expected)
            seen[gpu] = shown
            await pilot.press("escape")
            await _expect(pilot, WorkloadScreen)
            await pilot.press("escape")
            await _expect(pilot, HardwareScreen)
    a, b = seen["RTX 4090"], seen["H100 SXM"]
    assert a.hardware.gpus[0].name != b.hardware.gpus[0].name
    assert dumps(a) != dumps(b)
    assert a.model_fit.available_gb != b.model_fit.available_gb


@sync
async def test_workload_edit_recomputes(catalog):
    app = make_app(["--gpu", "RTX 4090", "--model", "llama-3.1-8b"], catalog=catalog)
    async with app.run_test(size=SIZE) as pilot:
        await _enter_until(pilot, WorkloadScreen)
        one = app.refresh_advice()
        users = app.screen.query_one("#users", Input)
        users.value = "64"
        await _settle(pilot)
        prof = whatif_profile(catalog, gpu="RTX 4090")
        expected = advise(prof, build_workload(catalog, users=64, model="llama-3.1-8b"), catalog)
        assert app.workload.users == 64 and app.workload.goal == "throughput"  # the engine's default, not the UI's
        preview = app.screen.query_one("#preview")
        assert expected.recommendation.name in _text(preview)
        users.focus()
        await pilot.press("enter")  # Enter inside an Input moves on too
        await _expect(pilot, RecommendationScreen)
        assert isinstance(app.screen, RecommendationScreen)
        assert dumps(app.screen.advice) == dumps(expected)
        assert dumps(app.screen.advice) != dumps(one)


@sync
async def test_bad_workload_stays_and_says_why(catalog):
    app = make_app(APPLE_ARGV, catalog=catalog)
    async with app.run_test(size=SIZE) as pilot:
        await _enter_until(pilot, WorkloadScreen)
        app.screen.query_one("#model-input", Input).value = "no-such-model"
        await _settle(pilot)
        await pilot.press("enter")
        await _expect(pilot, WorkloadScreen)
        assert isinstance(app.screen, WorkloadScreen)
        assert "no-such-model" in _text(app.screen.query_one("#wl-error"))


@sync
async def test_picker_filters_gpu_names(catalog):
    app = make_app(["--cpu-only"], catalog=catalog)
    async with app.run_test(size=SIZE) as pilot:
        await _settle(pilot)
        field = app.screen.query_one("#gpu-input", Input)
        field.focus()
        await pilot.press(*"4090")
        await _settle(pilot)
        matches = app.screen.query_one("#gpu-matches")
        names = [str(matches.get_option_at_index(i).prompt) for i in range(matches.option_count)]
        assert names and all("4090" in n for n in names)
        assert matches.display and matches.region.height > 0
        await pilot.press("down", "enter")
        await _settle(pilot)
        assert field.value == names[0]
        assert app.focused is field
        assert app.screen.current.gpus[0].name == catalog.find_gpu(names[0]).name


# ---- Escape, q, Ctrl+Q ------------------------------------------------------------------------


@sync
async def test_escape_goes_back(catalog):
    app = make_app(APPLE_ARGV, catalog=catalog)
    async with app.run_test(size=SIZE) as pilot:
        await _enter_until(pilot, RecommendationScreen)
        await pilot.press("g")
        await _expect(pilot, GuideScreen)
        assert isinstance(app.screen, GuideScreen)
        for back in (RecommendationScreen, WorkloadScreen, HardwareScreen, HardwareScreen):
            await pilot.press("escape")
            await _expect(pilot, back)
            assert isinstance(app.screen, back)
        assert app.is_running


@pytest.mark.parametrize("steps", [0, 1, 2, 3])
@sync
async def test_ctrl_q_quits_with_zero_from_any_screen(catalog, steps):
    app = make_app(APPLE_ARGV, catalog=catalog)
    async with app.run_test(size=SIZE) as pilot:
        await _settle(pilot)
        for _ in range(steps):
            before = app.screen
            await pilot.press("enter")
            await _settle(pilot, lambda: app.screen is not before)
        await pilot.press("ctrl+q")
        await _settle(pilot)
    assert app.return_code == 0
    assert app.return_value == 0


@pytest.mark.parametrize("steps", [2, 3])
@sync
async def test_q_twice_quits_where_no_field_takes_text(catalog, steps):
    app = make_app(APPLE_ARGV, catalog=catalog)
    async with app.run_test(size=SIZE) as pilot:
        await _settle(pilot)
        for _ in range(steps):
            before = app.screen
            await pilot.press("enter")
            await _settle(pilot, lambda: app.screen is not before)
        await pilot.press("q")
        await _settle(pilot)
        assert app.is_running  # one q asks; a word with a q in it never quits
        await pilot.press("q")
        await _settle(pilot)
    assert app.return_code == 0


@sync
async def test_q_types_in_a_text_field_and_ctrl_q_quits(catalog):
    app = make_app(APPLE_ARGV, catalog=catalog)
    async with app.run_test(size=SIZE) as pilot:
        await _enter_until(pilot, WorkloadScreen)
        model = app.screen.query_one("#model-input", Input)
        model.focus()
        model.value = ""
        await pilot.press("q", "w", "e", "n")
        await _settle(pilot)
        assert model.value == "qwen"
        assert app.is_running
        await pilot.press("ctrl+q")
        await _settle(pilot)
    assert app.return_code == 0


def test_run_wizard_returns_zero_on_quit(catalog, monkeypatch):
    from pickrt.tui import app as app_mod
    from tui_snapshot_app import parse

    real_run = app_mod.PickrtApp.run

    async def auto(pilot):
        await _settle(pilot)
        await pilot.press("enter")
        await _expect(pilot, WorkloadScreen)
        await pilot.press("enter")
        await _expect(pilot, RecommendationScreen)
        await pilot.press("q", "q")

    monkeypatch.setattr(app_mod.PickrtApp, "run", lambda self, **kw: real_run(self, headless=True, auto_pilot=auto))
    args = parse(APPLE_ARGV)
    wl = build_workload(catalog, model="llama-3.1-8b")
    assert app_mod.run_wizard(args, catalog, wl) == 0


# ---- JSON and guide ---------------------------------------------------------------------------


@sync
async def test_json_key_shows_the_json_output_and_saves_it(catalog, tmp_path):
    app = make_app(APPLE_ARGV, catalog=catalog, save_dir=str(tmp_path))
    async with app.run_test(size=SIZE) as pilot:
        await _enter_until(pilot, RecommendationScreen)
        await pilot.press("j")
        await _expect(pilot, JsonScreen)
        assert isinstance(app.screen, JsonScreen)
        expected = dumps(_apple_advice(catalog))
        assert app.screen.text == expected
        assert json.loads(_text(app.screen.query_one("#json-text"))) == json.loads(expected)
        await pilot.press("s")
        await _settle(pilot)
        saved = tmp_path / FILENAME
        assert saved.read_text() == expected + "\n"
        assert str(saved) in _text(app.screen.query_one("#json-status"))
        await pilot.press("escape")
        await _expect(pilot, RecommendationScreen)
        assert isinstance(app.screen, RecommendationScreen)


@sync
async def test_guide_shows_markdown_and_copies_a_block(catalog, tmp_path):
    from pickrt.tui.screens.guide import CLIP_FILE, CodeBlocksScreen

    app = make_app(APPLE_ARGV, catalog=catalog, save_dir=str(tmp_path))
    async with app.run_test(size=SIZE) as pilot:
        await _enter_until(pilot, RecommendationScreen)
        await pilot.press("enter")  # the focused default on the recommendation is the guide
        await _expect(pilot, GuideScreen)
        assert isinstance(app.screen, GuideScreen)
        assert app.screen.markdown == FAKE_GUIDE
        await pilot.press("c")
        await _expect(pilot, CodeBlocksScreen)
        await pilot.press("down", "enter")  # the second block: two lines
        await _expect(pilot, GuideScreen)
        assert app.clipboard == "ollama serve\nollama pull llama3.1:8b"
        # The terminal may refuse OSC 52 without telling: the block is also in a file, and the
        # message never claims a copy it cannot check.
        assert (tmp_path / CLIP_FILE).read_text() == "ollama serve\nollama pull llama3.1:8b\n"
        msgs = [n.message for n in app._notifications]
        assert any(str(tmp_path / CLIP_FILE) in m for m in msgs), msgs
        assert not any("Copied" in m for m in msgs), msgs


@sync
async def test_guide_is_pickrt_guide(catalog):
    guide = pytest.importorskip("pickrt.guide")
    from pickrt.tui.app import _default_guide

    app = make_app(APPLE_ARGV, catalog=catalog, guide=_default_guide)
    async with app.run_test(size=SIZE) as pilot:
        await _enter_until(pilot, RecommendationScreen)
        await pilot.press("g")
        await _expect(pilot, GuideScreen)
        prof = whatif_profile(catalog, apple="M3 Max", memory=64.0)
        wl = build_workload(catalog, model="llama-3.1-8b")
        assert app.screen.markdown == guide.guide_for(prof, wl, catalog, os_name="macos")


# ---- detection runs in a worker ---------------------------------------------------------------


@sync
async def test_detection_paints_at_once_and_enter_waits_for_it(catalog):
    gate = threading.Event()
    app = make_app(["--model", "llama-3.1-8b"], catalog=catalog, detect=fake_detect(gate=gate))
    async with app.run_test(size=SIZE) as pilot:
        await _settle(pilot)
        scr = app.screen
        assert isinstance(scr, HardwareScreen) and scr.detecting
        assert scr.query_one(LoadingIndicator).display
        await pilot.press("enter")  # pressed before detection is done: moves on once it is
        await _expect(pilot, HardwareScreen)
        assert isinstance(app.screen, HardwareScreen)
        gate.set()
        await app.workers.wait_for_complete()
        await _settle(pilot)
        await _expect(pilot, WorkloadScreen)
        assert isinstance(app.screen, WorkloadScreen)
        assert app.profile == fake_host() and app.profile_detected
        summary = _text(scr.query_one("#hw-summary"))
        for bit in ("detected on this machine", "RTX 4090", "cc 8.9", "container limit 32 GiB",
                    "missing (2): 2 optional probes found nothing", "timeout (1): ray-status"):
            assert bit in summary, bit
        await pilot.press("enter")
        await _expect(pilot, RecommendationScreen)
        expected = advise(fake_host(), build_workload(catalog, model="llama-3.1-8b"), catalog)
        assert dumps(app.screen.advice) == dumps(expected)


@sync
async def test_detection_failure_lets_the_user_describe_the_hardware(catalog):
    app = make_app([], catalog=catalog, detect=fake_detect(error=RuntimeError("probe exploded")))
    async with app.run_test(size=SIZE) as pilot:
        await app.workers.wait_for_complete()
        await _settle(pilot)
        scr = app.screen
        assert not scr.detecting
        assert "probe exploded" in _text(scr.query_one("#hw-status"))
        assert not scr.query_one("#hw-form").disabled
        await _set_gpu(pilot, "RTX 4090")
        await pilot.press("enter", "enter")
        await _expect(pilot, RecommendationScreen)
        assert isinstance(app.screen, RecommendationScreen)
        assert app.screen.advice.hardware.gpus[0].name == catalog.find_gpu("RTX 4090").name


@sync
async def test_bad_whatif_options_are_shown_not_fatal(catalog):
    app = make_app(["--gpu", "Imaginary 9000"], catalog=catalog)
    async with app.run_test(size=SIZE) as pilot:
        await _settle(pilot)
        scr = app.screen
        assert "Imaginary 9000" in _text(scr.query_one("#hw-status"))
        await pilot.press("enter")
        await _expect(pilot, HardwareScreen)
        assert isinstance(app.screen, HardwareScreen)  # nothing to advise on yet
        vram = scr.query_one("#vram", Input)
        vram.value = "16"
        await _settle(pilot)
        await pilot.press("enter")
        await _expect(pilot, WorkloadScreen)
        assert isinstance(app.screen, WorkloadScreen)
        assert app.profile.gpus[0].vram_gb == 16


@sync
async def test_theme_toggle(catalog):
    app = make_app(APPLE_ARGV, catalog=catalog)
    async with app.run_test(size=SIZE) as pilot:
        await _settle(pilot)
        dark = app.current_theme.dark
        await pilot.press("ctrl+t")
        await _settle(pilot)
        assert app.current_theme.dark is not dark


@sync
async def test_mouse_works(catalog):
    app = make_app(APPLE_ARGV, catalog=catalog)
    async with app.run_test(size=SIZE) as pilot:
        await _settle(pilot)
        await pilot.click("#next")
        await _expect(pilot, WorkloadScreen)
        assert isinstance(app.screen, WorkloadScreen)
        await pilot.click("#traffic-diverse")
        await _settle(pilot)
        assert app.workload.traffic == "diverse"
        await pilot.click("#next")
        await _expect(pilot, RecommendationScreen)
        assert isinstance(app.screen, RecommendationScreen)
        assert app.screen.advice.workload.traffic == "diverse"
        await pilot.click("#json")
        await _expect(pilot, JsonScreen)
        assert isinstance(app.screen, JsonScreen)
