"""A real ``chroma run`` server stopped in the middle of a session, then started again.

While it is down, questions and writes fail with a one-line ``StoreError`` (and the ask CLI
with one line on stderr); once it is back on the same port and data, the same ``Answerer``
answers again without a restart.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from ingest.pipeline import ingest_paths
from retrieval.answer.chain import Answerer
from retrieval.errors import StoreError
from retrieval.index import Index
from retrieval.index.embeddings import WenBaoEmbeddings
from retrieval.settings import Settings
from tests.conftest import REPO, _free_port, _wait_for, stop

QUESTION = "西岭新区2023年工业产值增长多少?"
ARTICLE = """# 西岭新区工业产值快速增长

本报讯 2023年,西岭新区工业产值同比增长14.6%,增速居全省第一。
新区今年引进先进制造项目42个,合同投资额达到318.5亿元。
新区负责人表示,明年将继续推进产业园区建设,预计新增就业岗位8000个。
"""
MORE = """# 东湖港口吞吐量创新高

本报讯 今年前三季度,东湖港口集装箱吞吐量达到126万标箱,同比增长9.8%。
港口新开通国际航线5条,航线总数达到37条。
"""


class ChromaServer:
    """A ``chroma run`` server on a fixed port and data folder, which a test can stop and
    start again."""

    def __init__(self, data: Path) -> None:
        self.data, self.port = data, _free_port()
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        chroma = shutil.which("chroma", path=str(Path(sys.executable).parent))
        assert chroma is not None, "the `chroma` command is missing from the virtualenv"
        with (self.data / "server.log").open("ab") as log:
            self.process = subprocess.Popen(
                [chroma, "run", "--path", str(self.data / "db"), "--host", "127.0.0.1",
                 "--port", str(self.port)],
                stdout=log, stderr=subprocess.STDOUT,
            )  # fmt: skip
        _wait_for(self.port, self.process)

    def stop(self) -> None:
        if self.process is not None:
            stop(self.process)
            self.process = None


@pytest.fixture
def server(tmp_path: Path) -> Iterator[ChromaServer]:
    running = ChromaServer(tmp_path)
    running.start()
    yield running
    running.stop()


def ask_cli(settings: Settings) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("WENBAO_", "CHROMA_"))}
    env |= {"CHROMA_HOST": "127.0.0.1", "CHROMA_PORT": str(settings.chroma_port),
            "WENBAO_COLLECTION": settings.collection}  # fmt: skip
    return subprocess.run(
        [sys.executable, "-m", "retrieval", "ask", QUESTION, "--index", str(settings.index_dir)],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip


def test_questions_fail_cleanly_while_the_server_is_down_and_work_after_restart(
    server: ChromaServer, tmp_path: Path, embedder: WenBaoEmbeddings
) -> None:
    (tmp_path / "xiling.md").write_text(ARTICLE, encoding="utf-8")
    (tmp_path / "donghu.md").write_text(MORE, encoding="utf-8")
    settings = Settings(index_dir=tmp_path / "ledger", chroma_host="127.0.0.1",
                        chroma_port=server.port, collection="restart-test")  # fmt: skip
    index = Index(settings, embedder)
    assert ingest_paths([tmp_path / "xiling.md"], index).chunks_added > 0
    answerer = Answerer(index)
    assert "14.6%" in answerer.ask(QUESTION).text

    server.stop()
    with pytest.raises(StoreError) as asked:
        answerer.ask(QUESTION)
    with pytest.raises(StoreError) as written:
        ingest_paths([tmp_path / "donghu.md"], index)
    for caught in (asked, written):
        message = str(caught.value)
        assert "\n" not in message and "Chroma server" in message and "start" in message
    cli = ask_cli(settings)
    assert (
        cli.returncode == 2 and cli.stderr.startswith("error: ") and "Chroma server" in cli.stderr
    )
    assert cli.stderr.count("\n") == 1 and "Traceback" not in cli.stderr

    server.start()
    assert "14.6%" in answerer.ask(QUESTION).text
    assert ingest_paths([tmp_path / "donghu.md"], index).chunks_added > 0
    assert index.is_consistent()
    index.close()
