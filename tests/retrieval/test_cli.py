"""``python -m retrieval ask`` as tools call it: JSON contract, batch mode, errors."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from retrieval.cli import INTERRUPTED, main
from retrieval.index import Index
from retrieval.index.embeddings import WenBaoEmbeddings
from retrieval.settings import Settings
from tests.conftest import REPO, SAMPLE

KEYS = {"answer", "refused", "citations", "flags", "mode", "seconds"}
CITATION_KEYS = {
    "n",
    "chunk_id",
    "article_id",
    "source",
    "title",
    "section",
    "char_start",
    "char_end",
    "quote",
}


def clean_env(**extra: str) -> dict[str, str]:
    prefixes = ("WENBAO_", "CHROMA_", "OPENAI_", "LLM_")
    return {k: v for k, v in os.environ.items() if not k.startswith(prefixes)} | extra


def run_ask(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "retrieval", "ask", *args],
        cwd=REPO, env=env or clean_env(), capture_output=True, text=True, timeout=300,
        check=False,
    )  # fmt: skip


def assert_one_line_error(result: subprocess.CompletedProcess[str], code: int = 2) -> str:
    assert result.returncode == code, result.stderr
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
    return result.stderr


def test_json_answer_contract(sample_index_dir: Path) -> None:
    result = run_ask("科学城核心区2021年GDP增长多少?", "--index", str(sample_index_dir), "--json")
    assert result.returncode == 0, result.stderr
    answer = json.loads(result.stdout)
    assert set(answer) >= KEYS and answer["mode"] == "extractive" and not answer["refused"]
    assert "12.9%" in answer["answer"] and "[1]" in answer["answer"]
    original = SAMPLE.read_text(encoding="utf-8")
    for citation in answer["citations"]:
        assert set(citation) >= CITATION_KEYS
        assert original[citation["char_start"] : citation["char_end"]] == citation["quote"]


def test_history_flag_resolves_follow_up(sample_index_dir: Path) -> None:
    result = run_ask("那它的营业收入呢?", "--history", "国核铀业2021年利润总额多少?",
                     "--index", str(sample_index_dir), "--json")  # fmt: skip
    assert "32亿元" in json.loads(result.stdout)["answer"]


def test_batch_writes_one_line_per_question(sample_index_dir: Path, tmp_path: Path) -> None:
    questions = tmp_path / "q.jsonl"
    lines = [
        {"id": "a", "question": "科学城核心区2021年GDP增长多少?", "history": []},
        {"id": "b", "question": "科学城核心区2019年GDP增长多少?"},
        {"id": "c", "question": "那它的营业收入呢?", "history": ["国核铀业2021年利润总额多少?"]},
        {"id": "d", "history": []},
    ]
    questions.write_text(
        "\n".join(json.dumps(x, ensure_ascii=False) for x in lines) + "\nnot json\n",
        encoding="utf-8",
    )
    result = run_ask("--batch", str(questions), "--index", str(sample_index_dir))
    assert assert_one_line_error(result, 1) == "error: 2 of 5 questions failed\n"
    out = [json.loads(line) for line in result.stdout.splitlines()]
    assert [o["id"] for o in out] == ["a", "b", "c", "d", 5]
    assert "12.9%" in out[0]["answer"] and out[1]["refused"] and "32亿元" in out[2]["answer"]
    assert "question" in out[3]["error"] and "question" in out[4]["error"]


def test_a_batch_where_every_question_works_exits_0(sample_index_dir: Path, tmp_path: Path) -> None:
    questions = tmp_path / "q.jsonl"
    questions.write_text('{"id": "a", "question": "科学城核心区2021年GDP增长多少?"}\n', "utf-8")
    result = run_ask("--batch", str(questions), "--index", str(sample_index_dir))
    assert result.returncode == 0 and result.stderr == "" and "12.9%" in result.stdout


def test_empty_index_and_bad_arguments_are_one_line_errors(
    tmp_path: Path, embedder: WenBaoEmbeddings
) -> None:
    Index(Settings(index_dir=tmp_path / "empty"), embedder).close()
    empty = run_ask("GDP增长多少?", "--index", str(tmp_path / "empty"))
    assert empty.returncode == 2 and "is empty" in empty.stderr and "ingest" in empty.stderr
    neither = run_ask("--index", str(tmp_path / "empty"))
    assert neither.returncode == 2 and "--batch" in neither.stderr
    assert "Traceback" not in empty.stderr + neither.stderr


@pytest.mark.parametrize("through", ["--index", "WENBAO_INDEX"])
def test_a_missing_index_is_an_error_and_nothing_is_created(through: str, tmp_path: Path) -> None:
    missing = tmp_path / "no-index-here"
    if through == "--index":
        result = run_ask("GDP增长多少?", "--index", str(missing))
    else:
        result = run_ask("GDP增长多少?", env=clean_env(WENBAO_INDEX=str(missing)))
    assert assert_one_line_error(result) == (
        f"error: There is no index at {missing}: build one with "
        f"`python -m ingest FILES --index {missing}`.\n"
    )
    assert not missing.exists()


def test_a_damaged_ledger_is_a_one_line_error(sample_index_dir: Path, tmp_path: Path) -> None:
    copy = tmp_path / "copy"
    shutil.copytree(sample_index_dir, copy)
    (copy / "ledger.sqlite3").write_bytes(b"garbage " * 1000)
    for name in ("ledger.sqlite3-wal", "ledger.sqlite3-shm"):
        (copy / name).unlink(missing_ok=True)
    stderr = assert_one_line_error(run_ask("GDP增长多少?", "--index", str(copy)))
    assert "file is not a database" in stderr and "--reset" in stderr


def test_ctrl_c_in_a_batch_is_one_line_and_exit_130(sample_index_dir: Path, tmp_path: Path) -> None:
    questions = tmp_path / "q.jsonl"
    line = json.dumps({"question": "科学城核心区2021年GDP增长多少?"}, ensure_ascii=False)
    questions.write_text((line + "\n") * 500, encoding="utf-8")
    process = subprocess.Popen(
        [sys.executable, "-m", "retrieval", "ask", "--batch", str(questions),
         "--index", str(sample_index_dir)],
        cwd=REPO, env=clean_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert process.stdout is not None and process.stdout.readline()  # answering by now
    process.send_signal(signal.SIGINT)
    stdout, stderr = process.communicate(timeout=120)
    assert process.returncode == 130 and stderr == INTERRUPTED + "\n"
    assert len(stdout.splitlines()) < 499


def test_k_0_is_refused_before_any_model_loads(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "no-index"
    assert main(["ask", "GDP?", "--index", str(missing), "--k", "0"], environ={}) == 2
    assert capsys.readouterr().err == "error: --k 0 is out of range: give 1 to 50 passages.\n"
    assert not missing.exists()


def test_the_sample_page_dated_with_date_answers_with_this_year_resolved(
    sample_index_dir: Path, tmp_path: Path
) -> None:
    """`ingest --date 2022-10-20`, then `ask --json`: 今年 in the quote means 2022."""
    copy = tmp_path / "index"
    shutil.copytree(sample_index_dir, copy)
    dated = subprocess.run(
        [sys.executable, "-m", "ingest", str(SAMPLE), "--date", "2022-10-20", "--index", str(copy)],
        cwd=REPO, env=clean_env(), capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert dated.returncode == 0, dated.stderr
    question = "科学城核心区2021年GDP增长多少?"
    result = run_ask(question, "--index", str(copy), "--json")
    assert result.returncode == 0, result.stderr
    answer = json.loads(result.stdout)
    assert "12.9%" in answer["answer"]
    original = SAMPLE.read_text(encoding="utf-8")
    periods = [p for c in answer["citations"] for p in c["periods"]]
    for period in periods:
        assert original[period["start"] : period["end"]] == period["text"]
    (first,) = [p for p in periods if p["text"] == "今年前三季度"]
    assert first == {
        "text": "今年前三季度", "start": first["start"], "end": first["end"],
        "date_from": "2022-01-01", "date_to": "2022-09-30", "rule": "relative_year",
        "label": "今年前三季度 = 2022年1月—9月",
    }  # fmt: skip
    assert "= 2022年" not in "".join(c["quote"] for c in answer["citations"])
    human = run_ask(question, "--index", str(copy))
    assert human.returncode == 0 and "(今年前三季度 = 2022年1月—9月)" in human.stdout


# Questions in time: own articles, dated at ingest, asked as of a given day.
TIMED_ARTICLES = {
    "lanshan.txt": (
        "2022-11-08",
        "# 蓝山镇果蔬加工稳中有进\n\n本报讯 今年1-8月，蓝山镇果蔬加工企业实现产值5.3亿元，"
        "同比增长11.4%。镇里新建冷链仓库3座。\n",
    ),
    "hezhou.txt": (
        "2021-10-12",
        "# 禾洲县陶瓷出口回暖\n\n本报讯 今年1-8月，禾洲县陶瓷制品出口额达到3.1亿元，"
        "同比增长6.5%。全县陶瓷企业已有58家。\n",
    ),
    "shuttle_old.txt": (
        "2022-04-02",
        "# 鹿鸣岛渡船日均客流创新高 鹿鸣岛渡船班次加密\n\n本报讯 鹿鸣岛渡船日均客流达到8600人次，"
        "鹿鸣岛渡船班次同步加密。\n",
    ),
    "shuttle_new.txt": (
        "2023-04-28",
        "# 海岛交通简讯\n\n本报讯 鹿鸣岛渡船日均客流达到9900人次，两艘新船投入运营。\n",
    ),
}


@pytest.fixture(scope="module")
def timed_index_dir(tmp_path_factory: pytest.TempPathFactory, embedder: WenBaoEmbeddings) -> Path:
    """Own dated articles, ingested as `ingest --date` does (IngestOptions(date=...))."""
    from ingest.pipeline import IngestOptions, ingest_paths

    articles = tmp_path_factory.mktemp("timed-articles")
    folder = tmp_path_factory.mktemp("timed-index")
    index = Index(Settings(index_dir=folder), embedder)
    for name, (day, text) in TIMED_ARTICLES.items():
        (articles / name).write_text(text, encoding="utf-8")
        ingest_paths([articles / name], index, IngestOptions(date=day))
    index.close()
    return folder


def test_as_of_reads_last_year_and_cites_that_years_relative_figure(
    timed_index_dir: Path,
) -> None:
    question = "蓝山镇去年1-8月果蔬加工产值多少？"
    result = run_ask(question, "--index", str(timed_index_dir), "--as-of", "2023-06-14", "--json")
    assert result.returncode == 0, result.stderr
    answer = json.loads(result.stdout)
    assert answer["standalone_question"] == "蓝山镇2022年1-8月果蔬加工产值多少？"
    assert not answer["refused"] and "5.3亿元" in answer["answer"] and "[1]" in answer["answer"]
    cited = answer["citations"][0]
    text = TIMED_ARTICLES["lanshan.txt"][1]
    assert "今年1-8月" in cited["quote"] and cited["date"] == "2022-11-08"
    assert text.find(cited["quote"]) >= 0


def test_batch_lines_carry_their_own_as_of(timed_index_dir: Path, tmp_path: Path) -> None:
    lines = [
        {"id": "2022", "question": "蓝山镇2022年1-8月果蔬加工产值多少？"},
        {"id": "2021-article", "question": "禾洲县2022年1-8月陶瓷制品出口额多少？"},
        {"id": "later", "question": "蓝山镇去年1-8月果蔬加工产值多少？", "as_of": "2024-03-01"},
        {"id": "recent", "question": "鹿鸣岛渡船最近的日均客流是多少？", "as_of": "2023-06-14"},
        {"id": "early", "question": "鹿鸣岛渡船最近的日均客流是多少？", "as_of": "2022-06-01"},
        {"id": "bad", "question": "蓝山镇去年产值多少？", "as_of": "2023-13-01"},
        {"id": "number", "question": "蓝山镇去年产值多少？", "as_of": 20230614},
    ]
    questions = tmp_path / "q.jsonl"
    questions.write_text(
        "\n".join(json.dumps(x, ensure_ascii=False) for x in lines) + "\n", encoding="utf-8"
    )
    result = run_ask("--batch", str(questions), "--index", str(timed_index_dir))
    assert assert_one_line_error(result, 1) == "error: 2 of 7 questions failed\n"
    out = {o["id"]: o for o in map(json.loads, result.stdout.splitlines())}
    # 今年1-8月 in an article dated 2022 answers a question about 2022年1-8月 ...
    assert not out["2022"]["refused"] and "5.3亿元" in out["2022"]["answer"]
    # ... but in an article dated 2021 it is not that period
    assert out["2021-article"]["refused"] or "3.1亿元" not in out["2021-article"]["answer"]
    # 去年 asked in 2024 is 2023: the 2022 figure does not answer it
    assert out["later"]["standalone_question"].startswith("蓝山镇2023年1-8月")
    assert out["later"]["refused"] or "5.3亿元" not in out["later"]["answer"]
    # 最近: the newest article written by the day asked
    assert out["recent"]["citations"][0]["date"] == "2023-04-28", out["recent"]["answer"]
    assert out["early"]["citations"][0]["date"] == "2022-04-02", out["early"]["answer"]
    assert "YYYY-MM-DD" in out["bad"]["error"] and "'2023-13-01'" in out["bad"]["error"]
    assert "as_of" in out["number"]["error"]


def test_a_bad_as_of_is_one_line_before_any_model_loads(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "no-index"
    assert main(["ask", "去年GDP?", "--index", str(missing), "--as-of", "2023-6-14"], {}) == 2
    assert capsys.readouterr().err == (
        "error: --as-of '2023-6-14' is not a date: give the day the question is asked on as "
        "YYYY-MM-DD, e.g. 2023-06-14.\n"
    )
    assert not missing.exists()
