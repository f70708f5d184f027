"""Hypothesis strategies shared by the parser tests."""

from hypothesis import strategies as st


def mangled(texts: list[str]) -> st.SearchStrategy[str]:
    """Random text, truncated fixtures, and fixtures with a random splice."""
    base = st.sampled_from(texts)
    truncated = base.flatmap(lambda t: st.integers(0, len(t)).map(lambda n: t[:n]))
    spliced = base.flatmap(
        lambda t: st.tuples(st.integers(0, len(t)), st.integers(0, len(t)), st.text(max_size=40)).map(
            lambda a: t[: min(a[0], a[1])] + a[2] + t[max(a[0], a[1]):]
        )
    )
    return st.one_of(st.text(), truncated, spliced)


def robustness_tests(parsers, files, texts, max_examples: int = 150):
    """The two tests every GPU parser module runs: each real fixture through each parser, and
    mangled text (random, truncated, spliced fixtures) never raises. Assign the returned pair to
    module-level ``test_*`` names so pytest collects them there."""
    from pathlib import Path

    import pytest
    from hypothesis import HealthCheck, given, settings

    @pytest.mark.parametrize("parser", parsers, ids=lambda f: f.__name__)
    @pytest.mark.parametrize("path", files, ids=lambda p: p.name)
    def accept_every_fixture(parser, path: Path) -> None:
        assert isinstance(parser(path.read_text(encoding="utf-8")), list)

    @pytest.mark.parametrize("parser", parsers, ids=lambda f: f.__name__)
    @settings(max_examples=max_examples, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(text=mangled(texts))
    def never_raise(parser, text: str) -> None:
        assert isinstance(parser(text), list)

    return accept_every_fixture, never_raise
