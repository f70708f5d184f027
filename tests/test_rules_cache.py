"""engine.rules caches which rules target a runtime per rule list; a new list must never
inherit the targets computed for an older one, even when Python reuses the old list's id()."""

from types import SimpleNamespace

from pickrt.engine import rules as rules_mod


def _rule(slug, rid):
    target = SimpleNamespace(runtimes=[slug], zones=None, feature=None, quant=None)
    return SimpleNamespace(id=rid, target=target, when=SimpleNamespace())


def test_cache_entry_of_another_list_with_the_same_id_is_not_reused(monkeypatch):
    rt = SimpleNamespace(slug="ollama", zone="desktop")
    monkeypatch.setattr(rules_mod, "condition_holds", lambda c, s, r: True)
    new = [_rule("vllm", "only-vllm")]
    stale = [_rule("ollama", "stale-ollama")]
    # What a bare id() key would have served: an entry computed for another list under new's id.
    monkeypatch.setitem(rules_mod._TARGETED, id(new), (stale, {"ollama": list(stale)}))
    assert rules_mod.applicable(new, None, rt) == []
    assert [r.id for r in rules_mod.applicable(stale, None, rt)] == ["stale-ollama"]


def test_cache_stays_bounded(monkeypatch):
    rt = SimpleNamespace(slug="ollama", zone="desktop")
    monkeypatch.setattr(rules_mod, "condition_holds", lambda c, s, r: True)
    monkeypatch.setattr(rules_mod, "_TARGETED", {})
    kept = [[_rule("ollama", f"r{i}")] for i in range(20)]
    for lst in kept:
        assert [r.id for r in rules_mod.applicable(lst, None, rt)] == [lst[0].id]
    assert len(rules_mod._TARGETED) <= rules_mod._TARGETED_MAX
