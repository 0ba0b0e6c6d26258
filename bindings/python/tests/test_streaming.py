"""`async for event in engine.generate_stream(brief)`: deltas, then the finished piece; errors
as the same typed exceptions; leaving early (break, task cancel) leaves no budget hold."""

from __future__ import annotations

import asyncio
import random

import pytest
from conftest import BLOG, TWEET, FakeProvider, paid_engine

import splants
from splants import _splants

LONG_TEXT = " ".join(f"word{i}" for i in range(40))


async def settled(engine: splants.ContentEngine) -> splants.BudgetStatus:
    """The global budget once every hold has settled (drops settle on the tokio runtime)."""
    [status] = await engine.budget_status()
    for _ in range(200):
        if status.in_flight == 0 and status.reserved == 0:
            break
        await asyncio.sleep(0.05)
        [status] = await engine.budget_status()
    return status


async def test_the_offline_drafter_streams_words_then_the_stored_piece(engine: splants.ContentEngine) -> None:
    deltas: list[str] = []
    done: list[splants.GeneratedContent] = []
    async for event in engine.generate_stream(TWEET):
        if event.kind == "delta":
            assert isinstance(event, splants.StreamDelta)
            deltas.append(event.text)
        else:
            assert isinstance(event, splants.StreamDone)
            done.append(event.content)
    # The drafter writes word by word at once; the words read ahead arrive merged, and they are
    # the words of the stored piece.
    [piece] = done
    assert deltas and "".join(deltas).split()[:8] == piece.content.split()[:8], (deltas, piece.content)
    assert piece.provider == "offline" and piece.content
    assert await engine.get_content(piece.id) == piece


async def test_a_paid_stream_gives_the_upstream_text_then_a_piece_priced_at_its_usage(
    fake_provider: FakeProvider,
) -> None:
    fake_provider.text = LONG_TEXT
    engine = paid_engine(fake_provider, monthly_budget=100.0)
    events = [e async for e in engine.generate_stream(BLOG)]
    *deltas, last = events
    assert all(isinstance(e, splants.StreamDelta) for e in deltas)
    assert "".join(e.text for e in deltas if isinstance(e, splants.StreamDelta)) == LONG_TEXT
    assert isinstance(last, splants.StreamDone)
    piece = last.content
    assert (piece.usage.output_tokens, piece.usage.estimated) == (40, False)
    assert piece.cost_usd == pytest.approx(fake_provider.billed(), abs=1e-12)
    assert fake_provider.requests[0]["stream"] is True
    status = await settled(engine)
    assert status.spent == pytest.approx(piece.cost_usd, abs=1e-12)


async def test_deltas_that_arrive_while_the_reader_is_busy_come_merged_with_no_text_lost(
    fake_provider: FakeProvider,
) -> None:
    fake_provider.text = LONG_TEXT
    fake_provider.stream_gap = 0.001
    engine = paid_engine(fake_provider, monthly_budget=100.0)
    deltas: list[str] = []
    async for event in engine.generate_stream(BLOG):
        if isinstance(event, splants.StreamDelta):
            deltas.append(event.text)
            await asyncio.sleep(0.01)  # a slow reader: ten upstream chunks arrive meanwhile
    assert "".join(deltas) == LONG_TEXT
    assert 1 < len(deltas) < 40, len(deltas)


async def test_a_server_without_usage_is_counted_from_the_text_and_marked_estimated(
    fake_provider: FakeProvider,
) -> None:
    fake_provider.text = LONG_TEXT
    fake_provider.stream_usage = False
    engine = paid_engine(fake_provider, monthly_budget=100.0)
    *_, last = [e async for e in engine.generate_stream(BLOG)]
    assert isinstance(last, splants.StreamDone)
    usage = last.content.usage
    assert usage.estimated and usage.input_tokens > 0 and usage.output_tokens >= 40
    assert last.content.cost_usd > 0


async def test_errors_before_the_first_event_are_raised_by_the_loop(fake_provider: FakeProvider) -> None:
    engine = paid_engine(fake_provider, monthly_budget=100.0)
    with pytest.raises(splants.ValidationError) as bad:
        async for _ in engine.generate_stream({"content_type": "poem", "topic": "x"}):
            pass
    assert bad.value.details["field"] == "content_type"
    broke = paid_engine(fake_provider, monthly_budget=0.000001)
    with pytest.raises(splants.BudgetExceededError):
        async for _ in broke.generate_stream(BLOG):
            pass
    assert fake_provider.requests == []
    fake_provider.status = 500
    with pytest.raises(splants.AIProviderError):
        async for _ in engine.generate_stream(BLOG):
            pass
    status = await settled(engine)
    assert (status.reserved, status.in_flight) == (0.0, 0)


async def test_two_hundred_streams_left_by_break_or_cancel_leave_no_hold_and_count_what_was_billed(
    fake_provider: FakeProvider,
) -> None:
    fake_provider.text = LONG_TEXT
    fake_provider.stream_gap = 0.002
    engine = paid_engine(fake_provider, monthly_budget=1000.0)
    rng = random.Random(0x5EED)
    finished = 0

    async def reader(keep: int) -> None:
        nonlocal finished
        seen = 0
        async for event in engine.generate_stream(BLOG):
            if isinstance(event, splants.StreamDone):
                finished += 1
            seen += 1
            if seen >= keep:
                break

    async def cancelled(after: float) -> None:
        task = asyncio.create_task(reader(10_000))
        await asyncio.sleep(after)
        task.cancel()
        try:
            await task
        except asyncio.CancelledError:
            pass

    jobs = []
    for i in range(200):
        if i % 2:
            jobs.append(reader(rng.randrange(1, 45)))
        else:
            jobs.append(cancelled(rng.uniform(0.0, 0.12)))
    await asyncio.gather(*jobs)
    status = await settled(engine)
    assert (status.reserved, status.in_flight) == (0.0, 0), status
    for _ in range(200):
        if len(fake_provider.streamed) == len(fake_provider.requests):
            break
        await asyncio.sleep(0.05)
    left = sum(1 for _, gone in fake_provider.streamed if gone)
    assert left > 50, f"only {left} upstream answers were cut short: the drops did not abort them"
    assert 0 < finished < 200
    assert status.spent >= fake_provider.billed() - 1e-9, (status.spent, fake_provider.billed())
    assert _splants.in_flight() == 0


async def test_close_ends_a_stream_and_can_be_called_twice(engine: splants.ContentEngine) -> None:
    stream = await engine._engine.generate_stream(TWEET)
    first = await stream.next()
    assert isinstance(first, splants.StreamDelta)
    stream.close()
    stream.close()
    assert await stream.next() is None
    assert "closed" in repr(stream)
