"""The extractor's parts can be changed one at a time: readers, the language registry, the named weights.

Each test changes one part through its public seam (the readers an engine runs, a language's entry, a weight) and
checks that the drafts change exactly as that part says. Sentences are written for the tests.
"""
from __future__ import annotations

import dataclasses
from decimal import Decimal
from pathlib import Path

import pytest

from kg.errors import InputError
from kg.extract import weights
from kg.extract.context import ArticleState, Candidate, SentenceContext
from kg.extract.engine import Engine
from kg.extract.languages import LANGUAGES
from kg.extract.readers import READERS, GroupReader, RankReader
from kg.extract.resolve import Gazetteer
from kg.load import load_registries

from extracthelp import draft

ROOT = Path(__file__).resolve().parent.parent
GROUPS = ("보스턴컨설팅그룹(BCG)이 발표한 ‘AI 성숙도 매트릭스’에 따르면 한국은 2군에 해당하는 ‘AI 안정적 경쟁국가’다. "
          "한국은 토터스미디어의 글로벌 AI 지수에서 6위를 차지했다.")


@pytest.fixture(scope="module")
def registry():
    return load_registries([ROOT / "data" / "registries"])


def run(registry, text: str, lang: str, readers=READERS) -> list[Candidate]:
    engine = Engine(registry, Gazetteer(registry), LANGUAGES[lang], readers=readers)
    return engine.run(text, len(text), 2025)[0]


def kinds(candidates: list[Candidate]) -> set[tuple[str | None, str, str | None]]:
    return {(c.subject, c.kind, c.measure) for c in candidates if not c.problem}


def test_the_readers_are_the_engines_parts(registry):
    every = kinds(run(registry, GROUPS, "ko"))
    assert ("KR", "membership", "bcg-ai-maturity/steady-contenders") in every
    assert any(k[1] == "rank" for k in every)
    no_groups = kinds(run(registry, GROUPS, "ko", tuple(r for r in READERS if not isinstance(r, GroupReader))))
    assert no_groups == {k for k in every if k[1] != "membership"}
    no_ranks = kinds(run(registry, GROUPS, "ko", tuple(r for r in READERS if not isinstance(r, RankReader))))
    assert no_ranks == {k for k in every if k[1] != "rank"}


class _Headcount:
    """A made-up reader: one candidate per sentence, held by the sentence's subject as the context decides it."""

    def read(self, eng: Engine, ctx: SentenceContext, st: ArticleState) -> None:
        subject, confidence, _ = ctx.subject_at(len(ctx.s.text))
        st.out.append(Candidate("headcount", subject, None, ctx.s, (0, len(ctx.s.text)), confidence))


def test_a_new_reader_sees_each_sentence_with_its_context_and_the_article_state(registry):
    text = "미국은 H100 GPU 10만대를 확보했다. 이 가운데 절반은 메타가 가졌다."
    got = [c for c in run(registry, text, "ko", (*READERS, _Headcount())) if c.kind == "headcount"]
    assert [c.sentence.text for c in got] == ["미국은 H100 GPU 10만대를 확보했다.", "이 가운데 절반은 메타가 가졌다."]
    # the first sentence's topic; the second names Meta itself
    assert [c.subject for c in got] == ["US", "meta"]


def test_a_language_is_one_registry_entry(registry):
    text = "According to the OECD, Meta holds 350,000 H100 GPUs. Rumour has it Microsoft holds 150,000 H100 GPUs."

    def sources(lang_spec):
        engine = Engine(registry, Gazetteer(registry), lang_spec)
        return {c.subject: (c.source, c.attribution)
                for c in engine.run(text, len(text), 2025)[0] if c.kind == "observation"}

    english = LANGUAGES["en"]
    plain = sources(english)
    assert plain == {"meta": ("oecd", "stated"), "microsoft": ("oecd", "implied")}   # carried to the next sentence
    # the entry's word lists are what the engine uses: a new opener of unattributed estimates ends the carry-over
    marked = sources(dataclasses.replace(english, unattributed=(*english.unattributed, "Rumour has it")))
    assert marked == {"meta": ("oecd", "stated"), "microsoft": (None, "none")}


def test_an_unknown_language_is_an_input_error_naming_the_known_ones(registry):
    with pytest.raises(InputError, match=r"unsupported language 'xx'.*en or ko"):
        draft(registry, "Meta holds 350,000 H100 GPUs.", "xx")


def test_weights_are_read_by_name_when_the_article_is_read(registry, monkeypatch):
    text = "메타는 H100 GPU 35만대를 확보했다."

    def confidence() -> float:
        facts = [f for f in draft(registry, text, "ko").sheet["facts"] if f["kind"] == "observation"]
        assert [(f["subject"], Decimal(str(f["value"]))) for f in facts] == [("meta", Decimal(350000))]
        return float(facts[0]["confidence"])

    before = confidence()
    assert before == pytest.approx(weights.CONFIDENCE["segment_topic"])
    monkeypatch.setitem(weights.CONFIDENCE, "segment_topic", 0.55)
    assert confidence() == pytest.approx(0.55)
