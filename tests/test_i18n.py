"""The zh-hans catalogue is complete, compiled, and covers every string in the source."""

import shutil
import subprocess
import sys
from pathlib import Path

from django.utils import translation

import polib
import pytest

ROOT = Path(__file__).resolve().parent.parent
CATALOGUE = ROOT / "locale" / "zh_Hans" / "LC_MESSAGES"
SOURCES = [
    "manage.py",
    "config",
    "templates",
    "locale",
    "stations",
    "projects",
    "talent",
    "orgs",
    "volunteers",
    "charity",
    "reports",
]


def _translated(po: polib.POFile) -> set[tuple[str | None, str]]:
    return {(entry.msgctxt, entry.msgid) for entry in po.translated_entries()}


def test_every_catalogue_entry_is_translated():
    po = polib.pofile(str(CATALOGUE / "django.po"))
    missing = [entry.msgid for entry in po if not entry.obsolete and not entry.translated()]
    assert missing == []


def test_the_compiled_catalogue_matches_the_source_catalogue():
    po = polib.pofile(str(CATALOGUE / "django.po"))
    mo = polib.mofile(str(CATALOGUE / "django.mo"))
    assert _translated(po) == _translated(mo)


@pytest.mark.skipif(shutil.which("xgettext") is None, reason="needs GNU gettext (xgettext)")
def test_every_source_string_is_in_the_catalogue(tmp_path):
    for name in SOURCES:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, tmp_path / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy(source, tmp_path / name)
    subprocess.run(
        [sys.executable, "manage.py", "makemessages", "-l", "zh_Hans", "--no-obsolete"],
        cwd=tmp_path,
        check=True,
        capture_output=True,
        env={
            "PATH": "/usr/bin:/bin",
            "DJANGO_SETTINGS_MODULE": "config.settings.test",
            "DATABASE_URL": "sqlite:///:memory:",
        },
        timeout=300,
    )
    fresh = polib.pofile(str(tmp_path / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"))
    untranslated = sorted(entry.msgid for entry in fresh if not entry.translated())
    assert untranslated == []


def test_model_labels_render_in_chinese():
    from stations.models import AdminArea

    with translation.override("zh-hans"):
        assert str(AdminArea._meta.verbose_name) == "区划"
        assert str(AdminArea.Level.TOWNSHIP.label) == "乡镇（街道）"


def test_the_apps_of_the_project_and_the_audit_log_are_named_in_chinese():
    from django.apps import apps

    with translation.override("zh-hans"):
        names = {
            label: str(apps.get_app_config(label).verbose_name)
            for label in ("stations", "auditlog")
        }

    assert names == {"stations": "区划与社工站", "auditlog": "审计日志"}
