"""Generation: briefs as dicts or ContentRequest objects, batches, templates, quotes."""

from __future__ import annotations

import datetime
import enum
from typing import Any

import pytest
from conftest import BLOG, MODEL, PRICES, TWEET, FakeProvider, paid_engine

import splants


def without_identity(piece: splants.GeneratedContent) -> dict[str, Any]:
    data = piece.to_dict()
    del data["id"], data["created_at"]
    return data


async def test_dict_and_content_request_give_the_same_result(engine: splants.ContentEngine) -> None:
    from_dict = await engine.generate(BLOG)
    from_object = await engine.generate(splants.ContentRequest(**BLOG))
    assert without_identity(from_dict) == without_identity(from_object)
    assert from_dict.request == from_object.request == splants.ContentRequest.from_dict(BLOG)
    assert from_dict.id != from_object.id


async def test_attributes_mirror_the_json_shape(engine: splants.ContentEngine) -> None:
    piece = await engine.generate(TWEET)
    data = piece.to_dict()
    assert piece.id == data["id"]
    assert piece.content == data["content"]
    assert (piece.content_type, piece.platform, piece.topic) == ("social_media", "twitter", TWEET["topic"])
    assert piece.quality_score == data["quality_score"] and 0.0 <= piece.quality_score <= 1.0
    assert piece.seo_score == data["seo_score"]
    assert (piece.provider, piece.cached, piece.cost_usd, piece.owner, piece.template) == (
        "offline",
        False,
        0.0,
        None,
        None,
    )
    assert piece.model == data["model"]
    assert isinstance(piece.created_at, datetime.datetime)
    assert piece.created_at.tzinfo is not None
    assert piece.created_at == datetime.datetime.fromisoformat(data["created_at"].replace("Z", "+00:00"))
    assert piece.metadata.to_dict() == data["metadata"]
    assert piece.metadata.word_count == data["metadata"]["word_count"]
    assert piece.metadata.hashtags == data["metadata"]["hashtags"]
    assert piece.metadata.platform_optimized == "twitter"
    assert piece.metadata.readability.sentences == data["metadata"]["readability"]["sentences"]
    assert piece.metadata.quality_breakdown == data["metadata"]["quality_breakdown"]
    assert piece.metadata.notice is not None and "offline" in piece.metadata.notice.lower()
    assert piece.usage.to_dict() == data["usage"]
    assert piece.usage.output_tokens == data["usage"]["output_tokens"]
    assert piece.request.to_dict() == data["request"]
    assert piece == piece and piece != data
    assert repr(piece).startswith('GeneratedContent({"id":')


def test_content_request_validates_when_made() -> None:
    req = splants.ContentRequest("blog", "AI tips", keywords=("ai", "tips"), length=800)
    assert (req.content_type, req.topic, req.keywords, req.tone, req.length) == (
        "blog",
        "AI tips",
        ["ai", "tips"],
        "professional",
        800,
    )
    assert (req.platform, req.seo_optimize, req.include_hashtags, req.language, req.call_to_action) == (
        None,
        True,
        None,
        None,
        None,
    )
    assert req.to_dict() == {
        "content_type": "blog",
        "topic": "AI tips",
        "keywords": ["ai", "tips"],
        "tone": "professional",
        "length": 800,
        "seo_optimize": True,
    }
    assert splants.ContentRequest.from_dict(req.to_dict()) == req
    with pytest.raises(splants.ValidationError) as bad_length:
        splants.ContentRequest("blog", "AI tips", length=50)
    assert bad_length.value.field == "length"
    with pytest.raises(splants.ValidationError) as bad_tone:
        splants.ContentRequest("blog", "AI tips", tone="snarky")
    assert bad_tone.value.field == "tone"
    with pytest.raises(splants.ValidationError) as unknown:
        splants.ContentRequest.from_dict({"content_type": "blog", "topic": "x", "colour": "red"})
    assert unknown.value.field == "colour"


class ContentType(enum.Enum):
    BLOG = "blog"


async def test_pydantic_style_dumps_pass_straight_in(engine: splants.ContentEngine) -> None:
    # pydantic's model_dump() leaves enum members and may hold tuples; both convert.
    dumped = {**BLOG, "content_type": ContentType.BLOG, "keywords": ("AI marketing", "small business")}
    assert without_identity(await engine.generate(dumped)) == without_identity(await engine.generate(BLOG))


async def test_batch_reports_each_item_in_order(engine: splants.ContentEngine) -> None:
    result = await engine.generate_batch([BLOG, splants.ContentRequest(**TWEET), {"content_type": "blog"}])
    assert (result.total, result.successful, result.failed) == (3, 2, 1)
    assert [item.index for item in result.results] == [0, 1, 2]
    assert [item.status for item in result.results] == ["success", "success", "error"]
    ok = result.results[1].data
    assert ok is not None and ok.platform == "twitter"
    failed = result.results[2]
    assert failed.data is None and failed.error is not None
    assert (failed.error.type, failed.error.code, failed.error.details) == (
        "ValidationError",
        "validation_error",
        {"field": "topic", "reason": "is required"},
    )
    data = result.to_dict()
    assert data["batch_id"] == result.batch_id
    assert data["results"][2] == {
        "index": 2,
        "status": "error",
        "error": {
            "error": "invalid `topic`: is required",
            "type": "ValidationError",
            "code": "validation_error",
            "details": {"field": "topic", "reason": "is required"},
        },
    }
    with pytest.raises(splants.ValidationError) as too_many:
        await engine.generate_batch([BLOG] * 11)
    assert too_many.value.field == "requests"


LAUNCH_VARS = {
    "product_name": "Splants Pro",
    "features": "budget guard, templates",
    "audience": "marketing teams",
    "launch_date": "2026-03-01",
}


async def test_templates_list_get_register_and_generate(engine: splants.ContentEngine) -> None:
    names = [t.name for t in await engine.list_templates()]
    assert names == sorted(names) and "product_launch" in names
    launch = await engine.get_template("product_launch")
    assert launch.name == "product_launch" and launch.to_dict()["name"] == "product_launch"
    assert {v.name for v in launch.variables} >= {"product_name", "features"}
    piece = await engine.generate_from_template("product_launch", LAUNCH_VARS, {"tone": "casual"})
    assert piece.template is not None
    assert (piece.template.name, piece.template.version) == ("product_launch", launch.version)
    assert "Splants Pro" in piece.topic and piece.request.tone == "casual"

    custom = {
        "name": "webinar_invite",
        "version": "1.0.0",
        "content_type": "email",
        "variables": [{"name": "title"}, {"name": "seats", "kind": "integer", "default": 50}],
        "topic": "Invitation: {{ title }}",
        "prompt": "Invite readers to {{ title }}; only {{ seats }} seats.",
    }
    registered = await engine.register_template(custom)
    assert (registered.name, registered.content_type, registered.default_tone) == (
        "webinar_invite",
        "email",
        "professional",
    )
    assert [(v.name, v.kind, v.required, v.default) for v in registered.variables] == [
        ("title", "string", True, None),
        ("seats", "integer", True, 50),  # required, satisfied by its default
    ]
    assert await engine.get_template("webinar_invite") == registered
    assert await engine.register_template(registered) == registered
    invite = await engine.generate_from_template("webinar_invite", {"title": "Budgets 101"})
    assert invite.topic == "Invitation: Budgets 101" and invite.content_type == "email"


async def test_quote_is_the_reserved_worst_case(fake_provider: FakeProvider) -> None:
    engine = paid_engine(fake_provider)
    quote = await engine.quote(TWEET)
    assert (quote.free, quote.max_tokens) == (False, 40 * 2 + 256)
    [target] = quote.targets
    assert (target.provider, target.model) == ("compatible", MODEL)
    price = PRICES[MODEL]
    worst = (target.input_tokens * price["input"] + quote.max_tokens * price["output"]) / 1_000_000
    assert target.worst_case == pytest.approx(worst, abs=1e-9)
    assert quote.estimate == target.worst_case
    assert quote.to_dict()["targets"][0]["model"] == MODEL
    assert fake_provider.requests == []  # a quote calls nobody

    piece = await engine.generate(TWEET)
    assert piece.cost_usd == pytest.approx(fake_provider.cost_of(quote.max_tokens), abs=1e-9)
    assert piece.cost_usd <= quote.estimate
    assert (piece.usage.input_tokens, piece.usage.output_tokens) == (10, quote.max_tokens)
    assert fake_provider.requests[0]["max_tokens"] == quote.max_tokens


async def test_a_post_over_its_platform_limit_gets_a_paid_repair_round_then_a_cut(fake_provider: FakeProvider) -> None:
    # The fake answers every request with the same 430-character copy: the repair round does
    # not fix it, so the deterministic cut does, and both steps are reported and paid for.
    fake_provider.text = "Fresh spring menu for busy cafe owners, ready at seven. " * 8
    engine = paid_engine(fake_provider, monthly_budget=10.0)
    piece = await engine.generate({"content_type": "social_media", "topic": "Spring menu", "platform": "bluesky"})
    first, repair = fake_provider.requests
    assert repair["messages"][:-2] == first["messages"]
    assert repair["messages"][-2] == {"role": "assistant", "content": fake_provider.text.strip()}
    assert "bluesky accepts at most 300 graphemes" in repair["messages"][-1]["content"]
    provider, cut = piece.metadata.repairs
    assert isinstance(provider, splants.RepairNote)
    assert (provider.limit, provider.method, provider.found, provider.after) == ("bluesky_post_graphemes", "provider", 447, 447)
    assert (cut.method, cut.found, cut.max) == ("cut", 447, 300)
    assert cut.after == len(piece.content) <= 300
    assert piece.content.endswith(".")
    paid = sum(fake_provider.cost_of(r["max_tokens"]) for r in (first, repair))
    assert piece.cost_usd == pytest.approx(paid, abs=1e-9)
    [status] = await engine.budget_status()
    assert status.spent == pytest.approx(paid, abs=1e-9)
    assert status.reserved == 0.0
    assert piece.to_dict()["metadata"]["repairs"][1]["method"] == "cut"


async def test_html_in_the_brief_and_the_answer_is_removed(fake_provider: FakeProvider) -> None:
    fake_provider.text = 'Spring menu <script>alert(1)</script><img src=x onerror="alert(1)"> [more](javascript:alert(1))'
    engine = paid_engine(fake_provider, monthly_budget=10.0)
    piece = await engine.generate(
        {
            "content_type": "social_media",
            "topic": "Spring <b>menu</b><script>steal()</script>",
            "keywords": ["<i>cafe</i>"],
            "target_audience": "<a href='javascript:x'>owners</a>",
            "call_to_action": "Visit <svg onload=alert(1)>us</svg>",
            "platform": "linkedin",
        }
    )
    prompt = " ".join(m["content"] for m in fake_provider.requests[0]["messages"]).lower()
    for bad in ("<script", "onerror", "onload", "javascript:", "steal()", "<b>", "<svg"):
        assert bad not in prompt, bad
    assert piece.content == "Spring menu [more](alert(1))"
    assert (piece.topic, piece.request.keywords, piece.request.target_audience) == ("Spring menu", ["cafe"], "owners")
