"""A sentence-transformers folder run by ONNX Runtime, in float32 or with int8 weights.

The transformer is exported once with torch (mean pooling and normalisation inside the graph)
and cached inside the model folder (``onnx/model.onnx``); the int8 file quantises its MatMul
weights per channel with ONNX Runtime's dynamic quantisation (``onnx/model_qint8.onnx``).
Nothing is downloaded. int8 is the fastest engine for batches here (``python -m bench
ingest``); float32 gives torch's vectors and answers one question about four times faster
than torch (the default engine's small calls, ``retrieval.index.embeddings``).

sentence-transformers' own ``backend="onnx"`` needs ``optimum-onnx``, which pins a
``transformers`` older than the one sentence-transformers 6 requires, so the export is done
here with the libraries already installed.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import tempfile
import threading
import warnings
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, Literal

import numpy as np

from retrieval.errors import EmbeddingError

__all__ = ["OnnxEncoder", "Precision", "length_batches", "load_tokenizer", "onnx_model"]

Precision = Literal["fp32", "int8"]
ONNX_FILES: dict[Precision, str] = {"fp32": "onnx/model.onnx", "int8": "onnx/model_qint8.onnx"}
BATCH_TOKENS = 8192
"""Padded tokens per forward pass at most: attention's memory grows with the square of the
longest text, so a batch of long texts is smaller (peak RSS stays flat)."""
_Vectors = np.ndarray[Any, np.dtype[np.float32]]


def onnx_model(folder: Path, precision: Precision = "int8") -> Path:
    """The ONNX file of the sentence-transformers ``folder`` in ``precision``, exported on
    first use (about half a minute for e5-small); built in a temporary file, then renamed
    into place.

    Raises:
        EmbeddingError: the folder is not a mean-pooling transformer model, or export fails.
    """
    target = folder / ONNX_FILES[precision]
    if target.is_file():
        return target
    _require_mean_pooling(folder)
    target.parent.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix=".onnx-", dir=target.parent))
    try:
        with warnings.catch_warnings():  # the exporter's tracing notes are not the user's
            warnings.simplefilter("ignore")
            logging.disable(logging.WARNING)
            if precision == "fp32":
                _export(folder, scratch / "model.onnx")
            else:
                _quantise(onnx_model(folder, "fp32"), scratch / "model.onnx")
        os.replace(scratch / "model.onnx", target)
    finally:
        logging.disable(logging.NOTSET)
        shutil.rmtree(scratch, ignore_errors=True)
    return target


def _require_mean_pooling(folder: Path) -> None:
    try:
        pooling = json.loads((folder / "1_Pooling" / "config.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        pooling = {}
    if not pooling.get("pooling_mode_mean_tokens"):
        raise EmbeddingError(
            f"{folder} is not a mean-pooling sentence-transformers folder, which the onnx "
            "engine needs: set WENBAO_EMBEDDING_ENGINE=torch for this model."
        )


def _export(folder: Path, path: Path) -> None:
    import torch
    from transformers import AutoModel

    bert = AutoModel.from_pretrained(str(folder), attn_implementation="eager").eval()
    ids = torch.ones(2, 8, dtype=torch.long)
    axes = {"input_ids": {0: "batch", 1: "tokens"}, "attention_mask": {0: "batch", 1: "tokens"}}
    with torch.no_grad():
        torch.onnx.export(
            _mean_pooled(bert), (ids, ids), str(path), input_names=list(axes),
            output_names=["embedding"], dynamic_axes={**axes, "embedding": {0: "batch"}},
            opset_version=17, dynamo=False,
        )  # fmt: skip


def _quantise(source: Path, target: Path) -> None:
    from onnxruntime.quantization import QuantType, quantize_dynamic

    quantize_dynamic(
        str(source), str(target), weight_type=QuantType.QInt8, per_channel=True,
        op_types_to_quantize=["MatMul"], extra_options={"MatMulConstBOnly": True},
    )  # fmt: skip


def _mean_pooled(model: Any) -> Any:
    """``model``, then the mean of its token states and L2 normalisation, as one module."""
    import torch

    class MeanPooled(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.model = model

        def forward(self, input_ids: Any, attention_mask: Any) -> Any:
            states = self.model(input_ids=input_ids, attention_mask=attention_mask)
            weights = attention_mask.unsqueeze(-1).to(states.last_hidden_state.dtype)
            mean = (states.last_hidden_state * weights).sum(1) / weights.sum(1).clamp(min=1e-9)
            return torch.nn.functional.normalize(mean, dim=-1)

    return MeanPooled()


class OnnxEncoder:
    """Token ids in, normalised vectors out: the tokenizer of ``folder`` and its ONNX graph.

    Texts are sorted by length and batched (at most ``batch_size`` texts and ``BATCH_TOKENS``
    padded tokens), so that little of a batch is padding. The embedding table stays float32:
    int8 there too saves about 550 MB but was not measured on RGB (``bench retrieval``).
    """

    def __init__(
        self, folder: Path, threads: int, batch_size: int = 32, precision: Precision = "int8"
    ) -> None:
        import onnxruntime

        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        path = onnx_model(folder, precision)
        self._session = onnxruntime.InferenceSession(
            str(path), options, providers=["CPUExecutionProvider"]
        )
        self.tokenizer = load_tokenizer(folder)
        self.batch_size = batch_size
        self._lock = threading.Lock()

    def encode(self, texts: list[str]) -> _Vectors:
        """One L2-normalised vector per text (a zero-row array for no texts)."""
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        for rows, batch in self._batches(texts):
            out[rows] = self._run(batch)
        return out

    def token_count(self, text: str) -> int:
        return len(self.tokenizer.encode(text).ids)

    @property
    def dimension(self) -> int:
        shape = self._session.get_outputs()[0].shape
        return int(shape[-1])

    def _batches(self, texts: list[str]) -> Iterator[tuple[list[int], list[list[int]]]]:
        encoded = [e.ids for e in self.tokenizer.encode_batch(texts)]
        for rows in length_batches([len(ids) for ids in encoded], self.batch_size):
            yield rows, [encoded[r] for r in rows]

    def _run(self, batch: list[list[int]]) -> _Vectors:
        width = max(len(ids) for ids in batch)
        ids = np.zeros((len(batch), width), dtype=np.int64)
        mask = np.zeros((len(batch), width), dtype=np.int64)
        for row, tokens in enumerate(batch):
            ids[row, : len(tokens)] = tokens
            mask[row, : len(tokens)] = 1
        with self._lock:
            (vectors,) = self._session.run(None, {"input_ids": ids, "attention_mask": mask})
        return np.asarray(vectors, dtype=np.float32)


def length_batches(
    lengths: Sequence[int], batch_size: int, max_tokens: int = BATCH_TOKENS
) -> Iterator[list[int]]:
    """Row numbers of texts of ``lengths`` tokens, shortest first, in groups of at most
    ``batch_size`` rows and ``max_tokens`` padded tokens (a longer text is a group alone)."""
    rows: list[int] = []
    for i in sorted(range(len(lengths)), key=lengths.__getitem__):
        if rows and (len(rows) == batch_size or (len(rows) + 1) * lengths[i] > max_tokens):
            yield rows
            rows = []
        rows.append(i)
    if rows:
        yield rows


def load_tokenizer(folder: Path) -> Any:
    """The folder's ``tokenizers`` tokenizer, truncating as the model does, without padding."""
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
    tokenizer.enable_truncation(_max_length(folder))
    tokenizer.no_padding()
    return tokenizer


def _max_length(folder: Path) -> int:
    try:
        config = json.loads((folder / "sentence_bert_config.json").read_text(encoding="utf-8"))
        return int(config.get("max_seq_length") or 512)
    except (OSError, ValueError):
        return 512
