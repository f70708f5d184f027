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
