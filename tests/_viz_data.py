"""Test data for the network view: a small hand-made store and a synthetic large one.

Both are written straight into a pyoxigraph store following docs/model.md (one named graph per article and
a registry graph), so the view's tests do not depend on the loader; tests that use the real pipeline build
the first article with kg.build instead.
"""
from __future__ import annotations

import random

import pyoxigraph as ox

from kg.store import Store

BASE = "https://w3id.org/newskg/id/"
NKG = "https://w3id.org/newskg/ontology#"
RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
LABEL = ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label")
ALT = ox.NamedNode("http://www.w3.org/2004/02/skos/core#altLabel")
TITLE = ox.NamedNode("http://purl.org/dc/terms/title")
ISSUED = ox.NamedNode("http://purl.org/dc/terms/issued")
XSD = "http://www.w3.org/2001/XMLSchema#"

XSS_LABEL = "<img src=x onerror=alert(1)>"
XSS_KO = "<script>window.__xss=1</script>"
XSS_EVIDENCE = "\"</script><script>window.__xss=2</script> & <b>bold</b>"


def n(kind: str, key: str) -> ox.NamedNode:
    return ox.NamedNode(f"{BASE}{kind}/{key}")


def p(name: str) -> ox.NamedNode:
    return ox.NamedNode(NKG + name)


def lit(value, datatype: str | None = None, lang: str | None = None) -> ox.Literal:
    if lang:
        return ox.Literal(str(value), language=lang)
    if datatype:
        return ox.Literal(str(value), datatype=ox.NamedNode(XSD + datatype))
    return ox.Literal(str(value))


class Writer:
    """Collects quads; ``entity``/``fact`` helpers follow docs/model.md."""

    def __init__(self) -> None:
        self.quads: list[ox.Quad] = []
        self.registry = n("graph", "registry")

    def add(self, s, pred, o, g=None) -> None:
        self.quads.append(ox.Quad(s, pred, o, g or self.registry))

    def resource(self, kind: str, key: str, cls: str, en: str, ko: str | None = None, aliases=()) -> ox.NamedNode:
        iri = n(kind, key)
        self.add(iri, RDF_TYPE, p(cls))
        self.add(iri, LABEL, lit(en, lang="en"))
        if ko:
            self.add(iri, LABEL, lit(ko, lang="ko"))
        for alias in aliases:
            self.add(iri, ALT, lit(alias, lang="ko"))
        return iri

    def article(self, key: str, title: str, issued: str = "2025-01-30") -> tuple[ox.NamedNode, ox.NamedNode]:
        iri, graph = n("article", key), n("graph/article", key)
        self.add(iri, RDF_TYPE, p("Article"), graph)
        self.add(iri, TITLE, lit(title, lang="ko"), graph)
        self.add(iri, ISSUED, lit(issued, "date"), graph)
        return iri, graph

    def fact(self, article: ox.NamedNode, graph: ox.NamedNode, fid: str, kind: str, subject, *, target=None,
             value=None, unit=None, rank=None, out_of=None, source=None, period=None, approximate=False,
             evidence="", as_written=None) -> ox.NamedNode:
        iri = ox.NamedNode(f"{article.value}/fact/{fid}")
        add = lambda pred, o: self.add(iri, p(pred), o, graph)  # noqa: E731
        self.add(iri, RDF_TYPE, p(kind), graph)
        add("subject", subject)
        add("reportedIn", article)
        if kind == "Observation":
            add("indicator", target)
            add("value", lit(value, "decimal"))
            add("unit", unit)
        elif kind == "RankEntry":
            add("ranking", target)
            add("rank", lit(rank, "positiveInteger"))
            if out_of:
                add("outOf", lit(out_of, "positiveInteger"))
        else:
            add("group", target)
        if source is not None:
            add("attributedTo", source)
            add("attribution", p("Stated"))
        else:
            add("attribution", p("Unattributed"))
        if period:
            add("period", lit(period, "gYear"))
        add("approximate", lit("true" if approximate else "false", "boolean"))
        if as_written:
            add("asWritten", lit(as_written, lang="ko"))
        add("evidence", lit(evidence, lang="ko"))
        return iri

    def store(self) -> Store:
        db = ox.Store()
        db.extend(self.quads)
        return Store(db)


def small_store() -> Store:
    """A few facts from the seed article's world, plus an entity whose labels are script injections."""
    w = Writer()
    tesla = w.resource("entity", "tesla", "Company", "Tesla", "테슬라")
    meta = w.resource("entity", "meta", "Company", "Meta", "메타")
    kr = w.resource("entity", "KR", "Country", "South Korea", "대한민국", aliases=["한국"])
    w.add(kr, p("isoCode"), lit("KR"))
    asc = w.resource("entity", "air-street-capital", "Organization", "Air Street Capital", "에어스트리트캐피털")
    skt = w.resource("entity", "sk-telecom", "Company", "SK Telecom", "SK텔레콤")
    yoo = w.resource("entity", "yoo-young-sang", "Person", "Yoo Young-sang", "유영상")
    w.add(yoo, ox.NamedNode("https://schema.org/worksFor"), skt)
    oecd = w.resource("entity", "oecd", "Organization", "OECD", "경제협력개발기구")
    xss = w.resource("entity", "xss-corp", "Company", XSS_LABEL, XSS_KO)
    gpu = w.resource("unit", "GPU", "Unit", "GPUs", "대")
    h100 = w.resource("indicator", "h100-gpus-held", "Indicator", "NVIDIA H100 GPUs held", "엔비디아 H100 GPU 보유량")
    w.add(h100, p("unit"), gpu)
    series = w.resource("ranking", "oecd-labour-productivity", "RankingSeries", "OECD labour productivity",
                        "OECD 시간당 노동생산성")
    a1, g1 = w.article("mk-test", "“AI 전쟁 치를 무기도 없다” 테스트")
    edition = n("ranking", "oecd-labour-productivity/2023")
    for s_, pred, o in ((edition, RDF_TYPE, p("Ranking")), (edition, p("rankingSeries"), series),
                        (edition, p("publisher"), oecd), (edition, p("year"), lit("2023", "gYear")),
                        (edition, LABEL, lit("OECD labour productivity 2023", lang="en")),
                        (edition, LABEL, lit("OECD 시간당 노동생산성 2023", lang="ko"))):
        w.add(s_, pred, o, g1)
    ev = "영국 에어스트리트캐피털 보고서에 따르면 H100 기준으로 메타는 35만대, 테슬라는 3만5000대의 GPU를 보유하고 있다."
    w.fact(a1, g1, "h100-tesla", "Observation", tesla, target=h100, value=35000, unit=gpu, source=asc,
           period="2024", evidence=ev, as_written="3만5000대")
    w.fact(a1, g1, "h100-meta", "Observation", meta, target=h100, value=350000, unit=gpu, source=asc,
           period="2024", evidence=ev, as_written="35만대")
    w.fact(a1, g1, "h100-kr-skt", "Observation", kr, target=h100, value=2000, unit=gpu, source=yoo,
           approximate=True, evidence="“한국은 전체를 통틀어 H100 GPU가 2000개 정도밖에 없다”")
    w.fact(a1, g1, "h100-kr-others", "Observation", kr, target=h100, value=10000, unit=gpu, approximate=True,
           evidence="일각에서는 약 1만대를 보유했다고 추정하나")
    w.fact(a1, g1, "oecd-rank-kr", "RankEntry", kr, target=edition, rank=33, out_of=38, source=oecd,
           period="2023", evidence="시간당 노동생산성은 44.4달러로 38개국 가운데 33위다.")
    w.fact(a1, g1, "xss", "Observation", xss, target=h100, value=1, unit=gpu, evidence=XSS_EVIDENCE)
    a2, g2 = w.article("other-article", "다른 기사", issued="2025-02-01")
    w.fact(a2, g2, "h100-meta-2", "Observation", meta, target=h100, value=600000, unit=gpu, period="2025",
           evidence="메타는 60만대를 목표로 한다.")
    return w.store()


def synthetic_store(n_facts: int, *, seed: int = 1, facts_per_article: int = 25) -> Store:
    """``n_facts`` facts over ~50 countries, up to 400 companies, 30 indicators and 5 rankings."""
    rng = random.Random(seed)
    w = Writer()
    countries = [w.resource("entity", f"C{i:02d}", "Country", f"Country {i}", f"나라 {i}") for i in range(50)]
    n_companies = min(400, max(20, n_facts // 40))
    companies = [w.resource("entity", f"company-{i}", "Company", f"Company {i}", f"회사 {i}")
                 for i in range(n_companies)]
    sources = [w.resource("entity", f"source-{i}", "Organization", f"Source {i}", f"기관 {i}") for i in range(20)]
    unit = w.resource("unit", "USD", "Unit", "US dollars", "달러")
    indicators = [w.resource("indicator", f"ind-{i}", "Indicator", f"Indicator {i}", f"지표 {i}") for i in range(30)]
    series = [w.resource("ranking", f"rank-{i}", "RankingSeries", f"Ranking {i}", f"순위 {i}") for i in range(5)]
    subjects = countries + companies
    for a in range((n_facts + facts_per_article - 1) // facts_per_article):
        art, graph = w.article(f"art-{a:05d}", f"기사 {a}", issued=f"2024-{1 + a % 12:02d}-{1 + a % 28:02d}")
        editions = []
        for s_i, s in enumerate(series):
            ed = ox.NamedNode(f"{s.value}/2024")
            w.add(ed, RDF_TYPE, p("Ranking"), graph)
            w.add(ed, p("rankingSeries"), s, graph)
            w.add(ed, LABEL, lit(f"Ranking {s_i} 2024", lang="en"), graph)
            editions.append(ed)
        for f in range(facts_per_article):
            if a * facts_per_article + f >= n_facts:
                break
            subject = subjects[min(int(rng.paretovariate(1.2)) - 1, len(subjects) - 1)] if rng.random() < .5 \
                else rng.choice(subjects)
            source = rng.choice(sources) if rng.random() < .8 else None
            if rng.random() < .85:
                w.fact(art, graph, f"f{f}", "Observation", subject, target=rng.choice(indicators),
                       value=rng.randint(1, 10**6), unit=unit, source=source, period="2024",
                       evidence=f"문장 {a}-{f}.")
            else:
                w.fact(art, graph, f"f{f}", "RankEntry", subject, target=rng.choice(editions),
                       rank=rng.randint(1, 50), out_of=50, source=source, period="2024", evidence=f"문장 {a}-{f}.")
    return w.store()
