"""The Textual wizard (``pickrt`` on a terminal). Textual is imported only under this package."""
