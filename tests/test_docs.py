"""Every CLI command and every setting is documented in the README."""

from __future__ import annotations

from pathlib import Path

from models.settings import Settings
from web.cli import cli

README = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")


def test_every_cli_command_is_documented():
    missing = [name for name in cli.commands if f"`knowhow {name}" not in README]
    assert missing == []


def test_every_setting_is_documented():
    missing = [name for name in Settings.model_fields if f"`KNOWHOW_{name.upper()}`" not in README]
    assert missing == []
