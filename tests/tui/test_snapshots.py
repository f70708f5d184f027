"""Snapshots of each wizard screen at 80x24 and 120x40, on simulated hardware (never this host).

Update with ``pytest tests/tui --snapshot-update`` only after reading the report: these pictures are
what a person sees, and a regression here is a layout cut off or a key gone from the footer.
"""

from __future__ import annotations

import pytest

pytest.importorskip("pytest_textual_snapshot")

from tui_snapshot_app import APPLE_ARGV, fake_detect, make_app  # noqa: E402

SIZES = [pytest.param((80, 24), id="80x24"), pytest.param((120, 40), id="120x40")]


async def _settle(pilot) -> None:
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()
    await pilot.pause()


@pytest.mark.parametrize("size", SIZES)
class TestHardware:
    def test_whatif_apple(self, snap_compare, size, catalog):
        assert snap_compare(make_app(APPLE_ARGV, catalog=catalog), terminal_size=size, run_before=_settle)

    def test_detected_host(self, snap_compare, size, catalog):
        app = make_app(["--model", "llama-3.1-8b"], catalog=catalog, detect=fake_detect())
        assert snap_compare(app, terminal_size=size, run_before=_settle)

    def test_gpu_filter(self, snap_compare, size, catalog):
        async def type_gpu(pilot):
            await _settle(pilot)
            pilot.app.screen.query_one("#gpu-input").focus()
            await pilot.press(*"rtx 40")
            await pilot.pause()

        app = make_app(["--cpu-only", "--memory", "64"], catalog=catalog)
        assert snap_compare(app, terminal_size=size, run_before=type_gpu)


@pytest.mark.parametrize("size", SIZES)
class TestWorkload:
    def test_workload(self, snap_compare, size, catalog):
        assert snap_compare(make_app(APPLE_ARGV, catalog=catalog), press=["enter"], terminal_size=size,
                            run_before=_settle)


@pytest.mark.parametrize("size", SIZES)
class TestRecommendation:
    def test_apple(self, snap_compare, size, catalog):
        assert snap_compare(make_app(APPLE_ARGV, catalog=catalog), press=["enter", "enter"], terminal_size=size,
                            run_before=_settle)

    def test_why_not_and_memory_math(self, snap_compare, size, catalog):
        argv = ["--gpu", "RTX 4090", "--users", "32", "--model", "llama-3.1-70b"]
        assert snap_compare(make_app(argv, catalog=catalog), press=["enter", "enter", "m", "pagedown"],
                            terminal_size=size, run_before=_settle)

    def test_json(self, snap_compare, size, catalog):
        assert snap_compare(make_app(APPLE_ARGV, catalog=catalog), press=["enter", "enter", "j"],
                            terminal_size=size, run_before=_settle)


@pytest.mark.parametrize("size", SIZES)
class TestGuide:
    def test_guide(self, snap_compare, size, catalog):
        assert snap_compare(make_app(APPLE_ARGV, catalog=catalog), press=["enter", "enter", "g"],
                            terminal_size=size, run_before=_settle)
