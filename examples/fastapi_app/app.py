"""The original SPLANTS FastAPI routes, served by the Rust engine through the `splants` wheel.

Run it (after `pip install bindings/python fastapi uvicorn`)::

    API_KEY=spl_local_dev_key_123 uvicorn --factory app:create_app --app-dir examples/fastapi_app

Every route awaits the engine; errors become the original JSON body
``{"error", "type", "code", "details"}`` with the statuses of the original app
(402 budget, 429 rate limit with ``Retry-After``, 422 validation, 502 provider, ...).
Requests authenticate with ``X-API-Key`` (403 when missing or wrong), checked by the engine's
key store, which hashes keys and compares them in constant time.
"""

import math
from contextlib import asynccontextmanager
from datetime import datetime, timezone
from typing import Any, AsyncIterator, Dict, List, Optional, Tuple, Type

from fastapi import Depends, FastAPI, Request
from fastapi.responses import JSONResponse
from fastapi.security import APIKeyHeader
from pydantic import BaseModel, ConfigDict, Field

import splants

# Status per exception class, most specific first (the original app's codes).
STATUS: List[Tuple[Type[splants.SplantsError], int]] = [
    (splants.BudgetExceededError, 402),
    (splants.RateLimitError, 429),
    (splants.ValidationError, 422),
    (splants.TemplateError, 422),
    (splants.AIProviderTimeoutError, 504),
    (splants.AIProviderError, 502),
    (splants.ContentGenerationError, 502),
    (splants.AuthenticationError, 403),
    (splants.NotFoundError, 404),
    (splants.SplantsError, 500),
]


class ContentRequest(BaseModel):
    """The original request model; the engine validates values (and names the bad field)."""

    model_config = ConfigDict(extra="forbid")

    content_type: str = Field(..., examples=["blog"])
    topic: str = Field(..., examples=["10 AI Marketing Tips for Small Business Owners"])
    keywords: List[str] = Field(default_factory=list)
    tone: str = "professional"
    target_audience: Optional[str] = None
    platform: Optional[str] = None
    length: Optional[int] = None
    seo_optimize: bool = True
    include_hashtags: Optional[bool] = None
    language: Optional[str] = None
    call_to_action: Optional[str] = None


def error_body(exc: splants.SplantsError) -> Dict[str, Any]:
    return {"error": exc.message, "type": type(exc).__name__, "code": exc.code, "details": exc.details}


def create_app(engine: Optional[splants.ContentEngine] = None) -> FastAPI:
    """The app around `engine` (default: configured from the environment, as the original)."""
    engine = engine if engine is not None else splants.ContentEngine.from_env()

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        yield
        # Generations whose callers left finish (or are settled) before the worker exits.
        await engine.shutdown()

    app = FastAPI(title="SPLANTS Marketing Engine", version=splants.__version__, lifespan=lifespan)
    api_key_header = APIKeyHeader(name="X-API-Key", auto_error=False)

    async def verify_api_key(key: Optional[str] = Depends(api_key_header)) -> splants.RequestContext:
        return await engine.verify_api_key(key or "")

    @app.exception_handler(splants.SplantsError)
    async def splants_error(request: Request, exc: splants.SplantsError) -> JSONResponse:
        status = next(code for cls, code in STATUS if isinstance(exc, cls))
        headers: Dict[str, str] = {}
        if isinstance(exc, splants.RateLimitError):
            headers["Retry-After"] = str(max(1, math.ceil(exc.retry_after)))
        return JSONResponse(status_code=status, content=error_body(exc), headers=headers)

    @app.get("/health", tags=["System"])
    async def health() -> Dict[str, Any]:
        await engine.budget_status()  # the engine and its ledger answer
        return {
            "status": "healthy",
            "timestamp": datetime.now(timezone.utc).isoformat(),
            "components": {
                "engine": {
                    "status": "healthy",
                    "provider": engine.provider_name,
                    "model": engine.default_model,
                    "storage": engine.storage_backend,
                }
            },
        }

    @app.post("/v1/content/generate", tags=["Content Generation"])
    async def generate_content(
        request: ContentRequest, ctx: splants.RequestContext = Depends(verify_api_key)
    ) -> Dict[str, Any]:
        piece = await engine.generate(request.model_dump(exclude_none=True), ctx)
        return piece.to_dict()

    @app.post("/v1/content/batch", tags=["Content Generation"])
    async def generate_content_batch(
        requests: List[ContentRequest], ctx: splants.RequestContext = Depends(verify_api_key)
    ) -> Dict[str, Any]:
        result = await engine.generate_batch([r.model_dump(exclude_none=True) for r in requests], ctx)
        return result.to_dict()

    @app.get("/v1/templates", tags=["Templates"])
    async def list_templates(ctx: splants.RequestContext = Depends(verify_api_key)) -> Dict[str, Any]:
        templates = await engine.list_templates()
        return {"templates": [t.name for t in templates]}

    @app.get("/v1/templates/{name}", tags=["Templates"])
    async def get_template(name: str, ctx: splants.RequestContext = Depends(verify_api_key)) -> Dict[str, Any]:
        return (await engine.get_template(name)).to_dict()

    @app.post("/v1/content/from-template", tags=["Content Generation"])
    async def generate_from_template(
        template_name: str,
        variables: Dict[str, Any],
        ctx: splants.RequestContext = Depends(verify_api_key),
    ) -> Dict[str, Any]:
        piece = await engine.generate_from_template(template_name, variables, context=ctx)
        return piece.to_dict()

    return app

