"""The shipped catalog: valid, complete, in sync with its schemas, overlays, errors with file:line."""

import json
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from pickrt.catalog import CatalogError, load_catalog
from pickrt.catalog.loader import shipped_dir
from pickrt.cli import main

CORE = ["ollama", "llama-cpp", "lm-studio", "llamafile", "vllm", "sglang", "tensorrt-llm", "tgi", "localai",
        "mlx-lm", "exllamav2", "exllamav3", "tabbyapi", "exo", "petals", "ray-serve", "hyperspace",
        "open-webui", "anythingllm", "fastertransformer"]


def test_all_core_slugs_and_alternatives(catalog):
    assert set(CORE) <= set(catalog.runtimes)
    extra = [s for s in catalog.runtimes if s not in CORE]
    assert len(extra) >= 4
    for s in extra:
        assert catalog.runtimes[s].core is False


def test_every_runtime_has_sources_and_install(catalog):
    for rt in catalog.runtimes.values():
        assert rt.sources, rt.slug
        assert rt.as_of
        assert rt.platforms, rt.slug
        for p in rt.platforms:
            if p.native and rt.slug not in ("fastertransformer",):
                assert rt.install.get(p.os), f"{rt.slug} has no install steps for {p.os}"


def test_facts_that_contradict_the_map(catalog):
    assert catalog.runtimes["tgi"].status.state == "maintenance"
    assert "exl2" not in catalog.runtimes["exllamav3"].quant_formats
    assert catalog.runtimes["vllm"].accelerators.cuda.min_compute_capability == "7.5"
    assert catalog.runtimes["petals"].status.state == "dead"
    assert catalog.runtimes["fastertransformer"].superseded_by == "tensorrt-llm"


@pytest.mark.parametrize("name", ["runtime", "rules", "gpus", "apple", "models", "quants", "profile", "advice"])
def test_schema_files_in_sync(name):
    from pickrt.schemas import render, schemas

    f = shipped_dir() / "schema" / f"{name}.schema.json"
    assert f.read_text() == render(schemas()[f"{name}.schema.json"]), "run `make schemas`"


def test_shipped_yaml_validates_against_committed_schema():
    import jsonschema
    import yaml

    schema = json.loads((shipped_dir() / "schema" / "runtime.schema.json").read_text())
    for p in (shipped_dir() / "runtimes").glob("*.yaml"):
        jsonschema.validate(yaml.safe_load(p.read_text()), schema)


def _overlay(tmp_path, name, text):
    d = tmp_path / "ov"
    (d / "runtimes").mkdir(parents=True, exist_ok=True)
    (d / "runtimes" / name).write_text(text)
    return d


def test_overlay_overrides_fields_and_adds_runtime(tmp_path):
    d = _overlay(tmp_path, "ollama.yaml", "slug: ollama\napi:\n  default_port: 54321\n")
    (d / "runtimes" / "myrt.yaml").write_text(
        "slug: myrt\nname: My RT\nzone: desktop\nstatus: {state: active}\nas_of: '2026-11-01'\n"
        "platforms: [{os: linux, arch: x86_64}]\nsources: [{url: 'https://example.org'}]\n")
    cat = load_catalog([d], use_user_overlay=False, use_cache=False)
    assert cat.runtimes["ollama"].api.default_port == 54321
    assert cat.runtimes["ollama"].name == "Ollama"  # untouched fields kept
    assert "myrt" in cat.runtimes


@pytest.mark.parametrize("text,line,needle", [
    ("slug: ollama\nzone: nowhere\n", 2, "allowed values"),
    ("slug: ollama\nzone: [desktop\n", 3, "malformed YAML"),
    ("slug: ollama\nname: X\nfavourite_colour: blue\n", 3, "favourite_colour: unknown field"),
    ("slug: ollama\napi:\n  default_port: lots\n", 3, "api.default_port"),
])
def test_broken_overlay_names_file_line_field(tmp_path, text, line, needle):
    d = _overlay(tmp_path, "ollama.yaml", text)
    with pytest.raises(CatalogError) as ei:
        load_catalog([d], use_user_overlay=False, use_cache=False)
    first = ei.value.problems[0]
    assert first.startswith(f"{d / 'runtimes' / 'ollama.yaml'}:{line}:"), first
    assert needle in first


def test_duplicate_slug_and_unknown_reference(tmp_path):
    d = _overlay(tmp_path, "a.yaml", "slug: ollama\nsuperseded_by: nosuch\n")
    (d / "runtimes" / "b.yaml").write_text("slug: ollama\nname: again\n")
    with pytest.raises(CatalogError) as ei:
        load_catalog([d], use_user_overlay=False, use_cache=False)
    text = "\n".join(ei.value.problems)
    assert "duplicate slug 'ollama'" in text


def test_unknown_reference(tmp_path):
    d = _overlay(tmp_path, "a.yaml", "slug: ollama\nsuperseded_by: nosuch\n")
    with pytest.raises(CatalogError) as ei:
        load_catalog([d], use_user_overlay=False, use_cache=False)
    assert "unknown runtime 'nosuch'" in ei.value.problems[0]


def test_knowledge_check_cli(tmp_path, capsys):
    assert main(["knowledge", "check"]) == 0
    out, err = capsys.readouterr()
    assert out.startswith("ok:") and out.count("\n") == 1
    d = _overlay(tmp_path, "ollama.yaml", "slug: ollama\nzone: nowhere\n")
    assert main(["knowledge", "check", str(d)]) == 2
    out, err = capsys.readouterr()
    assert out == "" and "ollama.yaml:2: zone" in err and "Traceback" not in err


def test_knowledge_list_json(capsys):
    assert main(["knowledge", "list", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert {r["slug"] for r in rows} >= set(CORE)
    assert set(rows[0]) == {"slug", "name", "zone", "status"}


def test_knowledge_show(capsys):
    assert main(["knowledge", "show", "vllm", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["api"]["default_port"] == 8000
    with pytest.raises(SystemExit) as ei:
        main(["knowledge", "show", "nosuch"])
    assert ei.value.code == 2


def test_cache_is_used_and_keyed_by_content(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "c"))
    a = load_catalog(use_user_overlay=False)
    assert list((tmp_path / "c" / "pickrt").glob("catalog-*.json"))
    b = load_catalog(use_user_overlay=False)
    assert list(a.runtimes) == list(b.runtimes)
    d = _overlay(tmp_path, "ollama.yaml", "slug: ollama\napi: {default_port: 1111}\n")
    c = load_catalog([d], use_user_overlay=False)
    assert c.runtimes["ollama"].api.default_port == 1111


def test_wheel_ships_the_catalog(tmp_path):
    root = Path(__file__).resolve().parents[1]
    r = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-w", str(tmp_path), str(root)],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr[-2000:]
    whl = next(tmp_path.glob("pickrt-*.whl"))
    names = zipfile.ZipFile(whl).namelist()
    assert "pickrt/knowledge/runtimes/ollama.yaml" in names
    assert "pickrt/knowledge/schema/advice.schema.json" in names
    # installed non-editable and run from another folder, it finds its catalog
    target = tmp_path / "site"
    r = subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "--target", str(target), str(whl)],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr[-2000:]
    env = {"PYTHONPATH": str(target), "PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "PICKRT_NO_CACHE": "1"}
    r = subprocess.run([sys.executable, "-c", "import pickrt.cli, sys; sys.exit(pickrt.cli.main(['knowledge', 'check']))"],
                       cwd=tmp_path, env=env, capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert "28 runtimes" in r.stdout or "runtimes" in r.stdout
    r = subprocess.run([sys.executable, "-c", "import pickrt.catalog.loader as l; print(l.shipped_dir())"],
                       cwd=tmp_path, env=env, capture_output=True, text=True)
    assert str(target) in r.stdout
