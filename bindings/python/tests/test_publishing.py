"""Publishing from Python: a webhook account pointed at a local receiver that checks the
signature, the schedule API, and the typed errors (ValidationError, ConflictError)."""

from __future__ import annotations

import asyncio
import datetime
import hashlib
import hmac
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from conftest import TWEET

import splants

SECRET = "hook-secret-for-tests"


class Receiver:
    """A user's own system: takes signed posts, answers with an id, remembers each key once."""

    def __init__(self) -> None:
        self.posts: list[dict[str, Any]] = []
        self.keys: set[str] = set()
        self.bad_signatures = 0
        self.lock = threading.Lock()
        self.url = ""


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 (the http.server API)
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            ts = self.headers.get("X-Splants-Timestamp", "")
            want = "sha256=" + hmac.new(SECRET.encode(), f"{ts}.".encode() + body, hashlib.sha256).hexdigest()
            with r.lock:
                if not hmac.compare_digest(want, self.headers.get("X-Splants-Signature", "")):
                    r.bad_signatures += 1
                post = json.loads(body)
                r.posts.append(post)
                r.keys.add(self.headers.get("Idempotency-Key", ""))
            answer = json.dumps({"id": f"cms-{post['idempotency_key']}", "url": "https://cms.test/p"}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    r.url = f"http://127.0.0.1:{server.server_address[1]}/hooks/splants"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield r
    server.shutdown()
    server.server_close()


def engine_for(receiver: Receiver) -> splants.ContentEngine:
    accounts = {"cms": {"kind": "webhook", "url": receiver.url, "secret": SECRET}}
    return splants.ContentEngine(provider="offline", publish_accounts=accounts, schedule_poll=0.05)


async def wait_for(engine: splants.ContentEngine, schedule_id: str, status: str) -> splants.ScheduledPost:
    for _ in range(400):
        post = await engine.get_scheduled_post(schedule_id)
        if post.status == status:
            return post
        await asyncio.sleep(0.01)
    raise AssertionError(f"{schedule_id} never became {status}")


async def test_a_piece_is_published_through_a_signed_webhook(receiver: Receiver) -> None:
    engine = engine_for(receiver)
    accounts = await engine.accounts()
    assert [(a.name, a.platform, a.idempotent) for a in accounts] == [("cms", "webhook", True)]
    piece = await engine.generate(TWEET)
    posts = await engine.publish(piece.id, ["cms"])
    assert len(posts) == 1 and posts[0].status == "scheduled" and posts[0].account == "cms"
    done = await wait_for(engine, posts[0].id, "published")
    assert done.post_id == f"cms-{posts[0].id}" and done.post_url == "https://cms.test/p"
    assert done.attempts == 1 and isinstance(done.published_at, datetime.datetime)
    assert done.posted == [{"id": f"cms-{posts[0].id}", "url": "https://cms.test/p"}]
    assert receiver.bad_signatures == 0
    assert receiver.posts[0]["content_id"] == piece.id and receiver.posts[0]["parts"] == posts[0].parts
    assert receiver.keys == {posts[0].id}, "the entry's id is the idempotency key"
    assert done.to_dict()["status"] == "published"


async def test_the_schedule_lists_reschedules_and_cancels(receiver: Receiver) -> None:
    engine = engine_for(receiver)
    acme = splants.RequestContext(tenant="acme")
    piece = await engine.generate(TWEET, acme)
    soon = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(hours=2)
    later = [await engine.publish(piece.id, ["cms"], soon + datetime.timedelta(hours=h), acme) for h in (2, 1)]
    page = await engine.list_schedule(status="scheduled", limit=1, context=acme)
    assert [p.id for p in page.items] == [later[1][0].id] and page.next_cursor
    rest = await engine.list_schedule(cursor=page.next_cursor, context=acme)
    assert [p.id for p in rest.items] == [later[0][0].id]
    other = splants.RequestContext(tenant="other")
    assert (await engine.list_schedule(context=other)).items == [], "another tenant sees none"

    moved = await engine.reschedule_post(later[0][0].id, soon.isoformat(), acme)
    assert moved.scheduled_time == soon
    cancelled = await engine.cancel_post(later[1][0].id, acme)
    assert cancelled.status == "cancelled"
    with pytest.raises(splants.ConflictError) as conflict:
        await engine.cancel_post(later[1][0].id, acme)
    assert conflict.value.code == "conflict" and conflict.value.details["state"] == "cancelled"
    with pytest.raises(splants.NotFoundError):
        await engine.get_scheduled_post(later[0][0].id, other)
    assert receiver.posts == [], "nothing was due"


async def test_bad_publish_calls_raise_typed_errors_naming_the_field(receiver: Receiver) -> None:
    engine = engine_for(receiver)
    piece = await engine.generate(TWEET)
    with pytest.raises(splants.ValidationError) as unknown:
        await engine.publish(piece.id, ["nope"])
    assert unknown.value.field == "targets[0]" and "cms" in str(unknown.value)
    with pytest.raises(splants.ValidationError) as past:
        await engine.publish(piece.id, ["cms"], "2001-01-01T00:00:00Z")
    assert past.value.field == "scheduled_time"
    with pytest.raises(splants.ValidationError) as kind:
        await engine.publish(piece.id, "cms")
    assert kind.value.field == "targets"
    with pytest.raises(splants.ValidationError) as status:
        await engine.list_schedule(status="sent")
    assert status.value.field == "status"
    with pytest.raises(splants.NotFoundError):
        await engine.publish("0000", ["cms"])
    with pytest.raises(splants.ConfigError) as config:
        splants.ContentEngine(publish_accounts={"Bad Name": {"kind": "x", "token": "t"}})
    assert "publish_accounts" in str(config.value)
    assert (await engine.list_schedule()).items == []
