"""The playground: the page's API plays the whole repair loop by hand, and a
real browser (headless Chromium) does the same through the page."""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from bot.estate import load_estate
from bot.settings import Settings
from playground.web import Playground, start_playground
from tests.e2e.harness import ROOT

ARTIFACTS = ROOT / "tests" / "artifacts"
START = datetime(2026, 11, 2, 2, 0, tzinfo=UTC)  # Monday 10:00 in Hong Kong
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture
async def playground(tmp_path: Path) -> AsyncIterator[Playground]:
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    running = await start_playground(
        settings,
        load_estate(ROOT / "estate.toml"),
        port=0,
        database=tmp_path / "playground.sqlite3",
        start=START,  # office hours, whatever the hour the suite runs at
    )
    try:
        yield running
    finally:
        await running.stop()


async def wait_for(client: httpx.AsyncClient, chat_id: int, text: str) -> dict[str, Any]:
    for _ in range(100):
        state = (await client.get("/api/state")).json()
        for message in state["chats"][str(chat_id)]["messages"]:
            if text in message["text"]:
                return message  # type: ignore[no-any-return]
        import asyncio

        await asyncio.sleep(0.1)
    raise AssertionError(f"no {text!r} in chat {chat_id}")


async def press(
    client: httpx.AsyncClient, user_id: int, chat_id: int, message: dict[str, Any], label: str
) -> str | None:
    data = next(b["data"] for row in message["buttons"] for b in row if label in b["text"])
    answer = await client.post(
        "/api/press",
        json={"user_id": user_id, "chat_id": chat_id, "message_id": message["id"], "data": data},
    )
    return answer.json().get("answer")  # type: ignore[no-any-return]


async def test_the_repair_loop_can_be_played_through_the_page_api(playground: Playground) -> None:
    repair_group = next(g for g in playground.groups.values() if "repair lead" in (g.title or ""))
    async with httpx.AsyncClient(base_url=playground.url) as client:
        page = await client.get("/")
        assert "Local simulation" in page.text
        await client.post("/api/send", json={"user_id": 100, "text": "🔧 報修"})
        await press(client, 100, 100, await wait_for(client, 100, "問題在哪裏"), "我的單位")
        await press(client, 100, 100, await wait_for(client, 100, "是否緊急"), "不緊急")
        await client.post("/api/send", json={"user_id": 100, "text": "露台去水位塞咗"})
        await press(client, 100, 100, await wait_for(client, 100, "已收到"), "完成")
        await press(client, 100, 100, await wait_for(client, 100, "請確認"), "確認提交")
        await wait_for(client, 100, "R20")

        card = await wait_for(client, repair_group.id, "露台去水位塞咗")
        await press(client, 20, repair_group.id, card, "接手")
        await wait_for(client, 100, "已接手")

        # Nobody acts on a second case: fast-forward and watch it climb.
        await client.post("/api/send", json={"user_id": 102, "text": "🧹 Cleaning problem"})
        await press(
            client, 102, 102, await wait_for(client, 102, "where is the problem"), "My flat"
        )
        await client.post("/api/send", json={"user_id": 102, "text": "Bins overflowing"})
        await press(client, 102, 102, await wait_for(client, 102, "Got it"), "Done")
        await press(client, 102, 102, await wait_for(client, 102, "Please check"), "Confirm")
        await wait_for(client, 102, "C20")
        await client.post("/api/advance", json={"minutes": 60})
        await wait_for(client, 102, "moved up")


async def newest(client: httpx.AsyncClient, chat_id: int) -> dict[str, Any]:
    state = (await client.get("/api/state")).json()
    return state["chats"][str(chat_id)]["messages"][-1]  # type: ignore[no-any-return]


async def test_the_page_shows_the_whole_product_registration_admin_photos_chart_export(
    playground: Playground,
) -> None:
    state_groups = {g.title: g for g in playground.groups.values()}
    desk = state_groups["front desk group"]
    manager_group = state_groups["manager group"]
    async with httpx.AsyncClient(base_url=playground.url) as client:
        state = (await client.get("/api/state")).json()
        assert any("not registered" in p["name"] for p in state["residents"])
        assert any("admin" in p["name"] for p in state["guards"])
        spare = next(g for g in state["groups"] if g["role"] == "")
        assert {g["role"] for g in state["groups"]} >= {"cleaning_supervisor", "manager"}

        # A newcomer registers; the front desk approves from its group.
        await client.post("/api/send", json={"user_id": 104, "text": "/start"})
        await press(client, 104, 104, await wait_for(client, 104, "哪一座"), "B")
        await client.post("/api/send", json={"user_id": 104, "text": "2A"})
        await wait_for(client, 104, "姓名")
        await client.post("/api/send", json={"user_id": 104, "text": "李嘉欣"})
        await wait_for(client, 104, "電話")
        await client.post("/api/send", json={"user_id": 104, "contact": True})
        card = await wait_for(client, desk.id, "李嘉欣")
        await press(client, 10, desk.id, card, "批准")
        await wait_for(client, 104, "已獲批准")

        # The admin invites from a private chat and binds the spare group.
        await client.post("/api/send", json={"user_id": 1, "text": "/invite guard"})
        invite = await wait_for(client, 1, "t.me/")
        assert "start=" in invite["text"]
        await client.post(
            "/api/send",
            json={"user_id": 1, "chat_id": spare["chat_id"], "text": "/bind security_captain en"},
        )
        await wait_for(client, spare["chat_id"], "security captain")

        # A photo from the resident's phone can be opened from the page.
        await client.post("/api/photo", json={"user_id": 100})
        sent = await newest(client, 100)
        assert sent["photo"]
        photo = await client.get(f"/api/file/{sent['file']}")
        assert photo.headers["content-type"] == "image/jpeg"

        # The manager's report chart and the register come back as files.
        await client.post(
            "/api/send", json={"user_id": 40, "chat_id": manager_group.id, "text": "/report"}
        )
        chart = None
        for _ in range(100):
            chart = next(
                (
                    m
                    for m in (await client.get("/api/state")).json()["chats"][
                        str(manager_group.id)
                    ]["messages"]
                    if m["photo"]
                ),
                None,
            )
            if chart:
                break
            await asyncio.sleep(0.1)
        assert chart is not None
        png = await client.get(f"/api/file/{chart['file']}")
        assert png.content.startswith(b"\x89PNG")
        await client.post("/api/send", json={"user_id": 40, "text": "/export"})
        exported = await wait_for(client, 40, "")
        for _ in range(100):
            exported = await newest(client, 40)
            if exported["file"]:
                break
            await asyncio.sleep(0.1)
        xlsx = await client.get(f"/api/file/{exported['file']}")
        assert xlsx.content.startswith(b"PK")
        assert "cases.xlsx" in xlsx.headers["content-disposition"]


@pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed (.ci/run installs it)")
async def test_a_browser_files_a_repair_and_sees_it_acknowledged(playground: Playground) -> None:
    from playwright.async_api import async_playwright

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        page = await browser.new_page(viewport={"width": 1400, "height": 900})
        await page.goto(playground.url)
        resident = page.locator("#resident")
        await resident.get_by_role("button", name="🔧 報修").click()
        await resident.get_by_role("button", name="🏠 我的單位").last.click()
        await resident.get_by_role("button", name="🕒 不緊急").last.click()
        await resident.locator("input").fill("浴室燈壞咗")
        await resident.get_by_role("button", name="Send").click()
        await resident.get_by_role("button", name="✅ 完成").last.click()
        await resident.get_by_role("button", name="✅ 確認提交").last.click()
        await resident.get_by_text("已登記你的個案").wait_for()

        group = page.locator("#group")
        await group.locator("select").select_option(label="repair lead group")
        await group.get_by_role("button", name="👷 接手").last.click()
        await resident.get_by_text("已接手").last.wait_for()
        await page.screenshot(path=str(ARTIFACTS / "playground.png"), full_page=True)
        await browser.close()
    assert (ARTIFACTS / "playground.png").stat().st_size > 10_000
