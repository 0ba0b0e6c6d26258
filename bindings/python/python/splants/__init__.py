"""splants: turn a marketing brief into finished, scored copy through an LLM, with a budget
that is never overspent.

The engine is Rust (``splants._splants``); this package only wraps each of its awaitables in
an ``async def``, so every method is a real coroutine (usable with ``asyncio.run``,
``asyncio.gather`` and ``asyncio.create_task``)::

    import asyncio
    from splants import ContentEngine

    async def main() -> None:
        engine = ContentEngine()  # offline drafter, in-memory store
        piece = await engine.generate({"content_type": "blog", "topic": "AI marketing tips"})
        print(piece.content, piece.quality_score)

    asyncio.run(main())
"""

from __future__ import annotations

import asyncio
import atexit
import os
from typing import TYPE_CHECKING, Any, AsyncIterator, Mapping, Sequence, Union

from ._options import EngineOptions

if TYPE_CHECKING:
    from typing_extensions import Unpack

from . import _splants
from ._shapes import (
    DayStat,
    EngagementCounts,
    HourRank,
    NewEvent,
    PlatformCount,
    PlatformEngagement,
    PostedPart,
    RoiTypeLine,
    TemplateOverrides,
    TypeRank,
    TypeStat,
    UsageTotals,
)
from ._splants import (
    AccountInfo,
    ApiKeyInfo,
    Assessment,
    RepairNote,
    ComponentHealth,
    Health,
    IssuedKey,
    RotatedKey,
    ShutdownReport,
    SystemHealth,
    AIProviderError,
    AIProviderTimeoutError,
    AuthenticationError,
    BatchError,
    BatchItem,
    BatchResult,
    BudgetExceededError,
    BudgetStatus,
    ConfigError,
    ContentGenerationError,
    ContentMetadata,
    ContentPage,
    ContentRequest,
    EngagementReport,
    SchedulePage,
    ScheduledPost,
    GeneratedContent,
    InternalError,
    NotFoundError,
    ConflictError,
    Overview,
    Quote,
    QuoteTarget,
    RateLimitError,
    Readability,
    RequestContext,
    RoiReport,
    SplantsError,
    StorageError,
    StreamDelta,
    StreamDone,
    Template,
    TemplateError,
    TemplateRef,
    TemplateVariable,
    Usage,
    ValidationError,
)

__version__: str = _splants.__version__

RequestLike = Union[ContentRequest, Mapping[str, Any]]
"""A brief: a :class:`ContentRequest` or a dict in the original app's JSON shape."""

StreamEvent = Union[StreamDelta, StreamDone]
"""An event of :meth:`ContentEngine.generate_stream`: tell them apart by ``kind``
(``"delta"`` or ``"done"``) or with ``isinstance``."""

__all__ = [
    "AIProviderError",
    "EngineOptions",
    "AccountInfo",
    "ApiKeyInfo",
    "Assessment",
    "RepairNote",
    "ComponentHealth",
    "Health",
    "IssuedKey",
    "RotatedKey",
    "ShutdownReport",
    "SystemHealth",
    "AIProviderTimeoutError",
    "AuthenticationError",
    "BatchError",
    "BatchItem",
    "BatchResult",
    "BudgetExceededError",
    "BudgetStatus",
    "ConfigError",
    "ContentEngine",
    "ContentGenerationError",
    "ContentMetadata",
    "ContentPage",
    "ContentRequest",
    "DayStat",
    "EngagementCounts",
    "EngagementReport",
    "GeneratedContent",
    "HourRank",
    "InternalError",
    "NewEvent",
    "NotFoundError",
    "ConflictError",
    "Overview",
    "PlatformCount",
    "PlatformEngagement",
    "PostedPart",
    "ScheduledPost",
    "SchedulePage",
    "Quote",
    "QuoteTarget",
    "RateLimitError",
    "Readability",
    "RequestContext",
    "RequestLike",
    "RoiReport",
    "RoiTypeLine",
    "SplantsError",
    "StorageError",
    "StreamDelta",
    "StreamDone",
    "StreamEvent",
    "Template",
    "TemplateError",
    "TemplateOverrides",
    "TemplateRef",
    "TemplateVariable",
    "TypeRank",
    "TypeStat",
    "Usage",
    "UsageTotals",
    "ValidationError",
]

# Let engine calls still in flight deliver their results before the interpreter finalizes
# (a tokio thread taking the GIL during finalization would crash the process).
atexit.register(_splants.settle)


class ContentEngine:
    """Turns briefs into finished, scored, stored copy within budget and rate limits.

    One engine is meant to be built at start-up and shared: it is safe to use from many
    threads and event loops at once. The constructor blocks briefly (without the GIL) while
    the engine is built; ``await ContentEngine.create(...)`` builds it off the event loop.

    ``database_url`` defaults to ``"memory://"`` (nothing touches the disk); ``sqlite://…``
    and ``postgres://…`` URLs are passed through to the core's storage. ``monthly_budget`` is
    in dollars per period (``None``: no global limit). ``prices`` overrides model prices
    (``{"model": {"input": 2.5, "output": 10}}`` in dollars per million tokens, the
    ``SPLANTS_PRICES`` format). Times are in seconds.
    """

    __slots__ = ("_engine",)

    def __init__(self, **options: Unpack[EngineOptions]) -> None:
        """Builds an engine from the engine options (see :class:`EngineOptions`: the core's
        table, the same names as the ``SPLANTS_*``/original environment variables describe).
        The core checks every value; a bad one raises :class:`ConfigError` naming the keyword.
        ``database_url`` defaults to ``memory://`` here."""
        self._engine = _splants.ContentEngine(**options)

    @classmethod
    def _wrap(cls, engine: _splants.ContentEngine) -> ContentEngine:
        self = cls.__new__(cls)
        self._engine = engine
        return self

    @classmethod
    def from_env(cls) -> ContentEngine:
        """An engine configured from the environment and ``.env``, with the original app's
        variables (``OPENAI_API_KEY``, ``ANTHROPIC_API_KEY``, ``MONTHLY_AI_BUDGET``,
        ``DATABASE_URL``, ``CACHE_ENABLED``, ``API_KEY``, ...) and ``SPLANTS_*``."""
        return cls._wrap(_splants.ContentEngine.from_env())

    @classmethod
    async def create(cls, **options: Unpack[EngineOptions]) -> ContentEngine:
        """Builds an engine off the event loop; takes the constructor's keyword arguments."""
        return await asyncio.to_thread(lambda: cls(**options))

    @property
    def provider_name(self) -> str:
        """The provider (or chain) that writes: ``offline``, ``openai``, ``compatible``, ..."""
        return self._engine.provider_name

    @property
    def default_model(self) -> str:
        """The provider's default model."""
        return self._engine.default_model

    @property
    def storage_backend(self) -> str:
        """The storage backend: ``memory``, ``sqlite`` or ``postgres``."""
        return self._engine.storage_backend

    def __repr__(self) -> str:
        return repr(self._engine)

    async def verify_api_key(self, secret: str) -> RequestContext:
        """The caller's context for an API key (``X-API-Key``); raises
        :class:`AuthenticationError` for a missing, unknown, expired or revoked key. The key
        given as ``api_key=`` (or ``API_KEY``) is registered when the engine starts."""
        return await self._engine.verify_api_key(secret)

    async def generate(self, request: RequestLike, context: RequestContext | None = None) -> GeneratedContent:
        """Generates one piece for ``request`` (a :class:`ContentRequest` or a dict)."""
        return await self._engine.generate(request, context)

    async def generate_stream(
        self, request: RequestLike, context: RequestContext | None = None
    ) -> AsyncIterator[StreamEvent]:
        """Generates one piece for ``request`` as it is written: :class:`StreamDelta` events
        with the text, then one :class:`StreamDone` with the finished, stored
        :class:`GeneratedContent`::

            async for event in engine.generate_stream({"content_type": "blog", "topic": "..."}):
                if event.kind == "delta":
                    print(event.text, end="", flush=True)
                else:
                    piece = event.content

        Validation, rate-limit and budget errors are raised before the first event; a failure
        after it raises the same typed exception :meth:`generate` raises. Leaving the loop
        early (``break``, an exception, a cancelled task) aborts the provider request and
        settles the budget hold at the usage seen so far, or at the reservation when that is
        unknown; nothing is left held."""
        stream = await self._engine.generate_stream(request, context)
        try:
            while True:
                event = await stream.next()
                if event is None:
                    return
                yield event
        finally:
            stream.close()

    async def generate_batch(
        self, requests: Sequence[RequestLike], context: RequestContext | None = None
    ) -> BatchResult:
        """Generates many pieces; one failure never fails the others (per-item status)."""
        return await self._engine.generate_batch(requests, context)

    async def generate_from_template(
        self,
        template_name: str,
        variables: Mapping[str, Any] | None = None,
        overrides: TemplateOverrides | Mapping[str, Any] | None = None,
        context: RequestContext | None = None,
    ) -> GeneratedContent:
        """Renders template ``template_name`` with ``variables`` and generates from it;
        ``overrides`` (tone, length, platform, keywords, ...) win over its defaults."""
        return await self._engine.generate_from_template(template_name, variables, overrides, context)

    async def quote(self, request: RequestLike) -> Quote:
        """The worst-case cost of ``request`` (what a generation would reserve); calls nobody."""
        return await self._engine.quote(request)

    async def get_content(self, content_id: str, context: RequestContext | None = None) -> GeneratedContent:
        """A stored piece by id (the caller's own when the context has an owner)."""
        return await self._engine.get_content(content_id, context)

    async def list_content(
        self,
        *,
        owner: str | None = None,
        content_type: str | None = None,
        platform: str | None = None,
        since: Any = None,
        until: Any = None,
        text: str | None = None,
        min_quality: float | None = None,
        caller_left: bool | None = None,
        limit: int | None = None,
        cursor: str | None = None,
        context: RequestContext | None = None,
    ) -> ContentPage:
        """A page of the library, newest first; pass ``page.next_cursor`` as ``cursor``.
        ``owner`` lists one key's or tenant's pieces (a context with an owner sees only its own).
        ``since`` / ``until`` are aware ``datetime`` objects or ISO 8601 strings.
        ``caller_left=True`` lists only pieces completed after their caller had gone away
        (stored in the background, never received); ``False`` only the others."""
        return await self._engine.list_content(
            owner=owner,
            content_type=content_type,
            platform=platform,
            since=since,
            until=until,
            text=text,
            min_quality=min_quality,
            caller_left=caller_left,
            limit=limit,
            cursor=cursor,
            context=context,
        )

    async def delete_content(self, content_id: str, context: RequestContext | None = None) -> None:
        """Deletes a stored piece; raises :class:`NotFoundError` when there is none."""
        await self._engine.delete_content(content_id, context)

    async def record_events(
        self, events: Sequence[NewEvent | Mapping[str, Any]], context: RequestContext | None = None
    ) -> int:
        """Records engagement events (all or none); returns how many were stored."""
        return await self._engine.record_events(events, context)

    async def analytics_overview(
        self, since: Any = None, until: Any = None, context: RequestContext | None = None
    ) -> Overview:
        """What was generated and spent in ``[since, until)`` (default: the last 30 days)."""
        return await self._engine.analytics_overview(since, until, context)

    async def engagement(
        self,
        since: Any = None,
        until: Any = None,
        platform: str | None = None,
        context: RequestContext | None = None,
    ) -> EngagementReport:
        """Engagement by platform, content type and posting hour (default: the last 30 days)."""
        return await self._engine.engagement(since, until, platform, context)

    async def roi(self, period: str = "month", context: RequestContext | None = None) -> RoiReport:
        """AI cost against freelance rates over the last ``week|month|quarter|year``."""
        return await self._engine.roi(period, context)

    async def budget_status(self, context: RequestContext | None = None) -> list[BudgetStatus]:
        """Budget figures of the current period: global, plus the caller's key and tenant."""
        return await self._engine.budget_status(context)

    async def list_templates(self) -> list[Template]:
        """Every template, sorted by name."""
        return await self._engine.list_templates()

    async def get_template(self, name: str) -> Template:
        """The template called ``name``; raises :class:`NotFoundError` when unknown."""
        return await self._engine.get_template(name)

    async def register_template(self, template: Template | Mapping[str, Any]) -> Template:
        """Validates, compiles and registers a template (replacing one of the same name)."""
        return await self._engine.register_template(template)

    async def publish(
        self,
        content_id: str,
        targets: Sequence[str],
        scheduled_time: Any = None,
        context: RequestContext | None = None,
    ) -> list[ScheduledPost]:
        """Schedules the piece to each account of ``targets`` (names from :meth:`accounts`) at
        ``scheduled_time`` (an aware ``datetime`` or ISO 8601 string; now when left out), all or
        none. Each account's platform limits are checked first: a post that cannot succeed raises
        :class:`ValidationError` naming the target (``targets[1]``)."""
        return await self._engine.publish(content_id, targets, scheduled_time, context)

    async def accounts(self) -> list[AccountInfo]:
        """The configured publishing accounts (names and platforms, never credentials)."""
        return await self._engine.accounts()

    async def list_schedule(
        self,
        *,
        owner: str | None = None,
        status: str | None = None,
        account: str | None = None,
        content_id: str | None = None,
        since: Any = None,
        until: Any = None,
        limit: int | None = None,
        cursor: str | None = None,
        context: RequestContext | None = None,
    ) -> SchedulePage:
        """A page of the schedule, earliest first; pass ``page.next_cursor`` as ``cursor``.
        ``status`` is one of scheduled, publishing, published, failed, unknown, cancelled."""
        return await self._engine.list_schedule(
            owner=owner,
            status=status,
            account=account,
            content_id=content_id,
            since=since,
            until=until,
            limit=limit,
            cursor=cursor,
            context=context,
        )

    async def get_scheduled_post(self, schedule_id: str, context: RequestContext | None = None) -> ScheduledPost:
        """One schedule entry; raises :class:`NotFoundError` when there is none."""
        return await self._engine.get_scheduled_post(schedule_id, context)

    async def cancel_post(self, schedule_id: str, context: RequestContext | None = None) -> ScheduledPost:
        """Cancels an entry still ``scheduled``; raises :class:`ConflictError` once it is
        publishing or done."""
        return await self._engine.cancel_post(schedule_id, context)

    async def reschedule_post(
        self, schedule_id: str, scheduled_time: Any, context: RequestContext | None = None
    ) -> ScheduledPost:
        """Moves an entry still ``scheduled`` to ``scheduled_time``; :class:`ConflictError` once
        it is publishing or done."""
        return await self._engine.reschedule_post(schedule_id, scheduled_time, context)

    def start_scheduler(self) -> None:
        """Starts this engine's publishing worker in the background (once). Several processes on
        one database share the queue; each post is published by one of them."""
        self._engine.start_scheduler()

    async def create_key(
        self,
        name: str,
        *,
        role: str | None = None,
        tier: str | None = None,
        rate_limit_per_hour: int | None = None,
        budget: float | None = None,
        tenant: str | None = None,
        expires_at: Any = None,
    ) -> IssuedKey:
        """Creates an API key (``role`` ``user`` by default, ``tier`` the configured default).
        The answer's ``secret`` is shown this once and cannot be recovered. Raises
        :class:`ValidationError` naming the field: an unknown tier, an empty or over-long name,
        control characters, an ``expires_at`` in the past."""
        return await self._engine.create_key(
            name,
            role=role,
            tier=tier,
            rate_limit_per_hour=rate_limit_per_hour,
            budget=budget,
            tenant=tenant,
            expires_at=expires_at,
        )

    async def list_keys(self) -> list[ApiKeyInfo]:
        """Every API key, without secrets or hashes (revoked and rotated-out keys included)."""
        return await self._engine.list_keys()

    async def get_key(self, key_id: str) -> ApiKeyInfo:
        """One API key; raises :class:`NotFoundError` when there is none."""
        return await self._engine.get_key(key_id)

    async def rotate_key(self, key_id: str, grace_hours: int | None = None) -> RotatedKey:
        """Gives key ``key_id`` a new secret under the same identity (budget, quota, library);
        the old secret keeps working for ``grace_hours`` (24 by default, at most 720). This is
        the trusted path: your application decides who may rotate what."""
        return await self._engine.rotate_key(key_id, grace_hours)

    async def revoke_key(self, key_id: str) -> None:
        """Revokes key ``key_id``: it stops working at once."""
        await self._engine.revoke_key(key_id)

    async def health(self) -> Health:
        """The health of the database, the cache and the providers (``healthy`` or
        ``degraded``) with the process's uptime and memory; never raises for a failing
        component (its ``error`` says what kind of failure, the log has the detail)."""
        return await self._engine.health()

    async def shutdown(self, grace_seconds: float | None = None) -> ShutdownReport:
        """Stops cleanly; call it after the last request, before the process exits (FastAPI's
        lifespan end). Stops the publishing worker, waits up to ``grace_seconds`` (the
        configured ``shutdown_grace``, 30 s by default, when ``None``; at most 3600) for
        generations still completing in the background, aborts the rest — their holds settle
        at the estimate, since the provider may bill them — then waits for the budget writes
        on their way. Raises ``ValidationError`` naming ``grace_seconds`` for a bad value."""
        return await self._engine.shutdown(grace_seconds)
