"""The engine options: the keyword arguments of ``ContentEngine(...)``.

The fields are the core's table of engine options (``splants::config::engine_options()``), the
same table the environment variables and the Node options go through; every value is checked
by the core, whose errors name the keyword. Do not edit by hand: ``tests/test_options.py``
fails when this differs from the core, and prints what it should be.
"""

from __future__ import annotations

import os
from typing import Any, Literal, Mapping, Sequence, TypedDict

__all__ = ["EngineOptions"]


class EngineOptions(TypedDict, total=False):
    """Keyword arguments of ``ContentEngine(...)``, all optional. ``None`` leaves a setting at
    its default, except ``monthly_budget=None``, which means no global limit. In Python,
    ``database_url`` defaults to ``memory://`` (nothing on disk unless asked)."""

    # <generated from splants::config::engine_options()>
    provider: Literal['auto', 'openai', 'anthropic', 'compatible', 'offline', 'ollama', 'vllm', 'llamacpp'] | None
    """which provider writes: auto (default), openai, anthropic, compatible (also ollama, vllm, llamacpp) or offline"""
    openai_api_key: str | None
    """OpenAI API key"""
    openai_base_url: str | None
    """an OpenAI-compatible server or gateway, e.g. http://localhost:11434/v1"""
    anthropic_api_key: str | None
    """Anthropic API key"""
    anthropic_base_url: str | None
    """Anthropic base URL"""
    model: str | None
    """the primary provider's model (required for compatible servers)"""
    fallback_model: str | None
    """the fallback provider's model"""
    prices: Mapping[str, Any] | str | None
    """price overrides in dollars per million tokens, by model id"""
    provider_timeout: float | None
    """seconds per provider attempt (default 60)"""
    max_attempts: int | None
    """attempts per provider, 1..=10 (default 3)"""
    max_output_tokens: int | None
    """cap on max_tokens, 64..=1000000 (default 8192)"""
    reasoning_tokens: int | None
    """extra output tokens for reasoning models (default 0)"""
    temperature: float | None
    """sampling temperature, 0..=2 (provider default when unset)"""
    monthly_budget: float | None
    """dollars per budget period (default 100); null for no global limit"""
    budget_period: Literal['day', 'week', 'month'] | None
    """day, week or month (default month)"""
    budget_reset_day: int | None
    """day of month 1..=28, or ISO weekday 1..=7 for weeks (default 1)"""
    budget_utc_offset: str | int | None
    """offset of the period's midnight, e.g. +02:00 (default +00:00)"""
    budget_alerts: Sequence[int] | None
    """alert thresholds in percent (default 50,80,95,100)"""
    budget_wait: float | None
    """seconds a call held up only by calls in flight waits for room, 0..=600 (default 15)"""
    degrade: str | None
    """off (default), shrink, shrink:<min tokens> or model:<model id>"""
    on_caller_left: Literal['complete', 'abort'] | None
    """complete (default) or abort: a generation whose caller left after the request was sent"""
    shutdown_grace: float | None
    """seconds shutdown waits for generations finishing in the background, 0..=3600 (default 30)"""
    rate_limits: Mapping[str, int] | None
    """requests per hour by tier, added to free 10, standard 60, premium 300"""
    rate_per_minute: int | None
    """requests per minute for every key, 0 turns it off (default 60)"""
    default_tier: str | None
    """tier of keys that name none (default standard)"""
    cache: bool | None
    """answer identical briefs from the cache (default false)"""
    cache_ttl: float | None
    """seconds a cached piece lives (default 3600)"""
    cache_capacity: int | None
    """pieces the cache holds (default 10000)"""
    redis_url: str | None
    """redis:// or rediss:// URL shared by instances for rate limits and the cache"""
    database_url: str | None
    """sqlite://path (default sqlite://splants.db), postgres://…, postgresql://… or memory://"""
    db_min_connections: int | None
    """connections a Postgres pool keeps open (default 5)"""
    db_max_connections: int | None
    """most connections per pool, 1..=1000 (default 20)"""
    db_acquire_timeout: float | None
    """seconds to wait for a connection, 1..=3600 (default 30)"""
    db_statement_timeout: float | None
    """Postgres statement_timeout in seconds, 0 for none (default 60)"""
    db_idle_timeout: float | None
    """seconds before an idle connection is closed, 0 for never (default 300)"""
    api_key: str | None
    """the bootstrap admin key"""
    batch_max: int | None
    """requests per batch, 1..=1000 (default 10)"""
    batch_concurrency: int | None
    """items of a batch generated at once, 1..=256 (default 4)"""
    templates_dir: str | os.PathLike[str] | None
    """a directory of extra templates (TOML/YAML)"""
    freelance_rates: str | None
    """what ROI compares against: type=price[:hours],…"""
    publish_accounts: Mapping[str, Mapping[str, Any]] | str | None
    """platform accounts posts are published to, by name: a JSON object (see docs/publishing.md)"""
    scheduler: bool | None
    """run the publishing worker wherever an engine with accounts starts (default true)"""
    schedule_poll: float | None
    """seconds between an idle worker's looks for due posts, 0.05..=3600 (default 1)"""
    schedule_lease: float | None
    """seconds a worker's claim on a post holds, 1..=3600 (default 60)"""
    schedule_concurrency: int | None
    """posts one worker publishes at once, 1..=1024 (default 16)"""
    schedule_max_attempts: int | None
    """attempts per post before it fails, 1..=100 (default 5)"""
    schedule_retry: float | None
    """first retry delay in seconds, doubled each time, 0..=86400 (default 30)"""
    schedule_retry_max: float | None
    """longest delay between attempts, 1..=604800 (default 3600)"""
    publish_timeout: float | None
    """seconds per platform request, 1..=600 (default 30)"""
    webhook_content_generated_url: str | None
    """receives content.generated"""
    webhook_content_published_url: str | None
    """receives content.published"""
    webhook_daily_report_url: str | None
    """receives daily.report"""
    webhook_secret: str | None
    """HMAC key of webhook signatures"""
    webhook_allow_private: bool | None
    """allow webhook URLs on loopback or private networks (default false)"""
    # </generated>
