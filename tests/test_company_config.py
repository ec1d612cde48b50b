"""The company file (COMPANY_CONFIG): several estates, each with its own estate
file and bot token; a bad value stops start-up naming its field."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from bot.company import load_company, pool_size, site_settings
from bot.estate import ConfigError
from bot.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
PG = "postgresql://desk@db:5432/company"
TOKENS = {"BOT_TOKEN_SHATIN": "111:AAA", "BOT_TOKEN_TAIPO": "222:BBB"}

GOOD = """
[company]
name = { zh-Hant = "海港物業管理", zh-Hans = "海港物业管理", en = "Harbour Property Management" }
staff = [900001, 900002]

[[estates]]
id = "shatin"
config = "estates/shatin.toml"
token_env = "BOT_TOKEN_SHATIN"

[[estates]]
id = "taipo"
config = "estates/taipo.toml"
token_env = "BOT_TOKEN_TAIPO"
"""

ESTATE = """
name = "{name}"
[[buildings]]
id = "A"
units = ["1A", "1B"]
"""


def company_dir(tmp_path: Path, text: str = GOOD) -> Path:
    (tmp_path / "estates").mkdir(exist_ok=True)
    for estate in ("shatin", "taipo"):
        path = tmp_path / "estates" / f"{estate}.toml"
        path.write_text(ESTATE.format(name=estate.title()), encoding="utf-8")
    path = tmp_path / "company.toml"
    path.write_text(text, encoding="utf-8")
    return path


def settings(path: Path, **values: object) -> Settings:
    values.setdefault("database_url", PG)
    return Settings(_env_file=None, company_config=path, **values)  # type: ignore[call-arg, arg-type]


def test_a_company_file_gives_each_estate_its_file_token_and_schema(tmp_path: Path) -> None:
    company = load_company(settings(company_dir(tmp_path)), TOKENS)

    assert company.name.en == "Harbour Property Management"
    assert company.staff == (900001, 900002)
    assert [(s.id, s.schema, s.estate.name.en) for s in company.sites] == [
        ("shatin", "estate_shatin", "Shatin"),
        ("taipo", "estate_taipo", "Taipo"),
    ]
    view = site_settings(settings(company_dir(tmp_path)), company.site("taipo"))
    assert view.bot_token is not None
    assert view.bot_token.get_secret_value() == "222:BBB"
    assert view.estate_config == tmp_path / "estates" / "taipo.toml"


@pytest.mark.parametrize(
    ("change", "field", "reason"),
    [
        (('id = "taipo"', 'id = "Tai Po"'), "estates[1].id", "should match pattern"),
        (('id = "taipo"', 'id = "shatin"'), "estates", "given twice"),
        (("staff = [900001, 900002]", 'staff = ["boss"]'), "company.staff[0]", "integer"),
        (('token_env = "BOT_TOKEN_TAIPO"', 'token_env = "BOT TOKEN"'), "estates[1].token_env", ""),
        (('config = "estates/taipo.toml"\n', ""), "estates[1].config", "Field required"),
        (("[company]", "[company]\ncolour = 'blue'"), "company.colour", "Extra inputs"),
    ],
)
def test_a_bad_value_names_its_field(
    tmp_path: Path, change: tuple[str, str], field: str, reason: str
) -> None:
    path = company_dir(tmp_path, GOOD.replace(*change))
    with pytest.raises(ConfigError) as refused:
        load_company(settings(path), TOKENS)
    assert f"{path}: {field}: " in str(refused.value)
    assert reason in str(refused.value)


def test_a_missing_token_names_the_estate_and_its_variable(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"estates\[1\]\.token_env: BOT_TOKEN_TAIPO is not set"):
        load_company(settings(company_dir(tmp_path)), {"BOT_TOKEN_SHATIN": "111:AAA"})


def test_two_estates_with_one_token_stop_start_up(tmp_path: Path) -> None:
    same = {"BOT_TOKEN_SHATIN": "111:AAA", "BOT_TOKEN_TAIPO": "111:AAA"}
    with pytest.raises(ConfigError, match=r"estates\[1\]\.token_env: .*same bot token"):
        load_company(settings(company_dir(tmp_path)), same)


def test_a_bad_estate_file_is_named_with_the_estate(tmp_path: Path) -> None:
    path = company_dir(tmp_path)
    (tmp_path / "estates" / "taipo.toml").write_text('name = "Tai Po"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match=r"estates\[1\]\.config: .*taipo\.toml: buildings"):
        load_company(settings(path), TOKENS)


def test_several_estates_on_sqlite_are_refused_naming_both_settings(tmp_path: Path) -> None:
    path = company_dir(tmp_path)
    with pytest.raises(ConfigError, match=r"COMPANY_CONFIG.*DATABASE_URL"):
        load_company(settings(path, database_url=None), TOKENS)


def test_several_estates_are_served_by_polling_not_a_webhook(tmp_path: Path) -> None:
    path = company_dir(tmp_path)
    hooked = settings(path, webhook_url="https://desk.example/hook", webhook_secret="s3cret")
    with pytest.raises(ConfigError, match=r"COMPANY_CONFIG.*WEBHOOK_URL"):
        load_company(hooked, TOKENS)


def run_check(tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", "check"],
        cwd=tmp_path,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT), **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_check_reads_the_company_file_and_every_estate_file(tmp_path: Path) -> None:
    path = company_dir(tmp_path)
    (tmp_path / ".env").write_text("BOT_TOKEN_TAIPO=222:BBB\n", encoding="utf-8")
    # No server at this address: check reads the files and says the database is not there.
    result = run_check(
        tmp_path,
        COMPANY_CONFIG=str(path),
        DATABASE_URL="postgresql://postgres@127.0.0.1:1/none",
        BOT_TOKEN_SHATIN="111:AAA",
    )
    assert "Harbour Property Management: 2 estates" in result.stdout, result.stderr
    assert "shatin: Shatin" in result.stdout
    assert "taipo: Taipo" in result.stdout
    assert "Traceback" not in result.stderr


def test_check_stops_on_a_company_file_on_sqlite(tmp_path: Path) -> None:
    path = company_dir(tmp_path)
    result = run_check(tmp_path, COMPANY_CONFIG=str(path), **TOKENS)
    assert result.returncode == 2
    assert result.stderr.startswith("estate-desk: COMPANY_CONFIG"), result.stderr
    assert "DATABASE_URL" in result.stderr


def test_the_committed_example_company_is_valid() -> None:
    company = load_company(settings(ROOT / "deploy" / "company.example.toml"), TOKENS)
    assert [s.id for s in company.sites] == ["shatin", "taipo"]
    assert company.site("taipo").estate.name.en == "Tai Po Green Court"
    assert company.staff == (111111111, 222222222)


def test_each_estates_pool_is_its_share_of_the_servers_connections(tmp_path: Path) -> None:
    path = company_dir(tmp_path)
    assert pool_size(settings(path), 2) == 10
    assert pool_size(settings(path), 20) == 3  # 20 estates x 3: room left on 100 connections
    assert pool_size(settings(path), 100) == 2
    assert pool_size(settings(path, database_pool_size=3), 2) == 3
