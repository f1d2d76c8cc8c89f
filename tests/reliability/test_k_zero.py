"""Item 14b: ``--k 0`` (or any k outside K_RANGE) is a one-line error naming the range, never
the default k in disguise."""

from __future__ import annotations

from pathlib import Path

import pytest

from retrieval.settings import K_RANGE
from tests.retrieval.test_cli import assert_one_line_error, run_ask


@pytest.mark.parametrize("k", ["0", "-3", str(K_RANGE[1] + 1)])
def test_k_outside_the_range_is_a_one_line_error(sample_index_dir: Path, k: str) -> None:
    result = run_ask("科学城GDP增长多少?", "--index", str(sample_index_dir), "--k", k)
    error = assert_one_line_error(result)
    assert f"--k {k} is out of range" in error and f"{K_RANGE[0]} to {K_RANGE[1]}" in error
    assert result.stdout == ""


def test_the_smallest_k_is_accepted(sample_index_dir: Path) -> None:
    result = run_ask("科学城核心区2021年GDP增长多少?", "--index", str(sample_index_dir), "--k", "1")
    assert result.returncode == 0 and "12.9%" in result.stdout, result.stderr
