"""Several estates on one PostgreSQL database: each estate's tables in its own
schema, every row saying whose it is, and the company's role table; SQLite
stays one estate, its rows' estate id empty."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

import asyncpg
import pytest

from bot.company import schema_of
from bot.storage import Store, store_at
from bot.storage.company import CompanyStore
from tests.conftest import START
from tests.databases import ON_POSTGRES
from tests.helpers import DeskDriver
from workflow.clock import FakeClock
from workflow.directory import Person
from workflow.model import Category
from workflow.policy import Policy
from workflow.service import Desk

needs_server = pytest.mark.skipif(not ON_POSTGRES, reason="needs TEST_DATABASE_URL (make test-pg)")


def estate_store(database: str, estate_id: str) -> Store:
    return store_at(database, schema=schema_of(estate_id), estate_id=estate_id)


async def file_one(store: Store, text: str) -> None:
    clock = FakeClock(START)
    driver = DeskDriver(Desk(store, Policy(filing_limit=0), clock), clock)
    async with store.transaction() as tx:
        await tx.save_person(Person(user_id=1001, name="Ann", language="en"), START)
    await driver.file(Category.REPAIR, text=text)


async def tables_of(database: str, schema: str) -> list[str]:
    db = await asyncpg.connect(database)
    try:
        rows = await db.fetch(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = $1 "
            "AND table_type = 'BASE TABLE' AND table_name <> 'schema_migrations'",
            schema,
        )
    finally:
        await db.close()
    return sorted(r[0] for r in rows)


@pytest.mark.engines
@needs_server
async def test_two_estates_on_one_database_each_see_only_their_own_cases(
    database: str | Path,
) -> None:
    assert isinstance(database, str)
    async with estate_store(database, "shatin") as shatin:
        await file_one(shatin, "Leak in Sha Tin")
    async with estate_store(database, "taipo") as taipo:
        await file_one(taipo, "Leak in Tai Po")
        await file_one(taipo, "Lift stuck in Tai Po")
    async with estate_store(database, "shatin") as shatin, estate_store(database, "taipo") as taipo:
        async with shatin.reading() as tx:
            here = await tx.db.fetchall("SELECT ref, body FROM cases ORDER BY id")
        async with taipo.reading() as tx:
            there = await tx.db.fetchall("SELECT ref, body FROM cases ORDER BY id")
    assert len(here) == 1
    assert "Sha Tin" in here[0][1]
    assert len(there) == 2
    assert all("Tai Po" in row[1] for row in there)
    # Each estate numbers its own cases, from the first.
    assert here[0][0] == there[0][0]


@pytest.mark.engines
@needs_server
async def test_every_row_of_an_estate_carries_its_estate_id(database: str | Path) -> None:
    assert isinstance(database, str)
    async with estate_store(database, "shatin") as shatin:
        await file_one(shatin, "Leak in Sha Tin")
    tables = await tables_of(database, "estate_shatin")
    db = await asyncpg.connect(database)
    try:
        ids: dict[str, set[str]] = {}
        for table in tables:
            rows = await db.fetch(f'SELECT DISTINCT estate_id FROM estate_shatin."{table}"')
            ids[table] = {r[0] for r in rows}
    finally:
        await db.close()
    assert "cases" in tables
    assert len(tables) > 20  # every table of the estate's schema has the column
    assert ids["cases"] == ids["events"] == ids["outbox"] == ids["people"] == {"shatin"}
    assert all(found <= {"shatin"} for found in ids.values()), ids


@pytest.mark.engines
@needs_server
async def test_one_estate_on_postgresql_keeps_its_tables_where_they_were(
    database: str | Path,
) -> None:
    assert isinstance(database, str)
    async with store_at(database) as store:
        await file_one(store, "Leak")
    assert "cases" in await tables_of(database, "public")
    db = await asyncpg.connect(database)
    try:
        assert await db.fetchval("SELECT DISTINCT estate_id FROM public.cases") == ""
    finally:
        await db.close()


@pytest.mark.engines
@needs_server
async def test_the_company_role_is_the_company_files_staff_and_nobody_else(
    database: str | Path,
) -> None:
    assert isinstance(database, str)
    async with CompanyStore(database) as company:
        await company.sync_staff([111, 222], START)
        await company.sync_staff([222, 333], START)
        assert await company.staff() == [222, 333]
        assert await company.is_staff(333)
        assert not await company.is_staff(111)


async def test_a_sqlite_database_stays_one_estate_its_rows_ids_empty(tmp_path: Path) -> None:
    path = tmp_path / "desk.sqlite3"
    async with store_at(path) as store:
        await file_one(store, "Leak")
    with closing(sqlite3.connect(path)) as raw:
        assert raw.execute("SELECT DISTINCT estate_id FROM cases").fetchall() == [("",)]
        assert raw.execute("SELECT DISTINCT estate_id FROM events").fetchall() == [("",)]
    with pytest.raises(ValueError, match="PostgreSQL"):
        store_at(path, schema="estate_a", estate_id="a")
