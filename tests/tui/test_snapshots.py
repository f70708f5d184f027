"""Snapshots of each wizard screen at 80x24 and 120x40, on simulated hardware (never this host).

Update with ``pytest tests/tui --snapshot-update`` only after reading the report: these pictures are
what a person sees, and a regression here is a layout cut off or a key gone from the footer. The
recommendation pictures hold the catalog's reasons text, so a catalog edit changes them too.
"""

from __future__ import annotations

import pytest

pytest.importorskip("pytest_textual_snapshot")

from tui_snapshot_app import APPLE_ARGV, enter_until, expect_screen, fake_detect, make_app, settle  # noqa: E402

SIZES = [pytest.param((80, 24), id="80x24"), pytest.param((120, 40), id="120x40")]


async def _hardware(pilot) -> None:
    await pilot.app.workers.wait_for_complete()
    await settle(pilot)


def _to(screen_name: str, *keys: str):
    """A run_before that walks to a screen by Enter, then presses ``keys``, waiting as a person would."""
    async def run(pilot) -> None:
        from pickrt.tui.screens.recommendation import RecommendationScreen
        from pickrt.tui.screens.workload import WorkloadScreen

        await _hardware(pilot)
        await enter_until(pilot, {"workload": WorkloadScreen, "recommendation": RecommendationScreen}[screen_name])
        for k in keys:
            await pilot.press(k)
            await settle(pilot)
    return run


@pytest.mark.parametrize("size", SIZES)
class TestHardware:
    def test_whatif_apple(self, snap_compare, size, catalog):
        assert snap_compare(make_app(APPLE_ARGV, catalog=catalog), terminal_size=size, run_before=_hardware)

    def test_detected_host(self, snap_compare, size, catalog):
        app = make_app(["--model", "llama-3.1-8b"], catalog=catalog, detect=fake_detect())
        assert snap_compare(app, terminal_size=size, run_before=_hardware)

    def test_gpu_filter(self, snap_compare, size, catalog):
        async def type_gpu(pilot):
            await _hardware(pilot)
            pilot.app.screen.query_one("#gpu-input").focus()
            await pilot.press(*"rtx 40")
            await settle(pilot)

        app = make_app(["--cpu-only", "--memory", "64"], catalog=catalog)
        assert snap_compare(app, terminal_size=size, run_before=type_gpu)


@pytest.mark.parametrize("size", SIZES)
class TestWorkload:
    def test_workload(self, snap_compare, size, catalog):
        assert snap_compare(make_app(APPLE_ARGV, catalog=catalog), terminal_size=size, run_before=_to("workload"))


@pytest.mark.parametrize("size", SIZES)
class TestRecommendation:
    def test_apple(self, snap_compare, size, catalog):
        assert snap_compare(make_app(APPLE_ARGV, catalog=catalog), terminal_size=size,
                            run_before=_to("recommendation"))

    def test_why_not_and_memory_math(self, snap_compare, size, catalog):
        argv = ["--gpu", "RTX 4090", "--users", "32", "--model", "llama-3.1-70b"]
        assert snap_compare(make_app(argv, catalog=catalog), terminal_size=size,
                            run_before=_to("recommendation", "m", "pagedown"))

    def test_json(self, snap_compare, size, catalog):
        async def run(pilot):
            from pickrt.tui.screens.advice_json import JsonScreen

            await _to("recommendation", "j")(pilot)
            await expect_screen(pilot, JsonScreen)

        assert snap_compare(make_app(APPLE_ARGV, catalog=catalog), terminal_size=size, run_before=run)


@pytest.mark.parametrize("size", SIZES)
class TestGuide:
    def test_guide(self, snap_compare, size, catalog):
        async def run(pilot):
            from textual.widgets import MarkdownViewer

            from pickrt.tui.screens.guide import GuideScreen

            await _to("recommendation", "g")(pilot)
            await expect_screen(pilot, GuideScreen)
            viewer = pilot.app.screen.query_one(MarkdownViewer)
            await settle(pilot, lambda: len(viewer.document.children) > 0)

        assert snap_compare(make_app(APPLE_ARGV, catalog=catalog), terminal_size=size, run_before=run)


LONG_GUIDE = """\
# Install vLLM on Linux

## 1. Serve

```sh
docker run --gpus all --ipc=host -p 127.0.0.1:8000:8000 -v ~/.cache/huggingface:/root/.cache/huggingface vllm/vllm-openai:latest --model Qwen/Qwen3-8B --max-model-len 8192
```

## 2. Check it answers

```sh
curl http://127.0.0.1:8000/v1/chat/completions -H 'Content-Type: application/json' -d '{"model": "Qwen/Qwen3-8B", "messages": [{"role": "user", "content": "Hello"}]}'
```
"""


class TestNewcomer:
    """What a newcomer meets: selection marked by glyphs under NO_COLOR, long commands wrapped at 80
    columns, the copy list, and a typed name with its suggestion."""

    def test_workload_no_color(self, snap_compare, catalog, monkeypatch):
        monkeypatch.setenv("NO_COLOR", "1")
        argv = [*APPLE_ARGV, "--traffic", "diverse", "--need", "gui"]
        assert snap_compare(make_app(argv, catalog=catalog), terminal_size=(80, 24), run_before=_to("workload"))

    def test_hardware_no_color(self, snap_compare, catalog, monkeypatch):
        monkeypatch.setenv("NO_COLOR", "1")
        assert snap_compare(make_app(APPLE_ARGV, catalog=catalog), terminal_size=(80, 24), run_before=_hardware)

    def test_long_commands_wrap_at_80(self, snap_compare, catalog):
        async def run(pilot):
            from textual.widgets import MarkdownViewer

            from pickrt.tui.screens.guide import GuideScreen

            await _to("recommendation", "g")(pilot)
            await expect_screen(pilot, GuideScreen)
            viewer = pilot.app.screen.query_one(MarkdownViewer)
            await settle(pilot, lambda: len(viewer.document.children) > 0)

        app = make_app(APPLE_ARGV, catalog=catalog, guide=lambda *a: LONG_GUIDE)
        assert snap_compare(app, terminal_size=(80, 24), run_before=run)

    def test_copy_a_block(self, snap_compare, catalog):
        async def run(pilot):
            from pickrt.tui.screens.guide import CodeBlocksScreen, GuideScreen

            await _to("recommendation", "g")(pilot)
            await expect_screen(pilot, GuideScreen)
            await pilot.press("c")
            await expect_screen(pilot, CodeBlocksScreen)

        assert snap_compare(make_app(APPLE_ARGV, catalog=catalog), terminal_size=(80, 24), run_before=run)

    def test_typed_name_shows_its_suggestion(self, snap_compare, catalog):
        async def run(pilot):
            await _to("workload")(pilot)
            pilot.app.screen.query_one("#model-input").value = ""
            await pilot.press(*"llama")
            await settle(pilot)

        assert snap_compare(make_app(APPLE_ARGV, catalog=catalog), terminal_size=(80, 24), run_before=run)
