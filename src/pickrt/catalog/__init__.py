"""The knowledge catalog: runtimes, rules, hardware and model tables, validated and cached."""

from pickrt.catalog.loader import Catalog, CatalogError, load_catalog

__all__ = ["Catalog", "CatalogError", "load_catalog"]
