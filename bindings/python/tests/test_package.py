"""The package surface: exports, typing marker, and the constructor's runtime signature."""

from __future__ import annotations

import inspect
import pathlib
import subprocess
import sys

import pytest

import splants
from splants import _splants


def test_exports_and_typing_marker() -> None:
    assert splants.__version__ == _splants.__version__ == "0.1.0"
    for name in splants.__all__:
        assert hasattr(splants, name), name
    package = pathlib.Path(splants.__file__).parent
    assert (package / "py.typed").is_file()
    assert (package / "_splants.pyi").is_file()


async def test_constructor_takes_the_engine_options_with_their_python_defaults() -> None:
    # The keyword arguments are listed once, in EngineOptions (checked against the core by
    # test_options.py); the native constructor and the wrapper both take them as **options.
    runtime = inspect.signature(_splants.ContentEngine)
    wrapper = inspect.signature(splants.ContentEngine.__init__)
    wrapper_params = [p for p in wrapper.parameters.values() if p.name != "self"]
    for params in (list(runtime.parameters.values()), wrapper_params):
        assert [(p.name, p.kind) for p in params] == [("options", inspect.Parameter.VAR_KEYWORD)]
    engine = splants.ContentEngine()
    assert engine.storage_backend == "memory", "database_url defaults to memory:// in Python"
    [status] = await engine.budget_status()
    assert status.limit == 100.0, "monthly_budget defaults to 100"


def test_request_context_fields() -> None:
    ctx = splants.RequestContext(key_id="key_1", tier="premium", tenant="acme", key_budget=2.5, request_id="r-1")
    assert (ctx.key_id, ctx.tier, ctx.tenant, ctx.owner, ctx.key_budget, ctx.tenant_budget) == (
        "key_1",
        "premium",
        "acme",
        "acme",
        2.5,
        None,
    )
    assert ctx.to_dict() == {
        "key_id": "key_1",
        "tier": "premium",
        "tenant": "acme",
        "key_budget": 2.5,
        "tenant_budget": None,
        "request_id": "r-1",
        "quota": None,
    }
    assert ctx == splants.RequestContext(**ctx.to_dict()) and ctx != splants.RequestContext()
    assert splants.RequestContext(key_id="k").owner == "k"
    with pytest.raises(splants.ValidationError) as bad:
        splants.RequestContext(key_budget=-1.0)
    assert bad.value.field == "key_budget"
    for bad_quota in [(0, 60.0), (1, -1.0), (1, float("nan")), (1, 1e30), (1, 90_000.0)]:
        with pytest.raises(splants.ValidationError) as quota:
            splants.RequestContext(quota=bad_quota)
        assert quota.value.field == "quota", bad_quota


async def test_from_env_reads_the_original_variables(
    monkeypatch: pytest.MonkeyPatch, tmp_path: pathlib.Path
) -> None:
    monkeypatch.chdir(tmp_path)  # no stray .env
    for name in ("OPENAI_API_KEY", "ANTHROPIC_API_KEY", "OPENAI_BASE_URL", "SPLANTS_PROVIDER", "DATABASE_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("MONTHLY_AI_BUDGET", "7")
    monkeypatch.setenv("DATABASE_URL", "memory://")
    engine = splants.ContentEngine.from_env()
    assert engine.provider_name == "offline"
    [status] = await engine.budget_status()
    assert status.limit == 7.0
    monkeypatch.setenv("MONTHLY_AI_BUDGET", "lots")
    with pytest.raises(splants.ConfigError) as bad:
        splants.ContentEngine.from_env()
    assert bad.value.details["field"] == "MONTHLY_AI_BUDGET"


EXIT_SCRIPT = """
import asyncio, splants
engine = splants.ContentEngine(provider="offline")
brief = {"content_type": "social_media", "topic": "Exit", "platform": "twitter"}
async def main():
    tasks = [asyncio.ensure_future(engine.generate(brief)) for _ in range(20)]
    await asyncio.sleep(0)
    return len(tasks)
print(asyncio.run(main()))
"""


def test_interpreter_exits_cleanly_with_calls_in_flight(tmp_path: pathlib.Path) -> None:
    # asyncio.run cancels the 20 tasks while Rust may still be working on them; the atexit
    # hook must keep their delivery away from a finalizing interpreter (no crash, exit 0).
    for _ in range(10):
        done = subprocess.run([sys.executable, "-c", EXIT_SCRIPT], cwd=tmp_path, capture_output=True, timeout=60)
        assert (done.returncode, done.stdout.strip(), done.stderr) == (0, b"20", b"")


_TWO_COPIES = r"""
import asyncio, importlib.util, pathlib, shutil, tempfile
import splants
from splants import _splants

# A second copy of the extension module, loaded from another file as a module of its own, as
# when two environments' site-packages end up on one path, or beside another extension that
# brings its own allocator: each dlopen needs its own thread-local storage.
with tempfile.TemporaryDirectory() as tmp:
    copy = pathlib.Path(tmp) / pathlib.Path(_splants.__file__).name
    shutil.copyfile(_splants.__file__, copy)
    spec = importlib.util.spec_from_file_location("_splants", copy)
    second = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(second)
    assert second is not _splants and second.ContentEngine is not _splants.ContentEngine

    async def main():
        brief = {"content_type": "social_media", "topic": "Two copies, one process", "platform": "twitter", "length": 40}
        first = await splants.ContentEngine(provider="offline").generate(brief)
        other = await second.ContentEngine(provider="offline", database_url="memory://").generate(brief)
        print(first.provider, other.provider)

    asyncio.run(main())
"""


def test_a_second_copy_of_the_extension_loads_and_generates() -> None:
    # The extension allocates through mimalloc. Built with initial-exec thread-locals, it would
    # take about 1 KiB of glibc's static TLS reserve for modules loaded with dlopen, and a
    # second such module would fail to import ("cannot allocate memory in static TLS block").
    out = subprocess.run([sys.executable, "-c", _TWO_COPIES], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["offline", "offline"]
