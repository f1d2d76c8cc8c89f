"""Benchmarks: ``python -m bench ingest|retrieval|answer``. Nothing imports this package."""

__all__: list[str] = []
