"""Load ``knowledge/`` (and overlays) into a validated :class:`Catalog`.

Fast path: the validated catalog as plain JSON data in the user cache dir (``catalog.cache``:
checked on load, never code), keyed by the path and stats of every file (like a ``.pyc``), so
YAML parsing and pydantic validation run only when a file changed. Errors name
``file:line`` and the key path (the line is found by re-reading the file with node marks, only on
the error path).
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Optional

from pickrt import __version__
from pickrt.catalog.plain import Obj, freeze

# Catalog entries are validated by the pydantic models in pickrt.catalog.models (imported only
# when a file changed); the engine reads plain `Obj` copies (pickrt.catalog.plain).
Runtime = Rule = GpuSpec = AppleChip = ModelSpec = QuantSpec = Obj

STALE_DAYS = 365
MAX_FILES = 2000  # YAML files in the shipped catalog and all overlays together
CACHE_FORMAT = 3  # bump when the cached objects change shape (3: JSON data, keyed by file stats)


class CatalogError(Exception):
    """Invalid catalog or overlay: ``problems`` holds one ``file:line: message`` per problem."""

    def __init__(self, problems: list[str]):
        super().__init__(problems[0] if problems else "invalid catalog")
        self.problems = problems


@dataclass
class Catalog:
    runtimes: dict[str, Runtime]
    rules: list[Rule]
    gpus: list[GpuSpec]
    apple_chips: list[AppleChip]
    apple_fraction: dict[str, float]
    models: list[ModelSpec]
    quants: list[QuantSpec]
    default_quant: dict[str, str]
    warnings: list[str] = field(default_factory=list)
    files: list[str] = field(default_factory=list)

    # -- lookups -------------------------------------------------------------------------
    def runtime(self, slug: str) -> Optional[Runtime]:
        return self.runtimes.get(slug)

    def find_gpu(self, name: str) -> Optional[GpuSpec]:
        """A GPU by its name or an alias, forgiving case, spacing and vendor prefixes."""
        key = _norm_gpu(name)
        if not key:
            return None
        index = self._gpu_index()
        if key in index:
            return index[key]
        # "H100 SXM" vs "H100 SXM5 80GB": accept a unique catalog entry that contains all words.
        words = key.split()
        hits = [g for k, g in index.items() if all(w in k.split() for w in words)]
        unique = {id(g): g for g in hits}
        if len(unique) == 1:
            return next(iter(unique.values()))
        if hits:
            # Prefer the shortest name among the matches (the base model, not a variant).
            return min(unique.values(), key=lambda g: len(g.name))
        return None

    def _gpu_index(self) -> dict[str, GpuSpec]:
        idx = self.__dict__.get("_gpu_idx")
        if idx is None:
            idx = {}
            for g in self.gpus:
                for n in [g.name, *g.aliases]:
                    idx.setdefault(_norm_gpu(n), g)
            self.__dict__["_gpu_idx"] = idx
        return idx

    def find_model(self, name: str) -> Optional[ModelSpec]:
        """A model by id, alias, HF repo id, Ollama tag or GGUF/MLX file or repo name (catalog/names.py)."""
        from pickrt.catalog.names import build_index, lookup

        idx = self.__dict__.get("_model_idx")
        if idx is None:
            idx = self.__dict__["_model_idx"] = build_index(self.models)
        return lookup(idx, name)

    def similar_models(self, name: str, n: int = 3) -> list[str]:
        """"Did you mean" names for an unknown model."""
        from pickrt.catalog.names import did_you_mean

        return did_you_mean(self.models, name, n)

    def find_quant(self, name: str) -> Optional[QuantSpec]:
        key = name.strip().lower()
        idx = self.__dict__.get("_quant_idx")
        if idx is None:
            idx = {}
            for q in self.quants:
                for k in (q.id, *q.aliases):
                    idx.setdefault(k, q)
            self.__dict__["_quant_idx"] = idx
        if key in idx:
            return idx[key]
        if ":" in key:  # exl2:4.65 with an arbitrary bpw
            fmt, _, bits = key.partition(":")
            if fmt in ("exl2", "exl3"):
                try:
                    b = float(bits)
                except ValueError:
                    return None
                if 1.0 <= b <= 8.5:
                    return Obj(id=f"{fmt}:{b:g}", format=fmt, bpw=round(b + 0.15, 3), aliases=[], note=None,
                               source="user-given bits per weight + 0.15 for head/embeddings")
        return None

    def find_apple(self, chip: str) -> Optional[AppleChip]:
        key = " ".join(chip.replace("Apple", "").split()).lower()
        for c in self.apple_chips:
            if c.name.lower() == key:
                return c
        return None


def _norm_gpu(name: str) -> str:
    s = name.lower().replace("(r)", " ").replace("(tm)", " ")
    s = re.sub(r"\b(nvidia|amd|intel|geforce|graphics)\b", " ", s)
    s = s.replace("-", " ").replace("_", " ")
    return " ".join(s.split())


# ---- locating the shipped catalog ------------------------------------------------------------


def shipped_dir() -> Path:
    """``knowledge/`` inside the installed package, or at the repository root in a checkout."""
    here = Path(__file__).resolve().parent.parent
    inside = here / "knowledge"
    if inside.is_dir():
        return inside
    repo = here.parent.parent / "knowledge"
    if repo.is_dir():
        return repo
    raise CatalogError([f"{inside}: the shipped catalog is missing (broken install?)"])


def user_overlay_dir() -> Optional[Path]:
    env = os.environ.get("PICKRT_KNOWLEDGE")
    if env:
        if not os.path.isdir(env):
            raise CatalogError([f"PICKRT_KNOWLEDGE={env}: not a directory (it names a folder laid out like knowledge/)"])
        return Path(env)
    base = os.environ.get("XDG_CONFIG_HOME")
    if base:
        p = Path(base) / "pickrt" / "knowledge"
    else:
        from platformdirs import user_config_dir

        p = Path(user_config_dir("pickrt")) / "knowledge"
    return p if p.is_dir() else None


def _cache_dir() -> Optional[Path]:
    if os.environ.get("PICKRT_NO_CACHE"):
        return None
    base = os.environ.get("XDG_CACHE_HOME")
    if base:
        return Path(base) / "pickrt"
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("pickrt"))


# ---- loading --------------------------------------------------------------------------------


def _yaml_files(d: Path) -> list[Path]:
    return sorted(p for p in d.rglob("*.y*ml") if p.suffix in (".yaml", ".yml") and "schema" not in p.parts)


def load_catalog(overlays: Iterable[Path] = (), *, use_user_overlay: bool = True, use_cache: bool = True) -> Catalog:
    base = shipped_dir()
    dirs = [base]
    user = user_overlay_dir() if use_user_overlay else None
    if user:
        dirs.append(user)
    for o in overlays:
        o = Path(o)
        if not o.is_dir():
            raise CatalogError([f"{o}: not a directory (--knowledge takes a folder laid out like knowledge/)"])
        dirs.append(o)
    if len(paths := [p for d in dirs for p in _yaml_files(d)]) > MAX_FILES:
        raise CatalogError([f"{dirs[-1]}: more than {MAX_FILES} YAML files in the catalog and its overlays"])
    # keyed by each file's path and stats (like a .pyc): a hit reads no catalog file at all
    h = hashlib.sha256(f"{__version__}:{CACHE_FORMAT}".encode())
    for p in paths:
        try:
            st = os.stat(p)
        except OSError as e:
            raise CatalogError([f"{p}:1: cannot read: {e.strerror}"]) from None
        h.update(f"{p}\0{st.st_mtime_ns}:{st.st_ctime_ns}:{st.st_size}:{st.st_ino}:{st.st_mode}\0".encode())
    key = h.hexdigest()[:32]
    cache = _cache_dir() if use_cache else None
    if cache:
        from pickrt.catalog.cache import load as _cache_load, store as _cache_store

        cf = cache / f"catalog-{key}.json"
        hit = _cache_load(cf, key, Catalog)
        if hit is not None:
            return hit
    files = [(p, _read_catalog_file(p)) for p in paths]
    cat = _build(files, base)
    if cache:
        _cache_store(cf, key, cat)
    return cat


def _read_catalog_file(p: Path) -> bytes:
    from pickrt.probes.files import OVERLAY_LIMIT as LIM, FileRejected, read_regular, reason
    try:
        return read_regular(p, LIM)
    except (OSError, FileRejected) as e:
        raise CatalogError([f"{p}:1: cannot read: {reason(e)} (a catalog file: a regular YAML file, {LIM // 1024} KiB at most)"]) from None


def _loader():
    import yaml

    return getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _parse(path: Path, data: bytes, problems: list[str]) -> Any:
    import yaml

    from pickrt.bounds import MAX_DEPTH, BoundError, depth

    try:
        value = yaml.load(data, Loader=_loader())
        depth(value, MAX_DEPTH)
        return value
    except RecursionError:
        problems.append(f"{path}:1: malformed YAML: nested deeper than {MAX_DEPTH} levels")
    except BoundError as e:
        problems.append(f"{path}:1: malformed YAML: {e}")
    except (ValueError, TypeError, OverflowError) as e:
        problems.append(f"{path}:1: malformed YAML: {str(e).splitlines()[0][:200]}")
    except yaml.MarkedYAMLError as e:
        line = (e.problem_mark.line + 1) if e.problem_mark else 1
        problems.append(f"{path}:{line}: malformed YAML: {e.problem}")
    except yaml.YAMLError as e:
        problems.append(f"{path}:1: malformed YAML: {e}")
    return None


def _kind(path: Path, root: Path) -> str:
    try:
        rel = path.relative_to(root)
    except ValueError:
        rel = path
    top = rel.parts[0] if len(rel.parts) > 1 else ""
    name = path.stem
    if top == "runtimes":
        return "runtime"
    if top == "rules":
        return "rules"
    if top == "hardware" and name == "gpus":
        return "gpus"
    if top == "hardware" and name == "apple":
        return "apple"
    if top == "hardware" and name == "quants":
        return "quants"
    if top == "models":
        return "models"
    return "unknown"


def _root_of(path: Path) -> Path:
    for parent in path.parents:
        if parent.name in ("runtimes", "rules", "hardware", "models"):
            return parent.parent
    return path.parent


def _deep_merge(base: dict, over: dict) -> dict:
    out = dict(base)
    for k, v in over.items():
        if isinstance(v, dict) and isinstance(out.get(k), dict):
            out[k] = _deep_merge(out[k], v)
        else:
            out[k] = v
    return out


def _build(files: list[tuple[Path, bytes]], base: Path) -> Catalog:
    from pydantic import ValidationError

    from pickrt.catalog.models import AppleFile, GpuFile, ModelFile, QuantFile, RuleFile, Runtime

    problems: list[str] = []
    raw_runtimes: dict[str, tuple[dict, Path, bytes]] = {}
    seen_in_dir: dict[tuple[Path, str], Path] = {}
    shipped_cmd: dict[str, Optional[str]] = {}
    rules: dict[str, Rule] = {}
    gpus: list[GpuSpec] = []
    chips: list[AppleChip] = []
    fraction: dict[str, float] = {}
    models: dict[str, ModelSpec] = {}
    quants: dict[str, QuantSpec] = {}
    default_quant: dict[str, str] = {}

    def validate(model, data, path, raw):
        try:
            return model.model_validate(data)
        except ValidationError as e:
            for err in e.errors():
                problems.append(_format_error(path, raw, err))
            return None

    for path, raw in files:
        root = _root_of(path)
        kind = _kind(path, root)
        data = _parse(path, raw, problems)
        if data is None:
            if not any(p.startswith(f"{path}:") for p in problems):
                problems.append(f"{path}:1: empty file")
            continue
        if kind == "unknown":
            problems.append(f"{path}:1: not a catalog file: use runtimes/<slug>.yaml, rules/<topic>.yaml, "
                            "hardware/gpus.yaml, hardware/apple.yaml, hardware/quants.yaml or models/models.yaml")
            continue
        if not isinstance(data, dict):
            problems.append(f"{path}:1: expected a mapping at the top level")
            continue
        if kind == "runtime":
            slug = data.get("slug")
            if not isinstance(slug, str):
                problems.append(f"{path}:1: slug: field required (a lower-case slug such as 'ollama')")
                continue
            dkey = (path.parent, slug)
            if dkey in seen_in_dir:
                problems.append(f"{path}:{_line_of(raw, ('slug',))}: duplicate slug '{slug}' (also in {seen_in_dir[dkey]})")
                continue
            seen_in_dir[dkey] = path
            detect = data.get("detect") if isinstance(data.get("detect"), dict) else {}
            if path.is_relative_to(base):
                shipped_cmd[slug] = detect.get("version_command")
            elif detect.get("version_command") is not None and detect.get("version_command") != shipped_cmd.get(slug):
                # no code from data: doctor runs only the shipped catalog's version commands
                problems.append(f"{path}:{_line_of(raw, ('detect', 'version_command'))}: detect.version_command: "
                                "an overlay may not define commands (doctor runs only the version commands of the "
                                "shipped catalog); remove this line")
                continue
            if slug in raw_runtimes:
                prev, _, _ = raw_runtimes[slug]
                raw_runtimes[slug] = (_deep_merge(prev, data), path, raw)
            else:
                raw_runtimes[slug] = (data, path, raw)
        elif kind == "rules":
            rf = validate(RuleFile, data, path, raw)
            if rf:
                for r in rf.rules:
                    rules[r.id] = r
        elif kind == "gpus":
            gf = validate(GpuFile, data, path, raw)
            if gf:
                gpus = [g for g in gpus if g.name not in {x.name for x in gf.gpus}] + gf.gpus
        elif kind == "apple":
            af = validate(AppleFile, data, path, raw)
            if af:
                chips = [c for c in chips if c.name not in {x.name for x in af.chips}] + af.chips
                fraction.update(af.gpu_usable_fraction)
        elif kind == "models":
            mf = validate(ModelFile, data, path, raw)
            if mf:
                for m in mf.models:
                    models[m.id] = m
        elif kind == "quants":
            qf = validate(QuantFile, data, path, raw)
            if qf:
                for q in qf.quants:
                    quants[q.id] = q
                default_quant.update(qf.default_for_format)

    runtimes: dict[str, Runtime] = {}
    for slug, (data, path, raw) in raw_runtimes.items():
        rt = validate(Runtime, data, path, raw)
        if rt:
            if path.stem != slug and path.is_relative_to(base):
                problems.append(f"{path}:{_line_of(raw, ('slug',))}: slug '{slug}' does not match the file name")
            runtimes[slug] = rt

    # references between entries (only once every file is valid: a broken overlay would cascade)
    for slug, rt in (runtimes.items() if not problems else ()):
        _, path, raw = raw_runtimes[slug]
        refs = [("superseded_by", rt.superseded_by)] + [("engines", e) for e in rt.engines]
        for fld, ref in refs:
            if ref and ref not in runtimes:
                problems.append(f"{path}:{_line_of(raw, (fld,))}: {fld}: unknown runtime '{ref}'")
    for r in (rules.values() if not problems else ()):
        for ref in r.target.runtimes or []:
            if ref not in runtimes:
                src = next((p for p, b in files if f"id: {r.id}".encode() in b), Path("knowledge/rules"))
                raw = dict(files).get(src, b"")
                problems.append(f"{src}:{_line_of_text(raw, 'id: ' + r.id)}: rule '{r.id}': unknown runtime '{ref}'")

    if problems:
        raise CatalogError(problems)

    warnings = []
    today = _dt.date.today()
    for slug, rt in runtimes.items():
        _, path, _ = raw_runtimes[slug]
        d = _parse_date(rt.as_of)
        if d and (today - d).days > STALE_DAYS:
            warnings.append(f"{path}: as_of {rt.as_of} is more than a year old: re-check {rt.name}'s facts")

    order = _order(runtimes)
    return Catalog(
        runtimes={s: freeze(runtimes[s]) for s in order}, rules=freeze(list(rules.values())), gpus=freeze(gpus),
        apple_chips=freeze(chips), apple_fraction=fraction, models=freeze(list(models.values())),
        quants=freeze(list(quants.values())), default_quant=default_quant, warnings=warnings,
        files=[str(p) for p, _ in files],
    )


def _order(runtimes: dict[str, Runtime]) -> list[str]:
    """Tie order: each runtime's ``order`` (lower first), then those without one, by slug."""
    return sorted(runtimes, key=lambda s: (runtimes[s].order is None, runtimes[s].order or 0, s))


def _parse_date(s: Optional[str]) -> Optional[_dt.date]:
    if not s:
        return None
    m = re.match(r"(\d{4})-(\d{2})(?:-(\d{2}))?", s)
    if not m:
        return None
    return _dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3) or 1))


def _format_error(path: Path, raw: bytes, err: dict) -> str:
    loc = tuple(err.get("loc", ()))
    where = ".".join(str(x) for x in loc) or "(top level)"
    line = _line_of(raw, loc)
    typ = err.get("type", "")
    msg = err.get("msg", "invalid")
    if typ == "extra_forbidden":
        msg = "unknown field"
    elif typ == "missing":
        msg = "field required"
    elif typ == "literal_error":
        exp = (err.get("ctx") or {}).get("expected", "")
        msg = f"{err.get('input')!r} is not allowed; allowed values: {exp}"
    return f"{path}:{line}: {where}: {msg}"


def _line_of(raw: bytes, loc: tuple) -> int:
    """1-based line of the node at ``loc`` (walking the YAML node tree); 1 when unknown."""
    import yaml

    try:  # libyaml's composer: no Python recursion, whatever the nesting depth
        node = yaml.compose(raw, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except (yaml.YAMLError, RecursionError, ValueError):
        return 1
    line = 1
    for part in loc:
        if node is None:
            break
        line = node.start_mark.line + 1
        nxt = None
        if isinstance(node, yaml.MappingNode):
            for k, v in node.value:
                if str(k.value) == str(part):
                    line = k.start_mark.line + 1
                    nxt = v
                    break
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
            nxt = node.value[part]
            line = nxt.start_mark.line + 1
        node = nxt
    else:
        if node is not None:
            line = node.start_mark.line + 1 if not loc else line
    return line


def _line_of_text(raw: bytes, needle: str) -> int:
    for i, ln in enumerate(raw.decode("utf-8", "replace").splitlines(), 1):
        if needle in ln:
            return i
    return 1


__all__ = ["Catalog", "CatalogError", "load_catalog", "shipped_dir", "user_overlay_dir"]
