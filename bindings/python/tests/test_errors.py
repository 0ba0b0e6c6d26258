"""Every exception type, with its code, status and details."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
from conftest import TWEET, FakeProvider, paid_engine

import splants
from splants import _splants


def test_one_tree_rooted_at_splants_error() -> None:
    leaves = [
        splants.AIProviderError,
        splants.BudgetExceededError,
        splants.RateLimitError,
        splants.ContentGenerationError,
        splants.ValidationError,
        splants.TemplateError,
        splants.StorageError,
        splants.AuthenticationError,
        splants.NotFoundError,
        splants.ConflictError,
        splants.ConfigError,
        splants.InternalError,
    ]
    for cls in leaves:
        assert issubclass(cls, splants.SplantsError) and cls.__module__ == "splants"
    assert issubclass(splants.AIProviderTimeoutError, splants.AIProviderError)
    assert issubclass(splants.SplantsError, Exception)


async def test_validation_error_names_field_and_reason(engine: splants.ContentEngine) -> None:
    with pytest.raises(splants.ValidationError) as info:
        await engine.generate({"content_type": "blog", "topic": "x", "keywords": ["ok", " "]})
    e = info.value
    assert (e.field, e.reason, e.code, e.status_code, e.retryable) == (
        "keywords[1]",
        "must not be empty",
        "validation_error",
        422,
        False,
    )
    assert e.details == {"field": "keywords[1]", "reason": "must not be empty"}
    assert e.message == str(e) == "invalid `keywords[1]`: must not be empty"
    with pytest.raises(splants.ValidationError) as unsupported:
        await engine.generate({"content_type": "blog", "topic": "x", "keywords": {"a", "b"}})
    assert unsupported.value.field == "keywords"


async def test_not_found_and_template_errors(engine: splants.ContentEngine) -> None:
    with pytest.raises(splants.NotFoundError) as missing:
        await engine.get_template("nope")
    assert (missing.value.code, missing.value.status_code) == ("not_found", 404)
    assert missing.value.details == {"kind": "template", "id": "nope"}
    with pytest.raises(splants.TemplateError) as bad:
        await engine.generate_from_template("product_launch", {"product_name": "X", "colour": "red"})
    assert (bad.value.code, bad.value.status_code) == ("template_error", 422)
    assert bad.value.details["template"] == "product_launch" and bad.value.details["variable"] == "colour"
    with pytest.raises(splants.TemplateError) as invalid:
        await engine.register_template(
            {"name": "Bad Name", "version": "1", "content_type": "blog", "topic": "t", "prompt": "p"}
        )
    assert "invalid name" in invalid.value.details["reason"]


async def test_budget_exceeded_carries_the_original_details(fake_provider: FakeProvider) -> None:
    engine = paid_engine(fake_provider, monthly_budget=0.001)
    with pytest.raises(splants.BudgetExceededError) as info:
        await engine.generate(TWEET)
    e = info.value
    assert (e.code, e.status_code, e.retryable) == ("budget_exceeded", 402, False)
    d = e.details
    assert (d["scope"], d["budget"], d["limit"], d["current_usage"], d["spent"], d["reserved"]) == (
        "global",
        0.001,
        0.001,
        0.0,
        0.0,
        0.0,
    )
    assert d["requested"] > 0.001 and d["remaining_days"] >= 0 and "period_end" in d
    assert fake_provider.requests == []  # refused before any call


async def test_rate_limit_error_says_when_to_retry(engine: splants.ContentEngine) -> None:
    ctx = splants.RequestContext(key_id="key_1", quota=(1, 3600.0))
    assert ctx.quota == (1, 3600.0)
    await engine.generate(TWEET, ctx)
    with pytest.raises(splants.RateLimitError) as info:
        await engine.generate(TWEET, ctx)
    e = info.value
    assert (e.code, e.status_code, e.retryable) == ("rate_limited", 429, True)
    assert e.retry_after > 0 and e.details["retry_after_s"] == e.retry_after
    assert (e.details["limit"], e.details["period_s"], e.details["quota"]) == (1, 3600, "key")
    with pytest.raises(splants.ValidationError) as tier:
        await engine.generate(TWEET, splants.RequestContext(key_id="key_2", tier="platinum"))
    assert tier.value.field == "tier"


async def test_provider_errors(fake_provider: FakeProvider) -> None:
    fake_provider.status = 500
    engine = paid_engine(fake_provider)
    with pytest.raises(splants.AIProviderError) as info:
        await engine.generate(TWEET)
    e = info.value
    assert type(e) is splants.AIProviderError
    assert (e.code, e.status_code) == ("provider_error", 502)
    assert (e.details["provider"], e.details["status"]) == ("compatible", 500)

    fake_provider.status = 200
    fake_provider.text = "   "
    with pytest.raises(splants.ContentGenerationError) as empty:
        await engine.generate(TWEET)
    assert (empty.value.code, empty.value.status_code) == ("content_generation_error", 502)
    assert "no text" in empty.value.details["reason"]


@pytest.fixture
def stalled(fake_provider: FakeProvider) -> Iterator[FakeProvider]:
    release = threading.Event()
    fake_provider.before_answer = lambda: release.wait(30)
    yield fake_provider
    release.set()


async def test_provider_timeout_is_a_provider_error(stalled: FakeProvider) -> None:
    engine = paid_engine(stalled, provider_timeout=0.2)
    with pytest.raises(splants.AIProviderTimeoutError) as info:
        await engine.generate(TWEET)
    e = info.value
    assert isinstance(e, splants.AIProviderError)
    assert (e.code, e.status_code, e.retryable) == ("provider_timeout", 504, True)
    assert e.details == {"provider": "compatible", "timeout_ms": 200, "retryable": True}


async def test_config_and_authentication_errors() -> None:
    with pytest.raises(splants.ConfigError) as unknown:
        splants.ContentEngine(provider="gemini")  # type: ignore[arg-type]
    assert unknown.value.details["field"] == "provider" and "gemini" in unknown.value.details["reason"]
    with pytest.raises(splants.ConfigError) as no_url:
        splants.ContentEngine(provider="compatible", model="m")
    assert no_url.value.details["field"] == "OPENAI_BASE_URL"
    with pytest.raises(splants.ConfigError) as unpriced:
        splants.ContentEngine(provider="compatible", openai_base_url="http://127.0.0.1:9/v1", model="unpriced-x")
    assert unpriced.value.code == "config_error" and unpriced.value.status_code == 500
    with pytest.raises(splants.ConfigError) as budget:
        splants.ContentEngine(monthly_budget=-1.0)
    assert budget.value.details["field"] == "monthly_budget"

    # The database URLs people type: the sqlx and SQLAlchemy in-memory forms work; the bare
    # SQLAlchemy file form, which sqlx reads differently, is refused with the accepted forms.
    for memory in ("sqlite::memory:", "sqlite:///:memory:"):
        in_memory = splants.ContentEngine(provider="offline", database_url=memory)
        assert in_memory.storage_backend == "memory"
        assert (await in_memory.generate({"content_type": "social_media", "topic": "x"})).stored
    with pytest.raises(splants.ConfigError) as ambiguous:
        splants.ContentEngine(provider="offline", database_url="sqlite:///app.db")
    assert ambiguous.value.details["field"] == "DATABASE_URL"
    assert "sqlite:///./x.db" in ambiguous.value.details["reason"]

    engine = splants.ContentEngine(provider="offline", api_key="spl_test_secret_0123456789")
    ctx = await engine.verify_api_key("spl_test_secret_0123456789")
    assert ctx.key_id is not None and ctx.tier == "standard"
    with pytest.raises(splants.AuthenticationError) as denied:
        await engine.verify_api_key("spl_wrong_secret_0123456789")
    assert (denied.value.code, denied.value.status_code) == ("unauthorized", 403)
    assert "spl_wrong" not in str(denied.value)


@pytest.mark.parametrize(
    ("code", "cls", "status"),
    [
        ("storage_error", splants.StorageError, 500),
        ("internal", splants.InternalError, 500),
        ("unauthorized", splants.AuthenticationError, 403),
        ("content_generation_error", splants.ContentGenerationError, 502),
        ("config_error", splants.ConfigError, 500),
    ],
)
def test_rarely_raised_codes_map_to_their_class(code: str, cls: type[splants.SplantsError], status: int) -> None:
    e = _splants._error_for_code(code, "postgres://app:hunter2@db/x is down")
    assert type(e) is cls
    assert (e.code, e.status_code) == (code, status)
    assert isinstance(e.details, dict)
    assert e.message == str(e) and "hunter2" not in e.message if code == "storage_error" else "hunter2" in e.message
