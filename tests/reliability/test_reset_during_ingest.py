"""Item 4: ``--reset`` while another process ingests is refused, and nothing is lost.

The scenario (a real second process holding the writer lock half way through an ingest) is
the one of ``tests/ingest/test_cli_processes.py``; it is repeated here so the reliability
suite covers every fault of the probe.
"""

from __future__ import annotations

from pathlib import Path

from retrieval.index.embeddings import WenBaoEmbeddings
from tests.ingest.test_cli_processes import (
    test_reset_is_refused_while_another_process_writes as _reset_while_writing,
)


def test_reset_during_an_ingest_is_refused_and_loses_nothing(
    tmp_path: Path, embedder: WenBaoEmbeddings
) -> None:
    _reset_while_writing(tmp_path, embedder)
