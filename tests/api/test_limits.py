"""The per-key rate limit: 429 with ``Retry-After`` and a JSON body, one bucket per key."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from api.limits import RateLimiter, retry_after
from retrieval.index.embeddings import WenBaoEmbeddings
from tests.api.conftest import EDITOR_KEY, READER_KEY, client, index_copy, keyed_server
from tests.api.test_endpoints import error_of

RATE = 3


@pytest.fixture(scope="module")
def url(
    tmp_path_factory: pytest.TempPathFactory, api_index_dir: Path, embedder: WenBaoEmbeddings
) -> Iterator[str]:
    folder = index_copy(tmp_path_factory, api_index_dir)
    with keyed_server(folder, embedder, api_rate_per_minute=RATE) as found:
        yield found


def test_a_key_over_its_rate_gets_429_with_retry_after(url: str) -> None:
    with client(url, READER_KEY) as reader:
        assert [reader.get("/v1/stats").status_code for _ in range(RATE)] == [200] * RATE
        found = reader.get("/v1/stats")
        assert "WENBAO_API_RATE_PER_MINUTE" in error_of(found, 429)["message"]
        assert 1 <= int(found.headers["retry-after"]) <= 60 // RATE
    with client(url, EDITOR_KEY) as editor:  # another key has its own bucket
        assert editor.get("/v1/stats").status_code == 200
    with client(url, key=None) as anyone:  # health checks are never limited
        assert all(anyone.get("/healthz").status_code == 200 for _ in range(RATE + 2))


def test_the_bucket_refills_at_the_rate() -> None:
    now = [0.0]
    limiter = RateLimiter(60, clock=lambda: now[0])
    assert all(limiter.take("k") == 0.0 for _ in range(60))
    wait = limiter.take("k")
    assert wait == pytest.approx(1.0) and retry_after(wait) == "1"
    now[0] = 0.5
    assert limiter.take("k") == pytest.approx(0.5)
    now[0] = 1.0
    assert limiter.take("k") == 0.0 and limiter.take("other") == 0.0
    assert retry_after(0.01) == "1" and retry_after(2.2) == "3"
