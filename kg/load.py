"""Load and check registries and fact sheets into the typed model (``kg.model``).

Everything is checked before anything is mapped or stored: the first problem stops the load with an
``InputError`` naming file:line:column and what to do. Nothing here writes anything.
"""
from __future__ import annotations

import dataclasses
import difflib
import functools
import hashlib
import json
import os
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any, TypeVar

from .errors import InputError, Location, display_path
from .model import (ENTITY_TYPES, SCOPES, UNIT_KINDS, Article, ArticleMeta, Classification, Entity,
                    Equivalent, Evidence, Fact, Group, Indicator, Language, Origin, RankingSeries, Registry, Scope,
                    Unit, romanised)
from .schema import ARTICLE, EQUIVALENT, EVIDENCE, FACT, KIND_QUALIFIERS, QUALIFIERS, SHEET, Field
from .yamlsource import Mapping, Node, Source, decode_utf8

SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9-]*$")
ISO_RE = re.compile(r"^[A-Z]{2}$")
UNIT_KEY_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9-]*$")
LANG_RE = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$")

REGISTRY_SECTIONS = ("countries", "entities", "units", "indicators", "rankings", "classifications", "languages")


@functools.cache
def iso_codes() -> frozenset[str]:
    """The ISO 3166-1 alpha-2 codes (pycountry's database is read when the registries are loaded, not when kg
    starts: a rebuild whose registries are cached never needs it)."""
    import pycountry
    return frozenset(c.alpha_2 for c in pycountry.countries)
_LABEL_LOCALES = ("en", "ko")


def country_name(code: str, lang: str) -> str | None:
    """The CLDR name of an ISO country in ``lang`` (babel), or None."""
    from babel import Locale   # only loading the registries needs it (a rebuild reads them from its cache)
    return Locale.parse(lang).territories.get(code)


def data_path(path: str | Path, link: bool | None = None) -> str:
    """How the graph names a source file: its last three path parts ("data/articles/x.yaml").

    Independent of the working directory and of where the data folder lies, so builds from anywhere give the
    same bytes; error messages use the full path instead (``display_path``) so the file can be opened. ``link``:
    whether the file is a symbolic link, when the caller knows it (``discover`` does), else looked up."""
    text = str(path)
    cwd = os.getcwd()
    if os.path.islink(text) if link is None else link:   # a link's name may differ from its target's: resolve all
        return "/".join(Path(cwd, text).resolve().parts[-3:])
    folder, name = os.path.split(text)
    return _folder_prefix(folder, cwd) + name


def data_paths(paths: list[str], links: dict[str, bool]) -> list[str]:
    """``data_path`` of each of ``paths`` (``links`` as ``discover_names`` fills it), with the working directory
    looked up once (a build names 10,000 sheets)."""
    cwd = os.getcwd()
    names: list[str] = []
    for text in paths:
        link = links.get(text)
        if link is None or link:
            names.append(data_path(text, link))
        else:
            folder, name = os.path.split(text)
            names.append(_folder_prefix(folder, cwd) + name)
    return names


@functools.lru_cache(maxsize=256)
def _folder_prefix(folder: str, cwd: str) -> str:
    # a build names every sheet (its hash covers the name) and every fact asks for its file's: resolving the
    # folder once instead of each file saves a path resolution per sheet (seconds at 100,000 sheets)
    return "".join(part + "/" for part in Path(cwd, folder).resolve().parts[-2:])


def _origin(node: Node) -> Origin:
    source = node.source
    if source.data_path is None:   # once per file, not per fact (it looks at the file system)
        source.data_path = data_path(source.path)
    return Origin(source.data_path, node.line)


def _suggest(name: str, known: Iterable[str]) -> str:
    close = difflib.get_close_matches(name, list(known), n=3, cutoff=0.6)
    return f"did you mean {', '.join(close)}?" if close else "define it in the registries first"


# ------------------------------------------------------------------------------------------------ helpers
def _labels(node: Node | None, what: str) -> dict[str, str]:
    if node is None:
        return {}
    mapping = node.mapping(what)
    out: dict[str, str] = {}
    for lang, key, value in mapping.items():
        if not LANG_RE.match(lang):
            raise key.fail(f"{what}: {lang!r} is not a language tag", hint="use en, ko, ...")
        out[lang] = value.string(f"{what}.{lang}")
    return out


def _aliases(node: Node | None, what: str) -> dict[str, list[str]]:
    if node is None:
        return {}
    mapping = node.mapping(what)
    out: dict[str, list[str]] = {}
    for lang, key, value in mapping.items():
        if not LANG_RE.match(lang):
            raise key.fail(f"{what}: {lang!r} is not a language tag", hint="use en, ko, ...")
        out[lang] = [item.text_or_number(f"{what}.{lang}") for item in value.sequence(f"{what}.{lang}")]
    return out


def _entry_labels(body: Mapping, what: str, proposed: bool) -> dict[str, str]:
    """The required ``label`` of a registry entry, which must have an English text. A proposed entry
    (``proposed: true``) may instead carry only the names its article gave: at least one that is not a
    romanisation (``ko-Latn``), since kg extract writes no English label the article did not give."""
    node = body.require("label")
    labels = _labels(node, f"{what} label")
    if "en" in labels:
        return labels
    if not proposed:
        raise node.fail(f"{what} has no English label",
                        hint="add label.en (only an entry with proposed: true may go without one)")
    if all(romanised(tag) for tag in labels):
        raise node.fail(f"{what} (proposed) has neither an English label nor a name in another language",
                        hint="add label.en or the name the article gives (label.ko, ...); a romanisation is not one")
    return labels


def _slug(node: Node, what: str) -> str:
    value = node.text_or_number(what)
    if not SLUG_RE.match(value):
        raise node.fail(f"{what} {value!r} is not a valid key",
                        hint="use lowercase letters, digits and '-' (e.g. air-street-capital)")
    return value


def _opt_string(mapping: Mapping, key: str, what: str) -> str | None:
    node = mapping.get(key)
    return node.string(f"{what}.{key}") if node is not None else None


def _proposed(body: Mapping, what: str) -> bool:
    """The optional ``proposed: true`` of a registry entry (written by ``kg extract``, removed on review)."""
    node = body.get("proposed")
    return node.boolean(f"{what}.proposed") if node is not None else False


WIKIDATA_RE = re.compile(r"Q[1-9][0-9]*")


def _wikidata(body: Mapping, what: str) -> str | None:
    """The optional ``wikidata: Q…`` item id of a registry entry."""
    node = body.get("wikidata")
    if node is None:
        return None
    value = node.string(f"{what}.wikidata")
    if not WIKIDATA_RE.fullmatch(value):
        raise node.fail(f"{what}.wikidata {value!r} is not a Wikidata item id",
                        hint="write Q followed by its number, e.g. Q884")
    return value


def _content(entry: Entity | Unit | Indicator | RankingSeries | Classification | Language) -> dict[str, Any]:
    """A registry entry as data, without where it was defined and whether it is proposed."""
    def strip(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: strip(v) for k, v in value.items() if k not in ("origin", "proposed")}
        return value
    content: dict[str, Any] = strip(dataclasses.asdict(entry))
    return content


# ------------------------------------------------------------------------------------------------ registries
_Entry = TypeVar("_Entry", Entity, Unit, Indicator, RankingSeries, Classification, Language)


class _RegistryBuilder:
    """Reads registry files folder by folder. A key defined twice in one folder is an error; a key defined in two
    folders (data/registries and a draft's X/registries) must have the same content there, and is proposed only
    if every definition says so (so accepting a proposal in data/registries clears the mark)."""

    def __init__(self) -> None:
        self.registry = Registry()
        self.defined: dict[tuple[str, str], tuple[Origin, Path | None]] = {}
        self.country_extras: dict[str, tuple[Node, Mapping]] = {}
        self.pending_refs: list[tuple[Node, str, str]] = []   # (node, kind, key)
        self.folder: Path | None = None
        self.parent_nodes: dict[str, Node] = {}                 # entity key -> its 'parent:' value

    def _claim(self, section: str, key: str, key_node: Node) -> None:
        ident = ("entity" if section in ("countries", "entities") else section, key)
        if ident in self.defined:
            origin, folder = self.defined[ident]
            if folder == self.folder:
                raise key_node.fail(f"{key!r} is defined twice in the registries (first at {origin})",
                                    hint="keep one definition")
            return   # defined in another registry folder: _put checks that both say the same
        self.defined[ident] = (_origin(key_node), self.folder)

    def _put(self, table: dict[str, _Entry], key: str, entry: _Entry, key_node: Node) -> None:
        old = table.get(key)
        if old is None:
            table[key] = entry
            return
        before, now = _content(old), _content(entry)
        if before != now:
            differ = ", ".join(k for k in now if before.get(k) != now[k])
            raise key_node.fail(f"{key!r} is also defined in another registry folder, differently ({differ}; "
                                f"first at {old.origin})",
                                hint="keep one definition, or make the two the same")
        old.proposed = old.proposed and entry.proposed
        if isinstance(old, Classification) and isinstance(entry, Classification):
            for gkey, group in old.groups.items():
                group.proposed = group.proposed and entry.groups[gkey].proposed

    def read(self, path: Path, folder: Path | None = None) -> None:
        self.folder = folder
        source = Source(path)
        top = source.root.mapping("a registry file")
        top.check_keys(set(REGISTRY_SECTIONS))
        for section, _, _body in top.items():
            node = top.get(section)
            if node is None:
                continue
            entries = node.mapping(section)
            for key, key_node, value in entries.items():
                getattr(self, f"_read_{section}")(key, key_node, value)
        self.registry.files.append(path)

    def _read_countries(self, key: str, key_node: Node, value: Node) -> None:
        if key not in iso_codes():
            raise key_node.fail(f"{key!r} is not an ISO 3166-1 alpha-2 country code",
                                hint="countries are keyed by their two-letter code, e.g. KR, US")
        self._claim("countries", key, key_node)
        body = value.mapping(f"country {key}")
        body.check_keys({"label", "aliases", "wikidata"})
        entity = make_country(key, _origin(key_node))
        entity.wikidata = _wikidata(body, f"country {key}") or entity.wikidata
        entity.label.update(_labels(body.get("label"), f"country {key} label"))
        entity.aliases = _aliases(body.get("aliases"), f"country {key} aliases")
        self._put(self.registry.entities, key, entity, key_node)

    def _read_entities(self, key: str, key_node: Node, value: Node) -> None:
        if ISO_RE.match(key):
            raise key_node.fail(f"entity key {key!r} looks like a country code",
                                hint="list countries under 'countries:', other entities with lowercase keys")
        _slug(key_node, "entity key")
        self._claim("entities", key, key_node)
        what = f"entity {key}"
        body = value.mapping(what)
        body.check_keys({"type", "label", "aliases", "country", "parent", "role", "employer", "description",
                         "proposed", "wikidata"})
        type_node = body.require("type")
        etype = type_node.string(f"{what}.type")
        if etype not in ENTITY_TYPES or etype == "country":
            allowed = ", ".join(t for t in ENTITY_TYPES if t != "country")
            raise type_node.fail(f"{what}: unknown type {etype!r}", hint=f"use one of: {allowed}")
        proposed = _proposed(body, what)
        label = _entry_labels(body, what, proposed)
        entity = Entity(key=key, type=etype, label=label, origin=_origin(key_node),
                        aliases=_aliases(body.get("aliases"), f"{what} aliases"),
                        role=_labels(body.get("role"), f"{what} role"),
                        description=_labels(body.get("description"), f"{what} description"),
                        proposed=proposed, wikidata=_wikidata(body, what))
        for ref, kind in (("country", "country"), ("parent", "entity"), ("employer", "entity")):
            node = body.get(ref)
            if node is not None:
                setattr(entity, ref, node.text_or_number(f"{what}.{ref}"))
                self.pending_refs.append((node, kind, getattr(entity, ref)))
                if ref == "parent":
                    self.parent_nodes[key] = node
        if entity.role and etype != "person":
            raise body.key_node("role").fail(f"{what}: only people have a role")
        self._put(self.registry.entities, key, entity, key_node)

    def _read_units(self, key: str, key_node: Node, value: Node) -> None:
        if not UNIT_KEY_RE.match(key):
            raise key_node.fail(f"unit key {key!r} is not valid", hint="use letters, digits and '-'")
        self._claim("units", key, key_node)
        what = f"unit {key}"
        body = value.mapping(what)
        body.check_keys({"label", "kind", "proposed", "wikidata"})
        kind_node = body.require("kind")
        kind = kind_node.string(f"{what}.kind")
        if kind not in UNIT_KINDS:
            raise kind_node.fail(f"{what}: unknown kind {kind!r}", hint=f"use one of: {', '.join(UNIT_KINDS)}")
        proposed = _proposed(body, what)
        label = _entry_labels(body, what, proposed)
        self._put(self.registry.units, key, Unit(key, label, kind, _origin(key_node), proposed,
                                                 _wikidata(body, what)), key_node)

    def _read_indicators(self, key: str, key_node: Node, value: Node) -> None:
        _slug(key_node, "indicator key")
        self._claim("indicators", key, key_node)
        what = f"indicator {key}"
        body = value.mapping(what)
        body.check_keys({"label", "unit", "description", "non_negative", "keywords", "required", "proposed",
                         "wikidata"})
        proposed = _proposed(body, what)
        label = _entry_labels(body, what, proposed)
        unit_node = body.require("unit")
        unit = unit_node.text_or_number(f"{what}.unit")
        self.pending_refs.append((unit_node, "unit", unit))
        nn = body.get("non_negative")
        self._put(self.registry.indicators, key, Indicator(
            key, label, unit, _origin(key_node), _labels(body.get("description"), f"{what} description"),
            nn.boolean(f"{what}.non_negative") if nn is not None else True,
            _aliases(body.get("keywords"), f"{what} keywords"), proposed, _wikidata(body, what),
            _aliases(body.get("required"), f"{what} required")),
            key_node)

    def _read_rankings(self, key: str, key_node: Node, value: Node) -> None:
        _slug(key_node, "ranking key")
        self._claim("rankings", key, key_node)
        what = f"ranking {key}"
        body = value.mapping(what)
        body.check_keys({"label", "publisher", "criterion", "size", "description", "keywords", "proposed",
                         "wikidata", "one_edition"})
        proposed = _proposed(body, what)
        label = _entry_labels(body, what, proposed)
        series = RankingSeries(key, label, None, _origin(key_node),
                               description=_labels(body.get("description"), f"{what} description"),
                               keywords=_aliases(body.get("keywords"), f"{what} keywords"),
                               proposed=proposed, wikidata=_wikidata(body, what))
        if (node := body.get("publisher")) is not None:
            series.publisher = node.text_or_number(f"{what}.publisher")
            self.pending_refs.append((node, "entity", series.publisher))
        if (node := body.get("criterion")) is not None:
            series.criterion = node.text_or_number(f"{what}.criterion")
            self.pending_refs.append((node, "indicator", series.criterion))
        if (node := body.get("size")) is not None:
            series.size = node.integer(f"{what}.size", minimum=1)
        if (node := body.get("one_edition")) is not None:
            series.one_edition = node.boolean(f"{what}.one_edition")
        self._put(self.registry.rankings, key, series, key_node)

    def _read_classifications(self, key: str, key_node: Node, value: Node) -> None:
        _slug(key_node, "classification key")
        self._claim("classifications", key, key_node)
        what = f"classification {key}"
        body = value.mapping(what)
        body.check_keys({"label", "publisher", "groups", "description", "proposed", "wikidata", "one_edition"})
        proposed = _proposed(body, what)
        label = _entry_labels(body, what, proposed)
        scheme = Classification(key, label, None, _origin(key_node),
                                description=_labels(body.get("description"), f"{what} description"),
                                proposed=proposed, wikidata=_wikidata(body, what))
        if (node := body.get("one_edition")) is not None:
            scheme.one_edition = node.boolean(f"{what}.one_edition")
        if (node := body.get("publisher")) is not None:
            scheme.publisher = node.text_or_number(f"{what}.publisher")
            self.pending_refs.append((node, "entity", scheme.publisher))
        groups = body.require("groups").mapping(f"{what} groups")
        for gkey, gkey_node, gvalue in groups.items():
            _slug(gkey_node, "group key")
            gwhat = f"group {key}/{gkey}"
            gbody = gvalue.mapping(gwhat)
            gbody.check_keys({"label", "tier", "keywords", "proposed", "wikidata"})
            gproposed = scheme.proposed or _proposed(gbody, gwhat)
            glabel = _entry_labels(gbody, gwhat, gproposed)
            tier = gbody.get("tier")
            scheme.groups[gkey] = Group(f"{key}/{gkey}", gkey, key, glabel, _origin(gkey_node),
                                        tier.integer(f"{gwhat}.tier", minimum=1) if tier is not None else None,
                                        _aliases(gbody.get("keywords"), f"{gwhat} keywords"),
                                        gproposed, _wikidata(gbody, gwhat))
        self._put(self.registry.classifications, key, scheme, key_node)

    def _read_languages(self, key: str, key_node: Node, value: Node) -> None:
        if not LANG_RE.match(key):
            raise key_node.fail(f"{key!r} is not a language tag", hint="use en, ko, ...")
        self._claim("languages", key, key_node)
        what = f"language {key}"
        body = value.mapping(what)
        body.check_keys({"home_country", "home_words", "scopes", "demonyms"})
        language = Language(key, _origin(key_node))
        if (node := body.get("home_country")) is not None:
            language.home_country = node.text_or_number(f"{what}.home_country")
            self.pending_refs.append((node, "country", language.home_country))
        if (node := body.get("home_words")) is not None:
            language.home_words = [item.string(f"{what}.home_words") for item in node.sequence(f"{what}.home_words")]
        if (node := body.get("demonyms")) is not None:
            for code, code_node, words_node in node.mapping(f"{what}.demonyms").items():
                dwhat = f"{what}.demonyms.{code}"
                if not ISO_RE.match(code):
                    raise code_node.fail(f"{what}.demonyms: {code!r} is not an ISO country code",
                                         hint="use a two-letter code such as KR")
                self.pending_refs.append((code_node, "country", code))
                words = []
                for item in words_node.sequence(dwhat):
                    word = item.string(dwhat)
                    if not word.strip():
                        raise item.fail(f"{dwhat}: a word is blank", hint="remove it")
                    words.append(word)
                language.demonyms[code] = words
        if (node := body.get("scopes")) is not None:
            for name, name_node, scope_node in node.mapping(f"{what}.scopes").items():
                if name not in SCOPES:
                    raise name_node.fail(f"{what}.scopes: unknown scope {name!r}",
                                         hint="use one of " + ", ".join(sorted(SCOPES)))
                swhat = f"{what}.scopes.{name}"
                sbody = scope_node.mapping(swhat)
                sbody.check_keys({"label", "sentence"})
                scope = Scope(name)
                for field_name in ("label", "sentence"):
                    if (word_list := sbody.get(field_name)) is not None:
                        items = []
                        for item in word_list.sequence(f"{swhat}.{field_name}"):
                            word = item.string(f"{swhat}.{field_name}")
                            if not word.strip():
                                raise item.fail(f"{swhat}.{field_name}: a word is blank", hint="remove it")
                            items.append(word)
                        setattr(scope, field_name, items)
                language.scopes[name] = scope
        self._put(self.registry.languages, key, language, key_node)

    def finish(self) -> Registry:
        # Every ISO 3166-1 country is an entity, listed or not, so the registry graph never depends on which
        # countries the articles happen to name (and unchanged articles can be skipped on a rebuild).
        for code in sorted(iso_codes() - set(self.registry.entities)):
            self.registry.entities[code] = make_country(code, None)
        for node, kind, key in self.pending_refs:
            resolve(self.registry, node, kind, key)
        self._check_parent_cycles()
        return self.registry

    def _check_parent_cycles(self) -> None:
        """Refuse x -> y -> x: an entity cannot be its own ancestor. The error points at the link that closes
        the cycle and names every entity on it."""
        acyclic: set[str] = set()
        for start in sorted(self.parent_nodes):
            chain: list[str] = []
            key: str | None = start
            while key is not None and key not in acyclic:
                if key in chain:
                    cycle = chain[chain.index(key):] + [key]
                    raise self.parent_nodes[chain[-1]].fail(
                        f"parent cycle: {' -> '.join(cycle)}",
                        hint="an entity cannot be its own parent or ancestor; remove one of these parent links")
                chain.append(key)
                key = self.registry.entities[key].parent
            acyclic.update(chain)


# ISO 3166-1 alpha-2 → Wikidata item, from the @ideditor/country-coder data package (tools/vendor_country_wikidata.py)
COUNTRY_WIKIDATA = Path(__file__).resolve().parent / "_vendor" / "country-coder" / "country-wikidata.json"


@functools.lru_cache(maxsize=1)
def country_wikidata() -> dict[str, str]:
    """The Wikidata item of every ISO 3166-1 country, keyed by alpha-2 code."""
    table: dict[str, str] = json.loads(COUNTRY_WIKIDATA.read_text(encoding="utf-8"))
    return table


def make_country(code: str, origin: Origin | None) -> Entity:
    import pycountry
    label = {lang: name for lang in _LABEL_LOCALES if (name := country_name(code, lang))}
    country = pycountry.countries.get(alpha_2=code)
    if country is None:  # pragma: no cover - callers pass codes of iso_codes() only
        raise ValueError(f"{code} is not an ISO 3166-1 alpha-2 code")
    if "en" not in label:  # pragma: no cover - every ISO code has an English CLDR name
        label["en"] = country.name
    return Entity(key=code, type="country", label=label, origin=origin, iso_code=code,
                  iso_alpha3=country.alpha_3, iso_numeric=country.numeric, wikidata=country_wikidata().get(code))


def resolve(registry: Registry, node: Node, kind: str, key: str) -> None:
    """Check that ``key`` names a ``kind`` the registry defines (every ISO country is always defined)."""
    if kind in ("entity", "country"):
        if key in registry.entities:
            if kind == "country" and registry.entities[key].type != "country":
                raise node.fail(f"{key!r} is not a country", hint="give an ISO 3166-1 alpha-2 code such as KR")
            return
        if ISO_RE.match(key):
            raise node.fail(f"{key!r} is not an ISO 3166-1 alpha-2 country code", hint="e.g. KR, US, CN")
        if kind == "country":
            raise node.fail(f"{key!r} is not a country code", hint="give an ISO 3166-1 alpha-2 code such as KR")
        raise node.fail(f"unknown entity {key!r}", hint=_suggest(key, registry.entities))
    tables: dict[str, dict[str, Unit] | dict[str, Indicator] | dict[str, RankingSeries]] = {
        "unit": registry.units, "indicator": registry.indicators, "ranking": registry.rankings}
    table = tables.get(kind)
    if table is not None:
        if key not in table:
            raise node.fail(f"unknown {kind} {key!r}", hint=_suggest(key, table))
        return
    if kind == "group":
        if registry.group(key) is None:
            known = [g.key for c in registry.classifications.values() for g in c.groups.values()]
            raise node.fail(f"unknown group {key!r}",
                            hint="write it as CLASSIFICATION/GROUP; " + _suggest(key, known))
        return
    raise AssertionError(kind)  # pragma: no cover


def load_registries(folders: list[Path]) -> Registry:
    builder = _RegistryBuilder()
    seen: set[Path] = set()
    for folder in folders:
        for path in sorted(folder.glob("*.yaml")):
            if path.resolve() not in seen:
                seen.add(path.resolve())
                builder.read(path, folder.resolve())
    return builder.finish()


def registry_files(folders: list[Path]) -> list[Path]:
    """The files ``load_registries(folders)`` reads (what a cached registry depends on)."""
    return [path for folder in folders for path in sorted(folder.glob("*.yaml"))]


# ------------------------------------------------------------------------------------------------ articles
# Which keys each mapping may and must hold, and how each value is typed, is declared in kg.schema (ARTICLE, FACT,
# EVIDENCE, EQUIVALENT); the reads below follow it, in the order that decides which of two problems is reported.


def load_article(path: Path, registry: Registry, *, text_dir: Path | None = None) -> Article:
    source = Source(path)
    top = source.root.mapping("a fact sheet")
    top.check_keys(SHEET.keys())
    article_node = SHEET["article"].node(top)
    assert article_node is not None   # required
    meta = _read_meta(article_node, registry, path)
    text = _article_text(meta, text_dir, article_node)
    facts: list[Fact] = []
    seen: dict[str, int] = {}
    facts_node = SHEET["facts"].node(top)
    for item in facts_node.sequence("facts") if facts_node is not None else []:
        fact = _read_fact(item, registry, meta, text)
        if fact.id in seen:
            raise _required(item.mapping("a fact"), FACT["id"]).fail(
                f"duplicate fact id {fact.id!r} (first at line {seen[fact.id]})", hint="fact ids must be unique")
        seen[fact.id] = fact.origin.line
        facts.append(fact)
    # the bytes read (decoding valid UTF-8 and encoding it again gives them back), not the text encoded again
    content = source.data if source.data is not None else source.text.encode("utf-8")
    return Article(meta=meta, facts=facts, path=path, content=content)


def _required(body: Mapping, field: Field) -> Node:
    """The value node of a key the schema declares required (the mapping's own error when it is missing)."""
    if not field.required:
        raise ValueError(f"{field.name} is optional in kg.schema")
    return body.require(field.name)


def _resolve(registry: Registry, node: Node, field: Field, key: str) -> None:
    """Check the reference ``key`` under ``field`` against the registries (what it refers to: kg.schema)."""
    if field.refers is None:
        raise ValueError(f"{field.name} refers to nothing in kg.schema")
    resolve(registry, node, field.refers, key)


def _read_meta(node: Node, registry: Registry, path: Path) -> ArticleMeta:
    body = node.mapping("article")
    body.check_keys(ARTICLE.keys())
    id_node = _required(body, ARTICLE["id"])
    article_id = _slug(id_node, "article id")
    if path.stem != article_id:
        raise id_node.fail(f"article id {article_id!r} does not match the file name {path.name!r}",
                           hint=f"rename the file to {article_id}.yaml or change the id")
    publisher_node = _required(body, ARTICLE["publisher"])
    publisher = ARTICLE["publisher"].value(publisher_node, "article")
    _resolve(registry, publisher_node, ARTICLE["publisher"], publisher)
    language_node = _required(body, ARTICLE["language"])
    language = ARTICLE["language"].value(language_node, "article")
    if not LANG_RE.match(language):
        raise language_node.fail(f"{language!r} is not a language tag", hint="use ko, en, ...")
    meta = ArticleMeta(
        id=article_id, title=ARTICLE["title"].read(body, "article"), publisher=publisher,
        language=language, published=ARTICLE["published"].read(body, "article"), origin=_origin(id_node),
        title_en=ARTICLE["title_en"].read(body, "article"),
        published_note=ARTICLE["published_note"].read(body, "article"),
        url=ARTICLE["url"].read(body, "article"),
        text_sha256=ARTICLE["text_sha256"].read(body, "article"))
    if meta.text_sha256 is not None and not re.fullmatch(r"[0-9a-f]{64}", meta.text_sha256):
        raise body.require("text_sha256").fail("article.text_sha256 must be 64 lowercase hex digits")
    if (draft := ARTICLE["draft"].read(body, "article")) is not None:
        meta.draft = draft
    if (recorded := ARTICLE["recorded"].read(body, "article")) is not None:
        meta.recorded = recorded
    if (mentions := ARTICLE["mentions"].node(body)) is not None:
        for item in mentions.sequence("article.mentions"):
            key = item.text_or_number("a mention")
            _resolve(registry, item, ARTICLE["mentions"], key)
            if key in meta.mentions:
                raise item.fail(f"{key!r} is mentioned twice", hint="list each entity once")
            meta.mentions.append(key)
    return meta


def _article_text(meta: ArticleMeta, text_dir: Path | None, node: Node) -> str | None:
    if text_dir is None:
        return None
    path = text_dir / f"{meta.id}.txt"
    if not path.is_file():
        return None
    data = path.read_bytes()
    if meta.text_sha256 is not None and hashlib.sha256(data).hexdigest() != meta.text_sha256:
        raise node.fail(f"{display_path(path)} does not match article.text_sha256",
                        hint="the evidence offsets were taken from a different version of the text")
    return decode_utf8(data, path)


def _read_fact(node: Node, registry: Registry, meta: ArticleMeta, text: str | None) -> Fact:
    body = node.mapping("a fact")
    id_node = _required(body, FACT["id"])
    fact_id = _slug(id_node, "fact id")
    what = f"fact {fact_id}"
    kind_field = FACT["kind"]
    kind_node = _required(body, kind_field)
    kind = kind_field.value(kind_node, what)
    if kind not in kind_field.values:
        raise kind_node.fail(f"{what}: unknown kind {kind!r}", hint=f"use one of: {', '.join(kind_field.values)}")
    body.check_keys(FACT.keys(kind))

    subject_node = _required(body, FACT["subject"])
    subject = FACT["subject"].value(subject_node, what)
    _resolve(registry, subject_node, FACT["subject"], subject)

    source = None
    if (source_node := FACT["source"].node(body)) is not None:
        source = FACT["source"].value(source_node, what)
        _resolve(registry, source_node, FACT["source"], source)
    attribution_field = FACT["attribution"]
    attribution_node = _required(body, attribution_field)
    attribution = attribution_field.value(attribution_node, what)
    if attribution not in attribution_field.values:
        raise attribution_node.fail(f"{what}: attribution {attribution!r} is not one of "
                                    f"{', '.join(attribution_field.values)}")
    if (attribution == "none") != (source is None):
        raise attribution_node.fail(
            f"{what}: attribution is {attribution!r} but " + ("a source is given" if source else "no source is given"),
            hint="use 'none' exactly when the article names no source")

    fact = Fact(id=fact_id, kind=kind, subject=subject,
                evidence=_read_evidence(_required(body, FACT["evidence"]), what, text),
                attribution=attribution, origin=_origin(node), source=source,
                period_note=FACT["period_note"].read(body, what), note=FACT["note"].read(body, what))
    if (approximate := FACT["approximate"].read(body, what)) is not None:
        fact.approximate = approximate
    fact.period = FACT["period"].read(body, what)
    if (n := FACT["confidence"].node(body)) is not None:
        fact.confidence = FACT["confidence"].value(n, what)
        if not 0 <= fact.confidence <= 1:
            raise n.fail(f"{what}.confidence must lie between 0 and 1, found {fact.confidence}")

    if kind == "observation":
        ind_node = _required(body, FACT["indicator"])
        fact.indicator = FACT["indicator"].value(ind_node, what)
        _resolve(registry, ind_node, FACT["indicator"], fact.indicator)
        fact.value = FACT["value"].read(body, what)
        fact.unit = registry.indicators[fact.indicator].unit
        if (n := FACT["unit"].node(body)) is not None:
            fact.unit = FACT["unit"].value(n, what)
            _resolve(registry, n, FACT["unit"], fact.unit)
        if (n := FACT["equivalent"].node(body)) is not None:
            fact.equivalent = _read_equivalent(n, registry, f"{what}.equivalent")
    elif kind == "rank":
        rk_node = _required(body, FACT["ranking"])
        fact.ranking = FACT["ranking"].value(rk_node, what)
        _resolve(registry, rk_node, FACT["ranking"], fact.ranking)
        rank_node = _required(body, FACT["rank"])
        fact.rank = FACT["rank"].value(rank_node, what)
        if (n := FACT["out_of"].node(body)) is not None:
            fact.out_of = FACT["out_of"].value(n, what)
            if fact.rank > fact.out_of:
                raise rank_node.fail(f"{what}: rank {fact.rank} is larger than out_of {fact.out_of}",
                                     hint="check both numbers against the article")
    else:
        group_node = _required(body, FACT["group"])
        fact.group = FACT["group"].value(group_node, what)
        _resolve(registry, group_node, FACT["group"], fact.group)
    _read_qualifier(body, fact, what)
    if (n := FACT["as_written"].node(body)) is not None:
        fact.as_written = FACT["as_written"].value(n, what)
        if fact.as_written not in fact.evidence.text:
            raise n.fail(f"{what}: as_written {fact.as_written!r} does not occur in the evidence text",
                         hint="copy the figure exactly as the sentence prints it")
    return fact


def _read_equivalent(node: Node, registry: Registry, what: str) -> Equivalent:
    body = node.mapping(what)
    body.check_keys(EQUIVALENT.keys())
    unit_node = _required(body, EQUIVALENT["unit"])
    unit = EQUIVALENT["unit"].value(unit_node, what)
    _resolve(registry, unit_node, EQUIVALENT["unit"], unit)
    value = EQUIVALENT["value"].read(body, what)
    approximate = EQUIVALENT["approximate"].read(body, what)
    return Equivalent(value, unit, bool(approximate))


def _read_qualifier(body: Mapping, fact: Fact, what: str) -> None:
    """``qualifier``, ``value_high`` (the high end of a range, nothing else) and ``inferred`` (a reason)."""
    if (n := FACT["inferred"].node(body)) is not None:
        fact.inferred = FACT["inferred"].value(n, what).strip()
        if not fact.inferred:
            raise n.fail(f"{what}.inferred is empty", hint="say why the fact was inferred rather than read, or "
                         "leave the key out when the text states it")
    q_node = FACT["qualifier"].node(body)
    if q_node is not None:
        fact.qualifier = FACT["qualifier"].value(q_node, what)
        allowed = KIND_QUALIFIERS[fact.kind]
        if fact.qualifier not in allowed:
            known = fact.qualifier in QUALIFIERS
            raise q_node.fail(f"{what}: " + (f"a {fact.kind} fact cannot be qualified as {fact.qualifier!r}" if known
                                             else f"unknown qualifier {fact.qualifier!r}"),
                              hint=f"use one of: {', '.join(allowed)}")
    high_node = FACT["value_high"].node(body)
    if high_node is not None:
        fact.value_high = FACT["value_high"].value(high_node, what)
        if fact.qualifier != "range":
            raise high_node.fail(f"{what}: value_high is only for a range",
                                 hint="add 'qualifier: range' (value is then the low end), or remove value_high")
        if fact.value is not None and fact.value_high < fact.value:
            raise high_node.fail(f"{what}: value_high {fact.value_high} is below value {fact.value}",
                                 hint="a range gives its low end as value and its high end as value_high")
    elif fact.qualifier == "range" and q_node is not None:
        raise q_node.fail(f"{what}: a range needs value_high",
                          hint="give the low end as value and the high end as value_high")


def _read_evidence(node: Node, what: str, text: str | None) -> Evidence:
    prefix = f"{what}.evidence"
    body = node.mapping(prefix)
    body.check_keys(EVIDENCE.keys())
    evidence = Evidence(EVIDENCE["text"].read(body, prefix))
    start, end = EVIDENCE["start"].node(body), EVIDENCE["end"].node(body)
    if (start is None) != (end is None):
        raise node.fail(f"{what}.evidence needs both start and end, or neither")
    if start is not None and end is not None:
        evidence.start = EVIDENCE["start"].value(start, prefix)
        evidence.end = EVIDENCE["end"].value(end, prefix)
        if evidence.end <= evidence.start:
            raise end.fail(f"{what}.evidence.end ({evidence.end}) must be larger than start ({evidence.start})")
        if evidence.end - evidence.start != len(evidence.text):
            raise end.fail(f"{what}.evidence spans {evidence.end - evidence.start} characters "
                           f"({evidence.start}..{evidence.end}) but its text has {len(evidence.text)}",
                           hint="the offsets must cover exactly the quoted text (Python string offsets)")
        if text is not None and text[evidence.start:evidence.end] != evidence.text:
            raise start.fail(f"{what}: the article text at {evidence.start}..{evidence.end} is not the quoted "
                             "evidence", hint="fix the offsets or the quote")
    return evidence


# ------------------------------------------------------------------------------------------------ corpus
def _yaml_files(folder: Path, links: dict[str, bool]) -> list[tuple[str, str | None]]:
    """The ``*.yaml`` entries of ``folder`` by name (the order of sorting their paths), as ``glob`` gives them
    (``str`` of each path: a ``Path`` per sheet was a tenth of a second at 10,000 sheets), each with its real
    path (its resolved folder and its name; None for a symbolic link, resolved by the caller); ``links`` gets
    whether each is a symbolic link (known from the listing: no stat per file)."""
    try:
        with os.scandir(folder) as listing:
            found = {entry.name: entry.is_symlink() for entry in listing
                     if entry.name.endswith(".yaml") and not entry.name.endswith(".proposed.yaml")}
    except (FileNotFoundError, NotADirectoryError):
        return []
    real = os.path.join(str(folder.resolve()), "")   # one resolve per folder, not per file
    within = str(folder)
    within = "" if within == "." else within + ("" if within.endswith("/") else "/")   # as str(folder / name)
    files: list[tuple[str, str | None]] = []
    for name in sorted(found):
        path = within + name
        link = found[name]
        links[path] = link
        files.append((path, None if link else real + name))
    return files


def discover(paths: list[Path], links: dict[str, bool] | None = None) -> tuple[list[Path], list[Path]]:
    """The registry folders and the fact sheets ``paths`` name. ``links`` (when given) gets, for each listed
    sheet (``str`` of its path), whether it is a symbolic link (known from the listing: no stat per file)."""
    registry_dirs, names = discover_names(paths, links)
    return registry_dirs, [Path(name) for name in names]


def discover_names(paths: list[Path], links: dict[str, bool] | None = None) -> tuple[list[Path], list[str]]:
    """``discover`` with each fact sheet's path as ``str`` (``str`` of the ``Path`` discover gives)."""
    registry_dirs: list[Path] = []
    # each sheet with its real path when known (a listed sheet that is not a link); `kg extract` writes
    # <id>.proposed.yaml (suggested registry entries) beside a draft: it is not a fact sheet
    article_files: list[tuple[str, str | None]] = []
    links = {} if links is None else links   # a listed file -> whether it is a symbolic link
    for path in paths:
        if path.is_dir():
            if (path / "registries").is_dir() or (path / "articles").is_dir():
                registry_dirs.append(path / "registries")
                article_files.extend(_yaml_files(path / "articles", links))
            else:
                article_files.extend(_yaml_files(path, links))
                registry_dirs.append(path.parent / "registries")
        elif path.is_file():
            if not path.name.endswith(".proposed.yaml"):
                article_files.append((str(path), None))
            registry_dirs.append(path.parent.parent / "registries")
        else:
            raise InputError("no such file or folder", location=Location.of(path),
                             hint="give a data folder (with registries/ and articles/) or fact sheet files")
    unique_dirs: list[Path] = []
    for folder in registry_dirs:
        if folder.is_dir() and folder.resolve() not in {d.resolve() for d in unique_dirs}:
            unique_dirs.append(folder)
    unique_files: dict[str, str] = {}
    folders: dict[str, str] = {}   # a folder -> its resolved path: one resolve per folder, not per file
    for name, known in article_files:
        real = known
        if real is None:
            if links[name] if name in links else os.path.islink(name):
                real = str(Path(name).resolve())
            else:
                within, base = os.path.split(name)
                if within not in folders:
                    folders[within] = str(Path(within).resolve())
                real = os.path.join(folders[within], base)
        unique_files.setdefault(real, name)
    return unique_dirs, list(unique_files.values())
