"""`kg extract --lang` accepts exactly the codes of the registry of languages (and auto)."""
from __future__ import annotations

from click.testing import CliRunner

from kg.cli import cli
from kg.extract.languages import LANGUAGES


def test_lang_choices_are_the_registry_of_languages(monkeypatch, tmp_path):
    text = tmp_path / "a.txt"
    text.write_text("Japan installed 46,000 industrial robots in 2024.\n", encoding="utf-8")
    refused = CliRunner().invoke(cli, ["extract", str(text), "--lang", "xx", "-o", str(tmp_path / "out")])
    assert refused.exit_code == 2 and "'xx' is not one of 'auto', 'ko', 'en'" in refused.output
    monkeypatch.setitem(LANGUAGES, "xx", LANGUAGES["en"])
    shown = CliRunner().invoke(cli, ["extract", "--help"])
    assert shown.exit_code == 0 and "[auto|ko|en|xx]" in shown.output
    accepted = CliRunner().invoke(cli, ["extract", str(text), "--lang", "xx", "--date", "2025-06-02", "-j", "1",
                                        "-o", str(tmp_path / "out")])
    assert accepted.exit_code == 0, accepted.output
    assert "language: xx" in (tmp_path / "out" / "articles" / "a.yaml").read_text(encoding="utf-8")


def test_shared_patterns_join_every_languages_alternatives_once(monkeypatch):
    import dataclasses
    import re

    from kg.extract.languages import alternatives

    ja = dataclasses.replace(LANGUAGES["en"], code="ja", list_separators=(r",", r"と", r"・"), group_heads=("諸国",))
    monkeypatch.setitem(LANGUAGES, "ja", ja)
    seps = alternatives("list_separators").split("|")
    assert seps.count(",") == 1 and {"と", "・", "와", r",?\s*and"} <= set(seps)
    heads = re.compile(rf"\s*(?:{alternatives('group_heads')})$")
    assert heads.sub("", "アジア諸国") == "アジア" and heads.sub("", "1등급 국가") == "1등급"
    assert heads.sub("", "Tier 1 countries") == "Tier 1"


def test_what_a_unit_counts_comes_from_the_languages_unit_classes(monkeypatch):
    """A count of machines ("35,000 GPUs") fits an indicator counted in any unit but people; which units count
    people is read from the languages' ``unit_classes`` by the unit's label."""
    import copy
    import dataclasses
    import re
    from decimal import Decimal
    from pathlib import Path

    from kg.extract.engine import Engine
    from kg.extract.figures import Quantity
    from kg.extract.resolve import Gazetteer
    from kg.load import load_registries
    from kg.model import Indicator, Origin, Unit

    root = Path(__file__).resolve().parent.parent
    registry = copy.deepcopy(load_registries([root / "data" / "registries"]))
    origin = Origin("test", 1)
    registry.units["heads"] = Unit("heads", {"en": "heads"}, "count", origin)
    registry.indicators["x-heads"] = Indicator("x-heads", {"en": "X heads"}, "heads", origin)
    gpus = Quantity(Decimal(35000), "unit", "count", "GPUs", False, 0, 10, "35,000 GPUs")
    engine = Engine(registry, Gazetteer(registry), LANGUAGES["en"])
    assert engine._unit_fits("x-heads", gpus, "35,000 GPUs")[0]
    en = LANGUAGES["en"]
    classes = dict(en.unit_classes, person=re.compile("persons|people|heads"))
    monkeypatch.setitem(LANGUAGES, "en", dataclasses.replace(en, unit_classes=classes))
    engine = Engine(registry, Gazetteer(registry), LANGUAGES["en"])    # an engine decides each fit once
    assert not engine._unit_fits("x-heads", gpus, "35,000 GPUs")[0]


def test_a_shared_pattern_no_language_fills_never_matches(monkeypatch):
    import dataclasses
    import re

    from kg.extract.languages import alternatives

    for code, spec in list(LANGUAGES.items()):
        monkeypatch.setitem(LANGUAGES, code, dataclasses.replace(spec, range_after=()))
    assert re.compile(alternatives("range_after")).match("30%대로") is None
    assert re.compile(alternatives("price_after")).match(" costs ") is not None
