"""The migrations themselves: the everyday SQLite suite builds its tables from the models
(tests/conftest.py), so this migrates a fresh database from zero, and checks that the models
and migrations agree. The PostgreSQL run migrates its test database from zero as well."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _manage(*args: str, database_url: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "DJANGO_DEBUG": "true", "DATABASE_URL": database_url, "DJANGO_SETTINGS_MODULE": "partnerhub.settings"}
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True)


def test_a_fresh_database_migrates_from_zero_and_holds_the_data_migrations_rows(tmp_path):
    database_url = f"sqlite:///{tmp_path / 'fresh.sqlite3'}"
    migrated = _manage("migrate", "--noinput", database_url=database_url)
    assert migrated.returncode == 0, migrated.stderr[-3000:]
    shown = _manage("showmigrations", "--plan", database_url=database_url)
    assert "[ ]" not in shown.stdout  # every migration applied
    count = _manage(
        "shell", "-c",
        "from django.contrib.auth.models import Group; from partners.models import PartnerType; "
        "print(Group.objects.count(), PartnerType.objects.count())",
        database_url=database_url,
    )  # fmt: skip
    assert count.stdout.split()[-2:] == ["4", "4"], count.stdout + count.stderr


def test_models_and_migrations_agree(tmp_path):
    result = _manage("makemigrations", "--check", "--dry-run", database_url=f"sqlite:///{tmp_path / 'x.sqlite3'}")
    assert result.returncode == 0, result.stdout + result.stderr
