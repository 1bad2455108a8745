"""Writing drafts as YAML: libyaml's emitter where it gives the bytes of PyYAML's pure-Python one, that one elsewhere.

A module of its own, run as Python: the rest of kg/extract is compiled by mypyc (kg/native.py), which takes
neither the Dumper class made only when PyYAML has libyaml nor the lone surrogates in the regex below.
"""
from __future__ import annotations

import re
from decimal import Decimal

import yaml


class _Dumper(yaml.SafeDumper):
    """PyYAML's pure-Python emitter: the reference output of a draft."""


def _decimal(dumper: yaml.representer.SafeRepresenter, value: Decimal) -> yaml.ScalarNode:
    text = format(value, "f")
    tag = "tag:yaml.org,2002:int" if "." not in text else "tag:yaml.org,2002:float"
    return dumper.represent_scalar(tag, text)


_Dumper.add_representer(Decimal, _decimal)

# libyaml's emitter (the same representer and resolver, the emitting in C) writes the same bytes ten times faster,
# except where the two emitters disagree: a plain-looking scalar holding U+0085, a character outside the Basic
# Multilingual Plane or a lone surrogate, and mapping keys that are not short plain words (tests/
# test_extract_fast_paths.py compares them); such data goes through the Python emitter.
_CDumper: type[yaml.CSafeDumper] | None = None
if getattr(yaml, "__with_libyaml__", False):
    class _CSafeDumper(yaml.CSafeDumper):
        pass

    _CSafeDumper.add_representer(Decimal, _decimal)
    _CDumper = _CSafeDumper
_EMITTERS_DIFFER = re.compile("[\x85\ud800-\udfff\U00010000-\U0010ffff]")
_PLAIN_KEY = re.compile(r"[A-Za-z0-9_-]{1,100}")


def _same_in_c(node: object) -> bool:
    """Whether libyaml's emitter writes ``node`` exactly as the Python emitter does."""
    if isinstance(node, str):
        return _EMITTERS_DIFFER.search(node) is None
    if isinstance(node, dict):
        return all(isinstance(k, str) and _PLAIN_KEY.fullmatch(k) and _same_in_c(v) for k, v in node.items())
    if isinstance(node, list):
        return all(_same_in_c(v) for v in node)
    return True


def dump_yaml(data: object) -> str:
    dumper = _CDumper if _CDumper is not None and _same_in_c(data) else _Dumper
    return yaml.dump(data, Dumper=dumper, allow_unicode=True, sort_keys=False, width=100000,
                     default_flow_style=False)


def dump_yaml_python(data: object) -> str:
    """The same through the pure-Python emitter only (what :func:`dump_yaml` must equal)."""
    return yaml.dump(data, Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=100000,
                     default_flow_style=False)
