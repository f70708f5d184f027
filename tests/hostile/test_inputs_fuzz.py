"""Property tests over readers of outside data: profiles, batch lines, replay folders and probes.json.

Each reader either gives a value within bounds or raises the project's input error (exit 2, one
line); never a traceback, never a hang, never an unbounded allocation.
"""

from __future__ import annotations

import json
import math
import os
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pickrt.cli import main
from pickrt.errors import InputError
from pickrt.profile_file import load_profile

NUMS = st.one_of(st.integers(min_value=-2**70, max_value=2**70), st.floats(), st.sampled_from(
    [0, -1, 1, 64, 65, 4096, 1e308, -1e308, 10**400, float("nan"), float("inf"), 0.5, 24.0, 80.0, 1e6]))
LEAF = st.one_of(st.none(), st.booleans(), NUMS, st.text(max_size=6),
                 st.sampled_from(["nvidia", "amd", "apple", "linux", "macos", "H100", "RTX 4090", "M3 Max", "kubectl"]))
JSONISH = st.recursive(LEAF, lambda k: st.lists(k, max_size=3) | st.dictionaries(st.text(max_size=6), k, max_size=3),
                       max_leaves=10)
GPU = st.fixed_dictionaries({"vendor": st.sampled_from(["nvidia", "amd", "apple", "x", 5])},
                            optional={"name": LEAF, "vram_gb": NUMS, "count": NUMS, "compute_capability": LEAF,
                                      "mig": JSONISH, "unified_memory": LEAF})
PROFILE = st.fixed_dictionaries({}, optional={
    "os": LEAF, "arch": LEAF, "memory_gb": NUMS, "memory_limit_gb": NUMS, "memory_available_gb": NUMS,
    "gpus": st.lists(GPU, max_size=3) | JSONISH,
    "cpu": st.fixed_dictionaries({}, optional={"cores": NUMS, "threads": NUMS, "flags": JSONISH, "model": LEAF}),
    "apple": st.fixed_dictionaries({}, optional={"chip": LEAF, "memory_gb": NUMS, "gpu_cores": NUMS, "gpu_usable_gb": NUMS}),
    "cluster": st.fixed_dictionaries({"source": st.sampled_from(["kubectl", "ray", "what-if", "x"])}, optional={
        "nodes": st.lists(st.fixed_dictionaries({}, optional={"gpus": st.lists(GPU, max_size=2), "memory_gb": NUMS}),
                          max_size=3), "gpus_total": NUMS, "interconnect": LEAF}),
    "probes": JSONISH,
})
SETTINGS = settings(max_examples=120, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])


def _dump(obj) -> str:
    return json.dumps(obj, allow_nan=True, default=str)


@SETTINGS
@given(doc=PROFILE | JSONISH, model=st.sampled_from([None, "llama-3.1-8b", "8b", "deepseek-v3"]))
def test_profile_files_only_input_errors(tmp_path_factory, catalog, doc, model) -> None:
    from pickrt.engine.advise import advise
    from pickrt.engine.workload import build_workload

    f = tmp_path_factory.mktemp("p") / "hw.json"
    f.write_text(_dump(doc))
    try:
        prof = load_profile(str(f))
    except InputError as e:
        assert "\n" not in str(e)
        return
    assert len(prof.gpus) <= 64 and all(1 <= g.count <= 64 for g in prof.gpus)
    for v in (prof.memory_gb, *(g.vram_gb for g in prof.gpus)):
        assert v is None or (math.isfinite(v) and 0 < v <= 1e6)
    adv = advise(prof, build_workload(catalog, model=model), catalog)
    from pickrt.render.json_out import dumps
    from pickrt.render.text import render

    dumps(adv)
    render(adv)


BATCH_HW = st.fixed_dictionaries({}, optional={
    "gpu": LEAF, "gpus": NUMS | LEAF, "vram": NUMS | LEAF, "apple": LEAF, "memory": NUMS, "os": LEAF,
    "cpu_only": LEAF, "nodes": NUMS, "interconnect": LEAF, "foo": LEAF}) | PROFILE | JSONISH
BATCH_WL = st.fixed_dictionaries({}, optional={
    "traffic": LEAF, "users": NUMS | LEAF, "quant": LEAF, "model": LEAF, "context": NUMS | LEAF, "goal": LEAF,
    "needs": JSONISH, "runtime": LEAF}) | JSONISH


@SETTINGS
@given(lines=st.lists(st.one_of(
    st.fixed_dictionaries({}, optional={"hardware": BATCH_HW, "workload": BATCH_WL}).map(_dump),
    JSONISH.map(_dump), st.binary(max_size=20).map(lambda b: b.decode("latin-1"))), min_size=1, max_size=4))
def test_batch_lines_only_error_lines(tmp_path_factory, lines, capsys) -> None:
    f = tmp_path_factory.mktemp("b") / "b.jsonl"
    f.write_text("\n".join(x.replace("\n", " ") for x in lines) + "\n", encoding="utf-8", errors="surrogateescape")
    try:
        rc = main(["--json", "--batch", str(f)])
    except SystemExit as e:
        rc = e.code
    cap = capsys.readouterr()
    assert rc in (0, 2)
    outs = cap.out.splitlines()
    for line in outs:
        obj = json.loads(line)  # every output line is whole JSON
        assert "schema_version" in obj or set(obj) == {"line", "error"}
    if rc == 2:
        assert len(cap.err.strip().splitlines()) == 1 and any('"error"' in x for x in outs)


@SETTINGS
@given(manifest=JSONISH | st.dictionaries(st.sampled_from(["nvidia-smi", "uname", "kubectl-nodes", "lscpu"]),
                                          st.fixed_dictionaries({}, optional={"status": LEAF, "detail": JSONISH}),
                                          max_size=4),
       files=st.dictionaries(st.sampled_from(["uname.txt", "nvidia-smi-L.txt", "lscpu.txt", "kubectl-nodes.json"]),
                             st.text(max_size=50), max_size=3))
def test_replay_folders_only_profiles(tmp_path_factory, manifest, files, capsys) -> None:
    d = tmp_path_factory.mktemp("r")
    (d / "probes.json").write_text(_dump(manifest))
    for name, text in files.items():
        (d / name).write_text(text)
    assert main(["detect", "--json", "--replay", str(d)]) == 0
    out = json.loads(capsys.readouterr().out)
    assert all(isinstance(p["detail"], (str, type(None))) for p in out["probes"])
    assert main(["detect", "--replay", str(d)]) == 0
    capsys.readouterr()


def test_deep_probes_json_and_fifo_replay_files(tmp_path: Path, capsys) -> None:
    (tmp_path / "probes.json").write_text("[" * 100_000 + "]" * 100_000)
    (tmp_path / "uname.txt").write_text("Linux x86_64\n")
    if os.name == "posix":
        os.mkfifo(tmp_path / "lscpu.txt")
        (tmp_path / "nvidia-smi.txt").symlink_to("/dev/zero")
    start = time.monotonic()
    assert main(["detect", "--json", "--replay", str(tmp_path)]) == 0
    assert time.monotonic() - start < 5
    probes = {p["name"]: p for p in json.loads(capsys.readouterr().out)["probes"]}
    if os.name == "posix":
        assert probes["lscpu"]["status"] == "error" and "FIFO" in probes["lscpu"]["detail"]
        assert probes["nvidia-smi"]["status"] == "error"


@pytest.mark.skipif(os.name != "posix", reason="FIFOs")
def test_batch_fifo_and_profile_fifo(tmp_path: Path, capsys) -> None:
    fifo = tmp_path / "b.fifo"
    os.mkfifo(fifo)
    for argv in (["--json", "--batch", str(fifo)], ["--json", "--hardware", str(fifo)]):
        with pytest.raises(SystemExit) as ei:
            main(argv)
        assert ei.value.code == 2 and "FIFO" in capsys.readouterr().err


@pytest.mark.parametrize("argv, words", [
    (["--json", "--gpu", "RTX 4090", "--gpus", "100000000"], "1 to 64"),
    (["--json", "--gpu", "RTX 4090", "--gpus", "2", "--nodes", "100000000"], "1 to 4096"),
    (["--json", "--gpu", "RTX 4090", "--users", "9" * 400, "--model", "8b"], "1 to 100000"),
    (["--json", "--gpu", "RTX 4090", "--vram", "nan"], "greater than 0"),
    (["--json", "--gpu", "RTX 4090", "--memory", "1e308"], "at most 1000000"),
    (["--json", "--gpu", "RTX 4090", "--memory", "-64"], "greater than 0"),
    (["detect", "--timeout", "inf"], "at most 60"),
    (["detect", "--timeout", "nan"], "at most 60"),
    (["detect", "--timeout", "-1"], "greater than 0"),
    (["--json", "--gpu", ""], "empty"),
    (["--json", "--hardware", ""], "empty"),
    (["--json", "--model", ""], "empty"),
    (["--json", "--gpu", "x" * 100_000], "at most 1000 characters"),
])
def test_cli_bounds_one_line(argv, words, capsys) -> None:
    with pytest.raises(SystemExit) as ei:
        main(argv)
    cap = capsys.readouterr()
    assert ei.value.code == 2 and cap.out == ""
    assert words in cap.err and len(cap.err.strip().splitlines()) == 1 and len(cap.err) < 400


def test_whatif_counts_do_not_expand(capsys) -> None:
    start = time.monotonic()
    assert main(["--json", "--gpu", "H100 SXM", "--gpus", "64", "--nodes", "4096", "--model", "llama-3.1-405b"]) in (0, 3)
    assert time.monotonic() - start < 10
    out = json.loads(capsys.readouterr().out)
    assert len(out["hardware"]["cluster"]["nodes"]) == 4096
    assert out["hardware"]["cluster"]["nodes"][0]["gpus"][0]["count"] == 64
    assert out["hardware"]["cluster"]["gpus_total"] == 64 * 4096


def test_small_messages(tmp_path: Path, capsys) -> None:
    (tmp_path / "empty").mkdir()
    (tmp_path / "d.gguf").mkdir()
    for argv, words in ((["knowledge"], "choose an action"),
                        (["detect", "--replay", str(tmp_path / "empty")], "no recording here"),
                        (["--json", "--gpu", "RTX 4090", "--model", str(tmp_path / "d.gguf")], "is a folder")):
        with pytest.raises(SystemExit) as ei:
            main(argv)
        cap = capsys.readouterr()
        assert ei.value.code == 2 and cap.out == "" and words in cap.err and len(cap.err.splitlines()) == 1


def test_yaml_alias_bomb(tmp_path: Path, capsys) -> None:
    lines = ["a0: &a0 [x,x,x,x,x,x,x,x,x,x]"] + [
        f"a{i}: &a{i} [" + ",".join([f"*a{i - 1}"] * 10) + "]" for i in range(1, 10)]
    bomb = "\n".join(lines) + "\nos: linux\n"
    (tmp_path / "hw.yaml").write_text(bomb)
    start = time.monotonic()
    with pytest.raises(InputError, match="more than"):
        load_profile(str(tmp_path / "hw.yaml"))
    (tmp_path / "ov" / "runtimes").mkdir(parents=True)
    (tmp_path / "ov" / "runtimes" / "x.yaml").write_text(bomb)
    assert main(["knowledge", "check", str(tmp_path / "ov")]) == 2
    assert time.monotonic() - start < 10
