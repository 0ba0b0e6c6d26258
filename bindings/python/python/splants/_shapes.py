"""Typed dicts of the core shapes the engine takes or hands back as plain dicts (their JSON
shape): the nested rows of the analytics reports, engagement events and template overrides.

Each declares every field of its core shape (``bindings/shared/shapes.json``, generated from
the Rust types); ``tests/test_shapes.py`` fails when the core gains a field that is missing here.
"""

from __future__ import annotations

import datetime
from typing import Optional, Sequence, TypedDict, Union

__all__ = [
    "DayStat",
    "EngagementCounts",
    "HourRank",
    "NewEvent",
    "PlatformCount",
    "PlatformEngagement",
    "RoiTypeLine",
    "TemplateOverrides",
    "TypeRank",
    "TypeStat",
    "UsageTotals",
]


class PlatformCount(TypedDict):
    """Pieces on a platform (``Overview.top_platforms``)."""

    platform: str
    count: int


class TypeStat(TypedDict):
    """Pieces and cost of one content type (``Overview.by_content_type``)."""

    content_type: Optional[str]
    count: int
    cost: float


class DayStat(TypedDict):
    """Pieces and cost of one UTC day, ``YYYY-MM-DD`` (``Overview.cost_per_day``)."""

    date: str
    count: int
    cost: float


class UsageTotals(TypedDict):
    """Every provider call in a range (``Overview.ai_usage``); cost in dollars."""

    calls: int
    failed_calls: int
    cost: float
    input_tokens: int
    output_tokens: int
    cached_tokens: int


class EngagementCounts(TypedDict):
    """Event counts and revenue in dollars (``EngagementReport.totals``)."""

    impressions: int
    clicks: int
    shares: int
    likes: int
    comments: int
    conversions: int
    revenue: float


class PlatformEngagement(EngagementCounts):
    """One platform's engagement (``EngagementReport.by_platform``)."""

    platform: str
    engagement_rate: float


class TypeRank(EngagementCounts):
    """A content type ranked by engagement (``EngagementReport.best_content_types``)."""

    content_type: str
    engagement_rate: float


class HourRank(EngagementCounts):
    """A UTC posting hour ranked by engagement (``EngagementReport.best_posting_hours``)."""

    hour: int
    engagement_rate: float


class RoiTypeLine(TypedDict):
    """One content type's line of the ROI report (``RoiReport.by_content_type``)."""

    content_type: str
    pieces: int
    ai_cost: float
    freelance_cost: float
    hours_saved: float


class PostedPart(TypedDict, total=False):
    """One part of a published post (``ScheduledPost.posted``): the platform's id, its URL
    when the platform says, and Bluesky's ``cid``."""

    id: str
    url: str
    cid: str


class _NewEventName(TypedDict):
    event_name: str


class NewEvent(_NewEventName, total=False):
    """An engagement event for ``record_events``: ``event_name`` is required (``impression``,
    ``click``, ``share``, ``like``, ``comment``, ``conversion``), the rest optional."""

    content_id: str
    platform: str
    count: int
    value: float
    occurred_at: Union[str, datetime.datetime]


class TemplateOverrides(TypedDict, total=False):
    """Brief fields that win over a template's defaults (``generate_from_template``)."""

    tone: str
    length: int
    platform: str
    keywords: Sequence[str]
    target_audience: str
    call_to_action: str
    language: str
    include_hashtags: bool
    seo_optimize: bool
