"""JSON Schemas generated from the pydantic models, shipped in ``knowledge/schema/``.

``python -m pickrt.schemas`` rewrites them; a test keeps them in sync with the models.
"""

from __future__ import annotations

import json
from pathlib import Path


def schemas() -> dict[str, dict]:
    from pickrt.advice import Advice
    from pickrt.catalog.models import AppleFile, GpuFile, ModelFile, QuantFile, RuleFile, Runtime, SpeedFile
    from pickrt.plan_doc import Plan
    from pickrt.profile import Profile

    return {
        "runtime.schema.json": Runtime.model_json_schema(),
        "rules.schema.json": RuleFile.model_json_schema(),
        "gpus.schema.json": GpuFile.model_json_schema(by_alias=True),
        "apple.schema.json": AppleFile.model_json_schema(),
        "models.schema.json": ModelFile.model_json_schema(),
        "quants.schema.json": QuantFile.model_json_schema(),
        "speed.schema.json": SpeedFile.model_json_schema(),
        "profile.schema.json": Profile.model_json_schema(),
        "advice.schema.json": Advice.model_json_schema(),
        "plan.schema.json": Plan.model_json_schema(),
    }


def render(schema: dict) -> str:
    return json.dumps(schema, indent=2, sort_keys=True) + "\n"


def write(dir_: Path) -> list[Path]:
    dir_.mkdir(parents=True, exist_ok=True)
    out = []
    for name, s in schemas().items():
        p = dir_ / name
        p.write_text(render(s), encoding="utf-8")
        out.append(p)
    return out


if __name__ == "__main__":
    from pickrt.catalog.loader import shipped_dir

    for p in write(shipped_dir() / "schema"):
        print(p)
