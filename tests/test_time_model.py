"""Time in the model (issue 10, item 4): the period a figure refers to is kept apart from the edition a rank or tier
belongs to; undated editions never merge across articles unless the registry says so; memberships have editions;
one tier per subject per classification edition; when and how each fact entered the graph."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from kg.build import build
from kg.store import KgStore
from kgtest import MINI_ARTICLE, make_corpus, run_cli

BASE = "https://w3id.org/newskg/id/"
NKG = "https://w3id.org/newskg/ontology#"
PROV = "http://www.w3.org/ns/prov#"

MEMBERSHIP = """\
  - id: tier-{lower}-{group}
    kind: membership
    subject: {subject}
    group: bcg-ai-maturity/{group}
    approximate: false
    source: bcg
    attribution: stated
{period}    evidence:
      text: "BCG 분류."
"""


def membership(subject: str, group: str, period: int | None = None) -> str:
    return MEMBERSHIP.format(subject=subject, lower=subject.lower(), group=group, period=f"    period: {period}\n" if period else "")


def sheet(article_id: str, *extra: str, recorded: str | None = None, draft: bool = False) -> str:
    text = MINI_ARTICLE.replace("id: mini", f"id: {article_id}")
    head = ""
    if recorded:
        head += f"  recorded: {recorded}\n"
    if draft:
        head += "  draft: true\n"
    text = text.replace("  mentions: [tesla, KR]\n", f"  mentions: [tesla, KR]\n{head}")
    return text + "".join(extra)


def write(data: Path, article_id: str, text: str) -> None:
    (data / "articles" / f"{article_id}.yaml").write_text(text, encoding="utf-8")


def select(store_path: Path, query: str) -> list[tuple]:
    with KgStore(store_path, read_only=True) as store:
        result = store.query(f"PREFIX nkg: <{NKG}> PREFIX prov: <{PROV}> " + query)
        return sorted(tuple(None if t is None else t.value for t in row) for row in result.rows)


def edition_of(store_path: Path, fact_iri: str) -> list[tuple]:
    return select(store_path, f"SELECT ?e ?g WHERE {{ <{fact_iri}> nkg:edition ?e . GRAPH ?g {{ ?e a ?c }} }}")


def test_undated_editions_of_two_articles_are_two_editions(tmp_path):
    # issue 10: 5 of 7 ranking editions were one shared …/undated node, so undated ranks from different articles
    # were compared as if they were one edition
    data = make_corpus(tmp_path, article=None)
    write(data, "a1", sheet("a1"))
    write(data, "a2", sheet("a2"))
    build([data], out_dir=None, store_path=tmp_path / "s", html=False)
    one = edition_of(tmp_path / "s", BASE + "article/a1/fact/productivity-rank-kr")
    two = edition_of(tmp_path / "s", BASE + "article/a2/fact/productivity-rank-kr")
    assert one == [(BASE + "ranking/oecd-labour-productivity/undated/a1", BASE + "graph/article/a1")]
    assert two == [(BASE + "ranking/oecd-labour-productivity/undated/a2", BASE + "graph/article/a2")]
    # the rank entry still points to its edition by nkg:ranking, and the edition to its series
    assert select(tmp_path / "s", f"SELECT ?s WHERE {{ <{BASE}article/a1/fact/productivity-rank-kr> "
                                  "nkg:ranking/nkg:rankingSeries ?s }") == [(BASE + "ranking/oecd-labour-productivity",)]
    assert select(tmp_path / "s", f"SELECT ?a WHERE {{ <{one[0][0]}> nkg:undatedIn ?a }}") == [(BASE + "article/a1",)]


def test_the_registry_can_say_that_undated_mentions_are_one_edition(tmp_path):
    data = make_corpus(tmp_path, article=None)
    rankings = data / "registries" / "rankings.yaml"
    text = rankings.read_text(encoding="utf-8")
    anchor = "    criterion: labour-productivity-per-hour\n"
    assert anchor in text
    rankings.write_text(text.replace(anchor, anchor + "    one_edition: true\n", 1), encoding="utf-8")
    write(data, "a1", sheet("a1"))
    write(data, "a2", sheet("a2"))
    build([data], out_dir=None, store_path=tmp_path / "s", html=False)
    shared = [(BASE + "ranking/oecd-labour-productivity/undated", BASE + "graph/rankings")]
    assert edition_of(tmp_path / "s", BASE + "article/a1/fact/productivity-rank-kr") == shared
    assert edition_of(tmp_path / "s", BASE + "article/a2/fact/productivity-rank-kr") == shared
    assert select(tmp_path / "s", f"SELECT ?f WHERE {{ <{BASE}ranking/oecd-labour-productivity> nkg:oneEdition ?f }}") \
        == [("true",)]


def test_a_rank_states_its_edition_and_an_observation_its_period(tmp_path, capsys):
    data = make_corpus(tmp_path, article=None)
    write(data, "a1", sheet("a1").replace("    out_of: 38\n", "    out_of: 38\n    period: 2023\n"))
    build([data], out_dir=None, store_path=tmp_path / "s", html=False)
    rank = BASE + "article/a1/fact/productivity-rank-kr"
    obs = BASE + "article/a1/fact/h100-tesla"
    assert select(tmp_path / "s", f"SELECT ?p WHERE {{ <{rank}> nkg:period ?p }}") == []
    assert select(tmp_path / "s", f"SELECT ?e ?y WHERE {{ <{rank}> nkg:edition ?e . ?e nkg:year ?y }}") \
        == [(BASE + "ranking/oecd-labour-productivity/2023", "2023")]
    assert select(tmp_path / "s", f"SELECT ?p WHERE {{ <{obs}> nkg:period ?p }}") == [("2024",)]
    assert select(tmp_path / "s", f"SELECT ?e WHERE {{ <{obs}> nkg:edition ?e }}") == []
    # the facts table still shows the rank's year in its period column
    result = run_cli(capsys, "facts", "--store", tmp_path / "s", "--format", "json")
    rows = {row["kind"]: row for row in json.loads(result.out)}
    assert rows["rank"]["period"] == "2023" and rows["observation"]["period"] == "2024"


def test_memberships_have_editions_with_their_year(tmp_path):
    data = make_corpus(tmp_path, article=None)
    write(data, "a1", sheet("a1", membership("US", "ai-pioneers"), membership("CN", "ai-pioneers"),
                            membership("KR", "steady-contenders", 2024)))
    build([data], out_dir=None, store_path=tmp_path / "s", html=False)
    rows = select(tmp_path / "s", "SELECT ?f ?e ?y ?c WHERE { ?f a nkg:GroupMembership ; nkg:edition ?e . "
                                  "?e a nkg:ClassificationEdition ; nkg:classification ?c . "
                                  "OPTIONAL { ?e nkg:year ?y } }")
    undated = BASE + "classification/bcg-ai-maturity/edition/undated/a1"
    scheme = BASE + "classification/bcg-ai-maturity"
    assert rows == [
        (BASE + "article/a1/fact/tier-cn-ai-pioneers", undated, None, scheme),
        (BASE + "article/a1/fact/tier-kr-steady-contenders", scheme + "/edition/2024", "2024", scheme),
        (BASE + "article/a1/fact/tier-us-ai-pioneers", undated, None, scheme),
    ]


def test_two_tiers_for_one_subject_in_one_edition_is_a_violation(tmp_path):
    data = make_corpus(tmp_path, article=None)
    write(data, "a1", sheet("a1", membership("KR", "ai-pioneers"), membership("KR", "steady-contenders")))
    summary = build([data], out_dir=None, store_path=tmp_path / "s", html=False)
    found = sorted((r.shape, r.focus.rsplit("/", 1)[1]) for r in summary.report.results)
    assert found == [("nkgsh:OneTierPerEditionShape", "tier-kr-ai-pioneers"),
                     ("nkgsh:OneTierPerEditionShape", "tier-kr-steady-contenders")]


def test_two_tiers_in_two_editions_or_two_articles_are_fine(tmp_path):
    data = make_corpus(tmp_path, article=None)
    write(data, "a1", sheet("a1", membership("KR", "ai-pioneers", 2024), membership("KR", "steady-contenders", 2025),
                            membership("US", "ai-pioneers")))
    write(data, "a2", sheet("a2", membership("US", "steady-contenders")))   # undated: another article's edition
    summary = build([data], out_dir=None, store_path=tmp_path / "s", html=False)
    assert summary.violations == 0, summary.report.to_text()


@pytest.mark.parametrize("draft,method", [(False, "ReviewedFactSheet"), (True, "ExtractDraft")])
def test_each_fact_says_how_and_when_it_entered_the_graph(tmp_path, draft, method):
    data = make_corpus(tmp_path, article=None)
    write(data, "a1", sheet("a1", recorded="2025-02-03", draft=draft))
    write(data, "a2", sheet("a2", draft=draft))
    out = tmp_path / "o"
    build([data], out_dir=out, store_path=tmp_path / "s", html=False)
    rows = select(tmp_path / "s", "SELECT ?f ?m ?t WHERE { ?f nkg:reportedIn ?a ; nkg:entryMethod ?m . "
                                  "OPTIONAL { ?f prov:generatedAtTime ?t } }")
    assert rows == [(BASE + "article/a1/fact/h100-tesla", NKG + method, "2025-02-03T00:00:00"),
                    (BASE + "article/a1/fact/productivity-rank-kr", NKG + method, "2025-02-03T00:00:00"),
                    (BASE + "article/a2/fact/h100-tesla", NKG + method, None),
                    (BASE + "article/a2/fact/productivity-rank-kr", NKG + method, None)]
    # the time comes from the fact sheet, not the clock: a rebuild from scratch writes the same bytes
    first = (out / "kg.ttl").read_bytes()
    build([data], out_dir=tmp_path / "o2", store_path=tmp_path / "s2", html=False)
    assert (tmp_path / "o2" / "kg.ttl").read_bytes() == first


def test_a_recorded_date_that_is_not_a_date_is_bad_input(tmp_path, capsys):
    data = make_corpus(tmp_path, article=None)
    write(data, "a1", sheet("a1", recorded="last week"))
    result = run_cli(capsys, "build", data, "--store", tmp_path / "s", "-o", tmp_path / "o", "--no-html")
    assert result.code == 2
    assert "a1.yaml:8:13: article.recorded must be a date YYYY-MM-DD, found 'last week'" in result.err, result.err


def test_the_first_articles_editions(tmp_path):
    """The first article: its two dated Tortoise editions are shared, its six undated ones are its own."""
    from kgtest import DATA
    build([DATA], out_dir=None, store_path=tmp_path / "s", html=False)
    rows = select(tmp_path / "s", "SELECT ?e ?g WHERE { GRAPH ?g { ?e a ?c } "
                                  "VALUES ?c { nkg:Ranking nkg:ClassificationEdition } }")
    shared = [e for e, g in rows if g == BASE + "graph/rankings"]
    own = [e for e, g in rows if g != BASE + "graph/rankings"]
    assert shared == [BASE + "ranking/tortoise-global-ai-index/2023", BASE + "ranking/tortoise-global-ai-index/2024"]
    assert len(own) == 6 and all(e.endswith("/undated/mk-2025-korea-ai-competitiveness") for e in own)
    with KgStore(tmp_path / "s", read_only=True) as store:
        assert store.query(f"ASK {{ ?fact <{NKG}period> ?p }}").boolean   # observations keep their periods
