"""The limiter's pacing, played on an injected clock: messages leave evenly,
about 28 a second overall, and however unevenly the network delays them,
Telegram (the fake's strict mode, counting each message when it arrives)
never sees a limit crossed."""

from __future__ import annotations

import asyncio
import heapq
import random
from dataclasses import dataclass, field

import pytest

from delivery.limits import BUSY, SendLimits, Window
from playground.fake_telegram.chats import Chat, TelegramError
from playground.fake_telegram.limits import Flood


@dataclass
class Clock:
    at: float = 1000.0

    def __call__(self) -> float:
        return self.at


@dataclass
class Played:
    """What one played run sent: when each message was handed to the network,
    and when it arrived at Telegram."""

    sent: list[tuple[float, int]] = field(default_factory=list)
    arrived: list[tuple[float, int]] = field(default_factory=list)


def play(
    limits: SendLimits, clock: Clock, chats: list[int], delays: random.Random | None
) -> Played:
    """Send a message to each of `chats` in turn, each as soon as the limits let it
    go, many in flight at once; each takes a network round trip of 0 to 200 ms
    (`delays`; none if None) and arrives at Telegram somewhere within it."""
    played = Played()
    answers: list[tuple[float, int]] = []  # (when its answer comes back, chat)
    for chat in chats:
        while True:
            wait = limits.wait_for(chat)
            if answers and answers[0][0] <= clock.at + wait:
                clock.at, answered = heapq.heappop(answers)
                limits.answered(answered)
                continue
            clock.at += wait
            if limits.wait_for(chat) <= 0:
                break
        limits.sent(chat)
        trip = delays.uniform(0.0, 0.2) if delays else 0.0
        played.sent.append((clock.at, chat))
        played.arrived.append((clock.at + (delays.random() if delays else 0.0) * trip, chat))
        heapq.heappush(answers, (clock.at + trip, chat))
    return played


def most_in_any(times: list[float], seconds: float) -> int:
    times = sorted(times)
    most, first = 0, 0
    for last, at in enumerate(times):
        while at - times[first] >= seconds:
            first += 1
        most = max(most, last - first + 1)
    return most


def refusals_at_telegram(played: Played) -> int:
    """429s the fake's strict mode would answer, counting each message as it arrives."""
    clock = Clock()
    flood = Flood(clock, strict=True)
    refused = 0
    for at, chat_id in sorted(played.arrived):
        clock.at = at
        try:
            flood.check(Chat(chat_id, "private" if chat_id > 0 else "group"))
        except TelegramError:
            refused += 1
    return refused


def test_after_a_short_burst_messages_leave_one_every_thirtieth_of_a_second_or_so() -> None:
    clock = Clock()
    limits = SendLimits(now=clock)
    for chat in (1, 2, 3):  # a burst of three goes at once
        assert limits.wait_for(chat) == 0
        limits.record(chat)
    wait = limits.wait_for(4)
    assert wait == pytest.approx(1.02 / 29)  # not 26 more at once, then a second of nothing
    clock.at += wait
    limits.record(4)
    assert limits.wait_for(5) == pytest.approx(1.02 / 29)


def test_ten_seconds_of_messages_to_many_residents_go_at_more_than_28_a_second() -> None:
    clock = Clock()
    limits = SendLimits(now=clock)
    played = play(limits, clock, [1 + n % 500 for n in range(1000)], delays=None)
    first, last = played.sent[0][0], played.sent[-1][0]
    assert (len(played.sent) - 1) / (last - first) >= 28
    assert most_in_any([at for at, _ in played.sent], 1.0) <= 29


def test_uneven_network_delays_never_bunch_more_than_telegram_allows_into_its_second() -> None:
    clock = Clock()
    limits = SendLimits(now=clock)
    chats = [1 + n % 300 for n in range(3000)]
    played = play(limits, clock, chats, delays=random.Random(16))
    assert refusals_at_telegram(played) == 0
    assert most_in_any([at for at, _ in played.arrived], 1.0) <= 30
    rate = (len(played.sent) - 1) / (played.sent[-1][0] - played.sent[0][0])
    assert rate >= 25  # 29 every 1.02 s plus the round trip, 0 to 200 ms


def test_a_chat_gets_its_next_message_a_second_after_the_last_one_was_answered() -> None:
    clock = Clock()
    limits = SendLimits(now=clock)
    limits.sent(7)
    clock.at += 0.3  # the answer takes 300 ms: the message reached Telegram somewhere in them
    assert limits.wait_for(7) > 0  # in flight, it still counts
    limits.answered(7)
    assert limits.wait_for(7) == pytest.approx(1.02 + 0.001)
    assert limits.wait_for(8) == 0  # another chat is not held back


def test_a_busy_groups_messages_in_flight_count_against_its_minute() -> None:
    clock = Clock()
    limits = SendLimits(now=clock)
    group = -100
    for _ in range(15):
        limits.sent(group)
    assert limits.full(group)  # the courier sees them before their answers come back
    for _ in range(15):
        limits.answered(group)
    clock.at += 61.3
    assert not limits.busy(group)


async def test_messages_waiting_for_their_turn_in_a_group_make_it_busy() -> None:
    """Eight cases delivered side by side each ask whether the group is busy
    before their card waits for the group's second: the cards already queued
    count, or all eight would post a card where a digest was due."""
    clock = Clock()
    limits = SendLimits(now=clock)
    group = -100
    limits.record(group)  # the group's second is taken: the next ones queue
    assert not limits.busy(group)
    queued = [asyncio.create_task(limits.take(group)) for _ in range(BUSY)]
    await asyncio.sleep(0)
    try:
        assert limits.busy(group)
    finally:
        for task in queued:
            task.cancel()
        await asyncio.gather(*queued, return_exceptions=True)
    assert not limits.busy(group)


def test_a_groups_twenty_a_minute_and_a_chats_second_hold_under_uneven_delays() -> None:
    clock = Clock()
    limits = SendLimits(now=clock)
    chats = [-1, -2, 5, 6, 7, 8] * 60
    played = play(limits, clock, chats, delays=random.Random(20))
    assert refusals_at_telegram(played) == 0
    group = [at for at, chat in played.arrived if chat == -1]
    assert most_in_any(group, 60.0) <= 20


def test_with_the_limits_lifted_a_thousand_a_second_go_with_bursts() -> None:
    clock = Clock()
    limits = SendLimits(per_chat=Window(1, 0.001), overall=Window(1000, 1.0), now=clock)
    played = play(limits, clock, [1 + n % 50 for n in range(5000)], delays=None)
    assert (len(played.sent) - 1) / (played.sent[-1][0] - played.sent[0][0]) >= 950
