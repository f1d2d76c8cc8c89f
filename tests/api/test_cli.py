"""``python -m api``: help, new keys, the refusals (no keys; --no-auth off loopback) as one
line each, and a real start of the command on a loopback port."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from api.cli import access, is_loopback
from retrieval.errors import ConfigError
from retrieval.keys import Keyring, parse_keys
from retrieval.settings import Settings
from tests.api.conftest import KEYS, free_port, index_copy
from tests.conftest import REPO, stop


def run_api(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "api", *args],
        cwd=REPO,
        env=env if env is not None else clean_env(),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def clean_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith("WENBAO_")}


def one_error_line(done: subprocess.CompletedProcess[str]) -> str:
    assert done.returncode == 2 and done.stdout == ""
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), done.stderr
    return lines[0]


def test_help_works() -> None:
    done = run_api("--help")
    assert done.returncode == 0 and done.stdout.startswith("usage: python -m api")
    assert "--no-auth" in done.stdout and "--port" in done.stdout


def test_without_keys_it_says_how_to_set_them() -> None:
    line = one_error_line(run_api())
    assert "WENBAO_API_KEYS_FILE" in line and "--new-key" in line and "--no-auth" in line


@pytest.mark.parametrize("host", ["0.0.0.0", "192.168.1.20", "example.org"])
def test_no_auth_is_refused_off_loopback(host: str) -> None:
    assert "loopback" in one_error_line(run_api("--no-auth", "--host", host))
    env = clean_env() | {"WENBAO_AUTH": "off"}
    assert "loopback" in one_error_line(run_api("--host", host, env=env))


def test_a_bad_port_or_worker_count_is_one_line() -> None:
    assert "--port" in one_error_line(run_api("--no-auth", "--port", "0"))
    assert "--workers" in one_error_line(run_api("--no-auth", "--workers", "0"))


def test_a_malformed_keys_file_is_one_line(tmp_path: Path) -> None:
    keys = tmp_path / "keys.txt"
    keys.write_text("reader:plain-text-key\n", "utf-8")
    line = one_error_line(run_api(env=clean_env() | {"WENBAO_API_KEYS_FILE": str(keys)}))
    assert "entry 1" in line and "sha256" in line.lower()


def test_new_key_prints_a_key_and_its_entry() -> None:
    done = run_api("--new-key", "editor", "--name", "desk")
    assert done.returncode == 0, done.stderr
    key = done.stdout.splitlines()[0].rsplit(" ", 1)[1]
    entry = done.stdout.splitlines()[1].rsplit(" ", 1)[1]
    [parsed] = parse_keys(entry, "test")
    assert parsed.role == "editor" and parsed.name == "desk" and key not in entry
    assert Keyring((parsed,)).role_of(key) == "editor"


def test_access_rules() -> None:
    assert access(Settings(auth="off"), "127.0.0.1") is None
    assert access(Settings(auth="off"), "::1") is None
    assert access(Settings(auth="off"), "localhost") is None
    keyring = access(Settings(api_keys=KEYS), "0.0.0.0")
    assert keyring is not None and len(keyring.entries) == 2
    with pytest.raises(ConfigError, match="loopback"):
        access(Settings(auth="off"), "0.0.0.0")
    with pytest.raises(ConfigError, match="No API keys"):
        access(Settings(), "127.0.0.1")
    assert is_loopback("127.0.0.2") and is_loopback("[::1]") and not is_loopback("::")
    assert not is_loopback("")  # a worker whose parent checked no host keeps auth on


@pytest.mark.slow
@pytest.mark.parametrize("workers", ["1", "2"])
def test_the_command_serves_the_index_on_loopback_without_keys(
    tmp_path_factory: pytest.TempPathFactory, api_index_dir: Path, workers: str
) -> None:
    folder = index_copy(tmp_path_factory, api_index_dir)
    port = str(free_port())
    command = [sys.executable, "-m", "api", "--no-auth", "--port", port, "--workers", workers]
    command += ["--index", str(folder)]
    log = folder.parent / "api.log"
    with log.open("wb") as out:
        process = subprocess.Popen(command, cwd=REPO, env=clean_env(), stdout=out, stderr=out)
        try:
            url = f"http://127.0.0.1:{port}"
            deadline = time.monotonic() + 90
            while True:
                assert process.poll() is None, log.read_text("utf-8")
                try:
                    if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                        break
                except httpx.TransportError:
                    assert time.monotonic() < deadline, "the API did not start"
                    time.sleep(0.3)
            stats = httpx.get(f"{url}/v1/stats", timeout=30).json()
            assert stats["files"] == 3
        finally:
            stop(process)
