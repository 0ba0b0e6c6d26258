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
