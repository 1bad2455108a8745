"""docs/cli.md and the README's command table are generated from the CLI; they must match it exactly."""
from __future__ import annotations

import re
from pathlib import Path

import click
import pytest

from kg.cli import cli
from kg.clidoc import README_END, README_START, cli_reference, command_table, replace_readme_block
from kg.errors import InputError

ROOT = Path(__file__).resolve().parent.parent
STALE = "is out of date: run `python3 dev.py docs` and commit the result"


def test_docs_cli_md_is_the_generated_reference():
    assert (ROOT / "docs" / "cli.md").read_text(encoding="utf-8") == cli_reference(cli), f"docs/cli.md {STALE}"


def test_readme_command_table_is_the_generated_one():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert replace_readme_block(readme, command_table(cli)) == readme, f"README.md's command table {STALE}"


def test_every_command_and_option_is_documented_in_its_own_section():
    reference = cli_reference(cli)
    sections = dict(re.findall(r"^## kg (\S+)\n(.*?)(?=^## kg |\Z)", reference, flags=re.M | re.S))
    ctx = click.Context(cli, info_name="kg")
    assert set(sections) == set(cli.list_commands(ctx))
    for name, section in sections.items():
        command = cli.get_command(ctx, name)
        for param in command.params:
            for opt in getattr(param, "opts", []):
                if opt.startswith("-"):
                    assert f"`{opt}`" in section, f"kg {name}: {opt} is missing from docs/cli.md"
        summary = command.get_short_help_str(limit=200)
        assert summary in command_table(cli), name


def test_a_readme_without_the_markers_is_refused_with_the_file_named():
    with pytest.raises(InputError, match=r"README\.md: no .*cli-commands"):
        replace_readme_block("# no table here\n", command_table(cli))
    text = f"a\n{README_START}\nold\n{README_END}\nb\n"
    assert replace_readme_block(text, "new\n") == f"a\n{README_START}\nnew\n{README_END}\nb\n"


def test_every_environment_variable_of_an_option_is_a_documented_setting():
    from kg.settings import SETTINGS

    reference = cli_reference(cli)
    settings_env = {setting.env for setting in SETTINGS.values()}
    ctx = click.Context(cli, info_name="kg")
    for name in cli.list_commands(ctx):
        for param in cli.get_command(ctx, name).params:
            if isinstance(param, click.Option) and param.envvar:
                assert param.envvar in settings_env, f"kg {name} {param.opts[0]}: {param.envvar} is not in kg.settings"
    for setting in SETTINGS.values():
        assert f"`{setting.env}`" in reference.split("## Settings", 1)[1], setting.name


def test_the_library_reads_the_same_settings_as_the_cli(monkeypatch, tmp_path):
    from kg import api
    from kg.errors import StoreError

    monkeypatch.setenv("KG_STORE", str(tmp_path / "elsewhere"))
    with pytest.raises(StoreError, match="elsewhere"):
        api.facts()   # no store there yet: the error names the folder KG_STORE points at


def test_a_malformed_count_setting_is_an_input_error_naming_the_variable(monkeypatch):
    from kg import settings

    monkeypatch.setenv("KG_JOBS", "many")
    with pytest.raises(InputError, match="KG_JOBS must be a whole number"):
        settings.count("jobs")
    monkeypatch.setenv("KG_JOBS", "3")
    assert settings.count("jobs") == 3
