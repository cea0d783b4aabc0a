"""`talenta deploy compose-env` writes a complete, private .env and never silently rotates secrets."""

from __future__ import annotations

import argparse
import stat

from cryptography.fernet import Fernet

from talenta.deploy import cli
from talenta.deploy.compose import ENV_NAMES, SECRET_NAMES, read_env, write_env


def test_write_env_generates_every_name_privately(tmp_path):
    path = write_env(tmp_path / ".env")
    values = read_env(path)
    assert set(values) == set(ENV_NAMES)
    assert all(values[name] for name in SECRET_NAMES)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    token = Fernet(values["AIRFLOW__CORE__FERNET_KEY"].encode()).encrypt(b"conn-password")
    assert Fernet(values["AIRFLOW__CORE__FERNET_KEY"].encode()).decrypt(token) == b"conn-password"
    other = read_env(write_env(tmp_path / "other.env"))
    assert all(other[name] != values[name] for name in SECRET_NAMES)


def test_existing_values_are_kept_unless_rotated(tmp_path):
    path = tmp_path / ".env"
    path.write_text("POSTGRES_PASSWORD=kept\nMY_EXTRA=1\n")
    values = read_env(write_env(path))
    assert values["POSTGRES_PASSWORD"] == "kept" and values["MY_EXTRA"] == "1"
    assert values["AIRFLOW__API_AUTH__JWT_SECRET"]
    again = read_env(write_env(path))
    assert again == values
    rotated = read_env(write_env(path, force=True))
    assert rotated["POSTGRES_PASSWORD"] != "kept"
    assert rotated["AIRFLOW__CORE__FERNET_KEY"] != values["AIRFLOW__CORE__FERNET_KEY"]


def test_cli_prints_no_secret(tmp_path, capsys):
    target = tmp_path / ".env"
    parser = argparse.ArgumentParser()
    cli.register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(["deploy", "compose-env", "--path", str(target)])
    assert args.func(args) == 0
    out = capsys.readouterr().out
    for name in SECRET_NAMES:
        assert read_env(target)[name] not in out
