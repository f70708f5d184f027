"""The plain records of the hot path have exactly the pydantic models' fields, in order."""

import pytest

import pickrt.advice as advice
import pickrt.profile as profile
from pickrt.records import FIELDS, record


@pytest.mark.parametrize("kind", sorted(FIELDS))
def test_fields_match_the_models(kind):
    model = getattr(advice, kind, None) or getattr(profile, kind)
    assert FIELDS[kind] == tuple(model.model_fields), kind


@pytest.mark.parametrize("kind", sorted(FIELDS))
def test_defaults_are_the_models_defaults(kind):
    from pickrt.render.json_out import to_data

    model = getattr(advice, kind, None) or getattr(profile, kind)
    rec = to_data(record(kind))
    for name, f in model.model_fields.items():
        if f.is_required():
            continue
        default = f.default_factory() if f.default_factory is not None else f.default
        assert rec[name] == to_data(default), (kind, name)


def test_unknown_field_is_an_error():
    with pytest.raises(TypeError):
        record("GPU", vendor="nvidia", colour="green")


def test_whatif_json_never_imports_pydantic():
    import subprocess
    import sys

    code = ("import sys, io, contextlib; from pickrt.cli import main\n"
            "with contextlib.redirect_stdout(io.StringIO()): rc = main(['--json', '--gpu', 'RTX 4090', '--model', 'llama-3.1-8b'])\n"
            "print(rc, 'pydantic' in sys.modules, 'yaml' in sys.modules, 'textual' in sys.modules)")
    env = {"PATH": "/usr/bin:/bin", "PICKRT_NO_DOCTOR": "1"}
    import os

    env["XDG_CACHE_HOME"] = os.environ["XDG_CACHE_HOME"]
    subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)  # warm the cache
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert r.stdout.split() == ["0", "False", "False", "False"], r.stderr
