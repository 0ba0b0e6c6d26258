"""Key management (create, list, get, rotate, revoke) and health, from Python."""

from __future__ import annotations

import datetime
import socket
from typing import Any

import pytest
from conftest import MODEL, PRICES

import splants


async def test_a_key_is_created_verified_listed_rotated_and_revoked(engine: splants.ContentEngine) -> None:
    issued = await engine.create_key("ci", tier="premium", rate_limit_per_hour=7, budget=2.5, tenant="acme")
    assert isinstance(issued, splants.IssuedKey) and isinstance(issued, splants.ApiKeyInfo)
    assert (issued.name, issued.role, issued.tier, issued.status) == ("ci", "user", "premium", "active")
    assert (issued.rate_limit_per_hour, issued.budget, issued.tenant) == (7, 2.5, "acme")
    assert issued.secret and issued.secret.startswith(issued.prefix)
    assert issued.secret not in repr(issued), "the secret must not reach logs through repr"
    assert issued.to_dict()["secret"] == issued.secret

    ctx = await engine.verify_api_key(issued.secret)
    assert (ctx.key_id, ctx.tier, ctx.tenant, ctx.key_budget) == (issued.identity, "premium", "acme", 2.5)

    listed = await engine.list_keys()
    assert [k.id for k in listed] == [issued.id]
    assert all(not hasattr(k, "secret") for k in listed)
    got = await engine.get_key(issued.id)
    assert got.id == issued.id and got.identity == issued.identity

    rotated = await engine.rotate_key(issued.id, grace_hours=1)
    assert isinstance(rotated, splants.RotatedKey)
    new = rotated.new_key
    assert new.secret != issued.secret and new.identity == issued.identity and new.tier == "premium"
    assert rotated.old_key_expires <= datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(hours=1)
    assert new.secret not in repr(rotated)
    # Both secrets work during the grace period, under one identity.
    assert (await engine.verify_api_key(issued.secret)).key_id == issued.identity
    assert (await engine.verify_api_key(new.secret)).key_id == issued.identity
    statuses = {k.id: k.status for k in await engine.list_keys()}
    assert statuses == {issued.id: "expiring", new.id: "active"}

    await engine.revoke_key(new.id)
    with pytest.raises(splants.AuthenticationError):
        await engine.verify_api_key(new.secret)
    assert (await engine.get_key(new.id)).status == "revoked"


async def test_bad_key_input_is_refused_naming_the_field_and_stores_nothing(engine: splants.ContentEngine) -> None:
    cases: list[tuple[dict[str, Any], str]] = [
        ({"name": "ci", "tier": "gold"}, "tier"),
        ({"name": ""}, "name"),
        ({"name": "x" * 101}, "name"),
        ({"name": "bad\x00name"}, "name"),
        ({"name": "ci", "tenant": "t\x1b[31m"}, "tenant"),
        ({"name": "ci", "role": "root"}, "role"),
        ({"name": "ci", "rate_limit_per_hour": 0}, "rate_limit_per_hour"),
        ({"name": "ci", "rate_limit_per_hour": -1}, "rate_limit_per_hour"),
        ({"name": "ci", "budget": -1}, "budget"),
        ({"name": "ci", "expires_at": "2001-01-01T00:00:00Z"}, "expires_at"),
        ({"name": "ci", "expires_at": "tomorrow"}, "expires_at"),
    ]
    for fields, field in cases:
        name = fields.pop("name")
        with pytest.raises(splants.ValidationError) as info:
            await engine.create_key(name, **fields)
        assert info.value.field == field, (fields, info.value)
    assert await engine.list_keys() == []

    key = await engine.create_key("ci")
    for grace in (721, -1, 1.5, "a day"):
        with pytest.raises(splants.ValidationError) as info:
            await engine.rotate_key(key.id, grace_hours=grace)  # type: ignore[arg-type]
        assert info.value.field == "grace_hours"
    for missing in ("key_nope", "key_\x00", ""):
        with pytest.raises(splants.NotFoundError):
            await engine.get_key(missing)
        with pytest.raises(splants.NotFoundError):
            await engine.revoke_key(missing)
        with pytest.raises(splants.NotFoundError):
            await engine.rotate_key(missing)
    assert [k.status for k in await engine.list_keys()] == ["active"]


async def test_health_reports_each_component(engine: splants.ContentEngine) -> None:
    h = await engine.health()
    assert isinstance(h, splants.Health)
    assert h.status == "healthy"
    assert set(h.components) == {"database", "cache", "providers"}
    assert h.components["database"].status == "healthy"
    assert h.components["cache"].status == "disabled"
    assert h.components["providers"].error is None
    assert h.system.uptime_s >= 0 and (h.system.rss_bytes or 0) > 1_000_000
    assert 0 < (h.system.memory_percent or 0) <= 100
    assert h.system.cpu_percent is not None and 0 <= h.system.cpu_percent <= 100
    assert h.to_dict()["components"]["database"]["status"] == "healthy"


async def test_health_of_an_unreachable_provider_is_degraded_without_detail() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    # Nothing listens on `port` once the socket is closed.
    engine = splants.ContentEngine(
        provider="compatible", openai_base_url=f"http://127.0.0.1:{port}/v1", model=MODEL, prices=PRICES
    )
    h = await engine.health()
    providers = h.components["providers"]
    assert (h.status, providers.status) == ("degraded", "unhealthy")
    assert providers.error is not None and providers.error.startswith("the check failed")
    assert str(port) not in repr(h.to_dict())
