"""Our own articles and small helpers shared by the reliability tests."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

from tests.ingest.test_cli import run_ingest
from tests.retrieval.test_cli import clean_env, run_ask

__all__ = ["ARTICLES", "QUESTIONS", "clean_env", "ingest", "run_ask", "server_env", "write"]

ARTICLES = {
    "xiling": """# 西岭新区工业产值快速增长

本报讯 2023年,西岭新区工业产值同比增长14.6%,增速居全省第一。
新区今年引进先进制造项目42个,合同投资额达到318.5亿元。
新区负责人表示,明年将继续推进产业园区建设,预计新增就业岗位8000个。
""",
    "donghu": """# 东湖港口吞吐量创新高

本报讯 今年前三季度,东湖港口集装箱吞吐量达到126万标箱,同比增长9.8%。
港口新开通国际航线5条,航线总数达到37条。
港口集团表示,四季度将启用两个新的深水泊位。
""",
    "nanshan": """# 南山茶园春茶开采

本报讯 南山镇三千亩茶园日前开始采摘春茶,预计今年春茶产量达到85吨。
当地茶农合作社今年新建加工车间两座,带动周边农户增收约1200万元。
""",
}
QUESTIONS = {
    "xiling": "西岭新区2023年工业产值增长多少?",
    "donghu": "东湖港口前三季度集装箱吞吐量是多少?",
    "nanshan": "南山镇今年春茶产量预计多少吨?",
}


def write(folder: Path, *names: str) -> list[Path]:
    """Our articles as Markdown files in ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for name in names:
        path = folder / f"{name}.md"
        path.write_text(ARTICLES[name], encoding="utf-8")
        paths.append(path)
    return paths


def server_env(server: tuple[str, int], collection: str) -> dict[str, str]:
    host, port = server
    return {"CHROMA_HOST": host, "CHROMA_PORT": str(port), "WENBAO_COLLECTION": collection}


def ingest(*args: str, env: dict[str, str] | None = None) -> dict[str, Any]:
    """Run ``python -m ingest ... --json`` in a real process; its summary (it must succeed)."""
    result: subprocess.CompletedProcess[str] = run_ingest(*args, "--json", env=env)
    assert result.returncode == 0, result.stderr
    summary: dict[str, Any] = json.loads(result.stdout)
    return summary
