"""Settings and the estate file: bad values stop start-up with the field's name."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from pydantic import SecretStr, ValidationError

from bot.estate import ConfigError, load_estate
from bot.settings import Settings
from workflow.model import Category, DeadlineKind, Severity, Urgency
from workflow.roles import Role

ROOT = Path(__file__).resolve().parent.parent

MINIMAL = """
name = "Test Estate"
[[buildings]]
id = "A"
units = ["1A", "1B"]
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "estate.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_the_committed_example_is_valid() -> None:
    estate = load_estate(ROOT / "estate.toml")
    assert estate.timezone == "Asia/Hong_Kong"
    assert "12A" in estate.buildings[0].unit_ids()


def test_defaults_follow_the_workflow(tmp_path: Path) -> None:
    policy = load_estate(write(tmp_path, MINIMAL)).policy()
    limits = policy.deadlines.for_case(Category.REPAIR, Severity.GENERAL, Urgency.URGENT)
    assert limits == {
        DeadlineKind.ACKNOWLEDGE: timedelta(minutes=30),
        DeadlineKind.ON_SITE: timedelta(minutes=30),
        DeadlineKind.RESOLVE: timedelta(hours=24),
    }
    assert policy.repeat_window == timedelta(days=7)


def test_overrides_reach_the_policy(tmp_path: Path) -> None:
    text = (
        MINIMAL
        + """
[deadlines]
acknowledge = { general = "20m", major = "10m", critical = "2m" }
[[deadlines.overrides]]
category = "cleaning"
severity = "major"
resolve = "4h"
[[routing]]
category = "cleaning"
severity = "general"
handler = "cleaning_supervisor"
"""
    )
    policy = load_estate(write(tmp_path, text)).policy()
    assert policy.deadlines.for_case(Category.CLEANING, Severity.MAJOR, None) == {
        DeadlineKind.ACKNOWLEDGE: timedelta(minutes=10),
        DeadlineKind.RESOLVE: timedelta(hours=4),
    }
    route = policy.routing.route_for(Category.CLEANING, Severity.GENERAL)
    assert route.handler is Role.CLEANING_SUPERVISOR


TOP = 'name = "Test Estate"\n{}\n[[buildings]]\nid = "A"\nunits = ["1A"]\n'


@pytest.mark.parametrize(
    ("text", "field", "reason"),
    [
        (TOP.format('timezone = "Mars/Olympus"'), "timezone", "unknown time zone"),
        (TOP.format('default_language = "fr"'), "default_language", "Input should be"),
        (TOP.format('colour = "blue"'), "colour", "Extra inputs"),
        (
            MINIMAL
            + '[deadlines]\nacknowledge = { general = "30x", major = "15m", critical = "5m" }',
            "deadlines.acknowledge.general",
            "not a duration",
        ),
        (MINIMAL + '[deadlines]\nfeedback_reminder = "80h"', "deadlines", "before feedback_close"),
        (
            MINIMAL + '[[routing]]\ncategory = "security"\nseverity = "general"\nhandler = "guard"',
            "routing",
            "never reach the guards",
        ),
        (
            MINIMAL + '[[routing]]\ncategory = "repair"\nseverity = "general"\nhandler = "plumber"',
            "routing.0.handler",
            "Input should be",
        ),
        ('name = "No buildings"\n', "buildings", "Field required"),
        (
            MINIMAL + '[names.roles.manager]\nzh-Hant = "總幹事"\nen = "general manager"\n',
            "names.roles.manager.zh-Hans",
            "Field required",
        ),
        (
            MINIMAL + '[names.roles.boss]\nzh-Hant = "老闆"\nzh-Hans = "老板"\nen = "boss"\n',
            "names.roles.boss",
            "not a known id",
        ),
        (
            MINIMAL + '[names.categories.repair]\nzh-Hant = "修繕"\nzh-Hans = "维修"\nen = " "\n',
            "names.categories.repair.en",
            "at least 1 character",
        ),
        (
            MINIMAL
            + '[names.categories.parking]\nzh-Hant = "泊車"\nzh-Hans = "停车"\nen = "Parking"\n',
            "names.categories.parking",
            "not a known id",
        ),
        (
            TOP.format("").replace(
                'id = "A"', 'id = "A"\nname = { zh-Hant = "A座", en = "Block A" }'
            ),
            "buildings.0.name.zh-Hans",
            "Field required",
        ),
        (
            MINIMAL
            + '[[shifts]]\nname = { zh-Hant = "日更", zh-Hans = "白班", en = "day shift" }\n'
            + 'start = "07:00"\nend = "19:00"\n',
            "shifts.0.id",
            "Field required",
        ),
    ],
)
def test_a_bad_value_names_its_field(tmp_path: Path, text: str, field: str, reason: str) -> None:
    with pytest.raises(ConfigError) as error:
        load_estate(write(tmp_path, text))
    message = str(error.value)
    assert f": {field}:" in message
    assert reason in message


def test_the_committed_example_names_its_places_in_each_language() -> None:
    estate = load_estate(ROOT / "estate.toml")
    assert estate.own_words("zh-Hans")["shift.day"] == "白班"
    assert estate.own_words("en")["building.A"] == "Block A"
    assert estate.own_words("zh-Hant")["checkpoint.B-carpark"] == "B座停車場"


def test_a_plain_string_names_a_place_in_every_language(tmp_path: Path) -> None:
    text = MINIMAL.replace('id = "A"', 'id = "A"\nname = "Harbour Tower"')
    text += '[[shifts]]\nname = "day"\nstart = "07:00"\nend = "19:00"\n'
    estate = load_estate(write(tmp_path, text))
    for language in ("zh-Hant", "zh-Hans", "en"):
        words = estate.own_words(language)
        assert (words["building.A"], words["shift.day"]) == ("Harbour Tower", "day")
    assert estate.shifts[0].id == "day", "a plain-string name is the shift's id"


def test_renamed_roles_and_categories_are_the_estates_words(tmp_path: Path) -> None:
    text = MINIMAL + (
        '[names.roles.manager]\nzh-Hant = "總幹事"\nzh-Hans = "总干事"\nen = "general manager"\n'
        '[names.categories.repair]\nzh-Hant = "修繕"\nzh-Hans = "维修"\nen = "Repairs"\n'
    )
    words = load_estate(write(tmp_path, text)).own_words("zh-Hant")
    assert words == {
        "estate.name": "Test Estate",
        "role.manager": "總幹事",
        "category.repair": "修繕",
    }


def test_a_missing_file_says_so(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="file not found"):
        load_estate(tmp_path / "nope.toml")


def test_admin_ids_are_comma_separated(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ADMIN_IDS", "11, 22,33")
    assert Settings(_env_file=None).admin_ids == [11, 22, 33]  # type: ignore[call-arg]


def _run_bot(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=tmp_path,
        env={
            "PATH": "/usr/bin:/bin",
            "PYTHONPATH": str(ROOT),
            "ESTATE_CONFIG": str(ROOT / "estate.toml"),
            **env,
        },
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_without_a_token_the_playground_starts_and_says_so(tmp_path: Path) -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "bot"],
        cwd=tmp_path,
        env={
            "PATH": "/usr/bin:/bin",
            "PYTHONPATH": str(ROOT),
            "PLAYGROUND_PORT": "0",
            "ESTATE_CONFIG": str(ROOT / "estate.toml"),
        },
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert process.stdout is not None
        banner = [process.stdout.readline() for _ in range(3)]
    finally:
        process.terminate()
        process.wait(timeout=20)
        if process.stdout is not None:
            process.stdout.close()
    assert "local simulation" in banner[0]
    assert "http://127.0.0.1:" in banner[1]
    assert "BOT_TOKEN" in banner[2], "it says how to run the real bot"


def test_a_bad_setting_is_named_in_one_line(tmp_path: Path) -> None:
    result = _run_bot(tmp_path, "check", ADMIN_IDS="12,abc")
    assert result.returncode == 2
    assert "ADMIN_IDS[1]" in result.stderr
    assert "Traceback" not in result.stderr


def test_help_and_check_work(tmp_path: Path) -> None:
    assert "estate-desk" in _run_bot(tmp_path, "--help").stdout
    checked = _run_bot(tmp_path, "check")
    assert checked.returncode == 0
    assert "Harbour View Gardens" in checked.stdout


def test_a_service_without_a_token_refuses_to_start_instead_of_playing(tmp_path: Path) -> None:
    result = _run_bot(tmp_path, "run")
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1, result.stderr
    assert "BOT_TOKEN is not set" in result.stderr
    assert "playground" not in result.stdout


def test_the_backup_command_writes_a_checked_dated_copy_and_keeps_the_newest(
    tmp_path: Path,
) -> None:
    database = tmp_path / "desk.sqlite3"
    raw = sqlite3.connect(database)
    raw.execute("CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, applied_at TEXT)")
    raw.execute("INSERT INTO schema_migrations VALUES (7, 'then')")
    raw.commit()
    raw.close()
    folder = tmp_path / "backups"
    folder.mkdir()
    for day in range(1, 4):
        (folder / f"estate-desk-2026010{day}-030000.sqlite3").write_bytes(b"")

    made = _run_bot(tmp_path, "backup", str(folder), "--keep", "2", DATABASE_PATH=str(database))
    missing = _run_bot(tmp_path, "backup", str(folder), DATABASE_PATH=str(tmp_path / "no.db"))

    assert made.returncode == 0, made.stderr
    assert "schema version 7, checked" in made.stdout
    kept = sorted(p.name for p in folder.iterdir())
    assert len(kept) == 2
    assert kept[0] == "estate-desk-20260103-030000.sqlite3"
    assert missing.returncode == 2
    assert "no database there" in missing.stderr
    assert not (tmp_path / "no.db").exists()


def test_a_webhook_secret_telegram_would_refuse_is_refused_at_start_up() -> None:
    with pytest.raises(ValidationError, match="only A-Z, a-z, 0-9, _ and -"):
        Settings(
            _env_file=None,  # type: ignore[call-arg]
            webhook_url="https://x.example/t",
            webhook_secret=SecretStr("a b"),
        )


def test_blank_optional_settings_in_the_example_file_mean_unset() -> None:
    settings = Settings(_env_file=Path(__file__).parents[1] / ".env.example")  # type: ignore[call-arg]
    assert settings.webhook_url is None
    assert settings.webhook_secret is None
    assert settings.backup_dir is None
