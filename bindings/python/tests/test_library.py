"""The library (get / list / delete), events, analytics and budget figures."""

from __future__ import annotations

import datetime

import pytest
from conftest import BLOG, TWEET, FakeProvider, paid_engine

import splants


async def test_get_list_and_delete_respect_the_owner(engine: splants.ContentEngine) -> None:
    acme = splants.RequestContext(tenant="acme")
    mine = [await engine.generate({**TWEET, "topic": f"Tip number {i}"}, acme) for i in range(3)]
    other = await engine.generate(BLOG)
    assert mine[0].owner == "acme" and other.owner is None

    fetched = await engine.get_content(mine[0].id, acme)
    assert fetched.to_dict() == mine[0].to_dict()
    with pytest.raises(splants.NotFoundError):
        await engine.get_content(other.id, acme)

    first = await engine.list_content(limit=2, context=acme)
    assert [p.id for p in first.items] == [mine[2].id, mine[1].id]
    assert first.next_cursor is not None
    second = await engine.list_content(limit=2, cursor=first.next_cursor, context=acme)
    assert [p.id for p in second.items] == [mine[0].id] and second.next_cursor is None
    assert second.to_dict()["items"][0]["id"] == mine[0].id

    blogs = await engine.list_content(content_type="blog")
    assert [p.id for p in blogs.items] == [other.id]
    found = await engine.list_content(text="number 1", platform="twitter", min_quality=0.0)
    assert [p.id for p in found.items] == [mine[1].id]
    since = mine[1].created_at
    recent = await engine.list_content(since=since, until=datetime.datetime.now(datetime.timezone.utc), context=acme)
    assert {p.id for p in recent.items} == {mine[1].id, mine[2].id}
    with pytest.raises(splants.ValidationError) as bad:
        await engine.list_content(limit=500)
    assert bad.value.field == "limit"
    assert all(p.caller_left is False for p in mine) and mine[0].to_dict()["caller_left"] is False
    assert (await engine.list_content(caller_left=True, context=acme)).items == []
    received = await engine.list_content(caller_left=False, context=acme)
    assert [p.id for p in received.items] == [mine[2].id, mine[1].id, mine[0].id]
    with pytest.raises(splants.ValidationError) as bad:
        await engine.list_content(caller_left="yes")  # type: ignore[arg-type]
    assert bad.value.field == "caller_left"

    with pytest.raises(splants.NotFoundError):
        await engine.delete_content(mine[0].id, splants.RequestContext(tenant="globex"))
    await engine.delete_content(mine[0].id, acme)
    with pytest.raises(splants.NotFoundError) as gone:
        await engine.get_content(mine[0].id, acme)
    assert gone.value.details == {"kind": "content", "id": mine[0].id}


async def test_events_engagement_overview_and_roi(engine: splants.ContentEngine) -> None:
    tweet = await engine.generate(TWEET)
    blog = await engine.generate(BLOG)
    stored = await engine.record_events(
        [
            {"event_name": "impression", "content_id": tweet.id, "count": 100},
            {"event_name": "click", "content_id": tweet.id, "count": 5},
            {"event_name": "share", "content_id": tweet.id, "count": 5},
            {"event_name": "conversion", "content_id": blog.id, "value": 49.5},
        ]
    )
    assert stored == 4
    with pytest.raises(splants.ValidationError) as bad_event:
        await engine.record_events([{"event_name": "teleport"}])
    assert bad_event.value.field == "events[0].event_name"

    report = await engine.engagement()
    assert report.totals["impressions"] == 100 and report.totals["clicks"] == 5
    assert report.engagement_rate == pytest.approx(0.1)
    assert report.totals["revenue"] == pytest.approx(49.5)
    assert report.to_dict()["engagement_rate"] == report.engagement_rate
    twitter_only = await engine.engagement(platform="twitter")
    assert twitter_only.totals["impressions"] == 100 and twitter_only.totals["conversions"] == 0

    overview = await engine.analytics_overview()
    assert (overview.total_content, overview.total_cost) == (2, 0.0)
    assert {row["platform"] for row in overview.top_platforms} == {"twitter", "blog"}
    assert overview.ai_usage["calls"] == 2
    assert overview.since < overview.until
    future = datetime.datetime(2999, 1, 1, tzinfo=datetime.timezone.utc)
    empty = await engine.analytics_overview(since=future, until=future + datetime.timedelta(days=1))
    assert empty.total_content == 0
    with pytest.raises(splants.ValidationError):
        await engine.analytics_overview(since="2026-02-01T00:00:00Z", until="2026-01-01T00:00:00Z")

    roi = await engine.roi("month")
    assert (roi.time_period, roi.pieces, roi.ai_cost, roi.roi) == ("month", 2, 0.0, None)
    assert roi.freelance_cost == pytest.approx(150.0 + 25.0)
    assert roi.attributed_revenue == pytest.approx(49.5)
    assert {row["content_type"] for row in roi.by_content_type} == {"blog", "social_media"}
    with pytest.raises(splants.ValidationError) as bad_period:
        await engine.roi("decade")
    assert bad_period.value.field == "time_period"


async def test_budget_status_per_scope(fake_provider: FakeProvider) -> None:
    engine = paid_engine(fake_provider, monthly_budget=10.0)
    ctx = splants.RequestContext(key_id="key_1", key_budget=2.0, tenant="acme", tenant_budget=5.0)
    piece = await engine.generate(TWEET, ctx)
    statuses = await engine.budget_status(ctx)
    assert [s.scope for s in statuses] == ["global", "key:key_1", "tenant:acme"]
    glob, key, tenant = statuses
    assert (glob.limit, key.limit, tenant.limit) == (10.0, 2.0, 5.0)
    for status in statuses:
        assert status.spent == pytest.approx(piece.cost_usd, abs=1e-9)
        assert (status.reserved, status.in_flight, status.overshoot, status.overshoot_count) == (0.0, 0, 0.0, 0)
        assert status.remaining == pytest.approx(status.limit - piece.cost_usd, abs=1e-9)  # type: ignore[operator]
        assert status.period_start < status.period_end and status.remaining_days >= 0
    assert glob.percent_used == pytest.approx(piece.cost_usd * 10, abs=1e-6)
    assert glob.to_dict()["scope"] == "global"
    assert [s.scope for s in await engine.budget_status()] == ["global"]
    unlimited = splants.ContentEngine(provider="offline", monthly_budget=None)
    [status] = await unlimited.budget_status()
    assert (status.limit, status.remaining, status.percent_used) == (None, None, None)
