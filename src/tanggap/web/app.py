"""The FastAPI application: API, console, metrics, OpenAPI docs at /docs (staff only)."""

from __future__ import annotations

import logging
from pathlib import Path

import fastapi_offline
from fastapi import Depends, FastAPI, Request
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.responses import JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.middleware.sessions import SessionMiddleware

import tanggap
from tanggap.config import Settings
from tanggap.platforms.interface import Platform
from tanggap.store.checkpoints import CheckpointLog
from tanggap.store.uow import Store
from tanggap.web import (
    account_pages, api, appeal_pages, audit_pages, checkpoint_api, console, evidence_pages, intake_pages, problems,
    review_api, review_pages, reversal_api, reversal_pages, transparency_pages, translation,
)
from tanggap.web import i18n
from tanggap.web.auth import staff_or_metrics_token
from tanggap.web.context import AppContext
from tanggap.web.guards import BodyLimit, TrustedHosts
from tanggap.web.inputs import no_nul_in_request
from tanggap.web.metrics import Metrics

log = logging.getLogger(__name__)
# Swagger UI and ReDoc ship inside the fastapi-offline wheel (MIT): no CDN, works offline.
DOCS_ASSETS = Path(fastapi_offline.__file__).parent / "static"
CONSOLE_CSP = "default-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'"
# Public, the same for everyone: caches may keep them. Everything else answers `no-store`.
CACHEABLE = ("/static/", "/docs-assets/", "/transparency", "/api/v1/transparency/", "/api/v1/audit/checkpoint")


def create_app(settings: Settings, store: Store | None = None, platform: Platform | None = None) -> FastAPI:
    store = store or Store.for_settings(settings)
    if store.checkpoints is None:  # every commit the server makes is checkpointed under var/
        store.checkpoints = CheckpointLog(settings.audit_checkpoint_path, settings.audit_key_value())
    app = FastAPI(title="Tanggap", version=tanggap.__version__, docs_url=None, redoc_url=None, openapi_url=None,
                  description="Takedown orders in, blocked channels out, every step on the record.",
                  dependencies=[Depends(no_nul_in_request)])
    app.state.ctx = AppContext(settings, store, platform, Metrics(store, settings))
    app.add_middleware(SessionMiddleware, secret_key=settings.secret_key_value(),
                       session_cookie="tanggap_session", same_site="strict",
                       https_only=bool(settings.secure_cookies), max_age=settings.session_absolute_hours * 3600)
    app.add_middleware(i18n.LocaleMiddleware)
    problems.install(app)
    app.include_router(api.router)
    app.include_router(review_api.router)
    app.include_router(console.router)
    app.include_router(intake_pages.router)
    app.include_router(review_pages.router)
    app.include_router(appeal_pages.router)
    app.include_router(audit_pages.router)
    app.include_router(transparency_pages.router)
    app.include_router(evidence_pages.router)
    app.include_router(evidence_pages.api_router)
    app.include_router(reversal_pages.router)
    app.include_router(reversal_api.router)
    app.include_router(account_pages.router)
    app.include_router(checkpoint_api.router)
    app.include_router(translation.router)
    app.mount("/static", StaticFiles(directory=Path(__file__).parent / "static"), name="static")
    app.mount("/docs-assets", StaticFiles(directory=DOCS_ASSETS), name="docs-assets")
    _install_staff_routes(app)

    @app.exception_handler(Exception)
    async def server_error(request: Request, error: Exception):
        # Every 5xx is problem+json; the details go to the log, never to the caller.
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        # Answered outside the middleware below (Starlette's outermost error handler): its headers here.
        return problems.problem(500, "Internal Server Error", "the server failed; the error is logged",
                                headers={"X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer",
                                         "Cache-Control": "no-store"})

    @app.middleware("http")
    async def security_headers(request: Request, call_next):
        response = await call_next(request)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "no-referrer")
        path = request.url.path
        if path.startswith(("/console", "/login")):
            response.headers.setdefault("Content-Security-Policy", CONSOLE_CSP)
        if not path.startswith(CACHEABLE):
            # Case pages, raw e-mails, audit exports, a new API key: nothing of a staff member's
            # stays in a disk cache or a shared proxy after they log out.
            response.headers.setdefault("Cache-Control", "no-store")
        return response

    # Added last, so they run first: nothing is parsed before the Host and the size are checked.
    app.add_middleware(BodyLimit, max_bytes=settings.max_body_bytes)
    app.add_middleware(TrustedHosts, allowed=settings.allowed_hosts)
    return app


def _install_staff_routes(app: FastAPI) -> None:
    """/metrics, /openapi.json, /docs and /redoc: staff (session or key) or the metrics token."""
    staff = [Depends(staff_or_metrics_token)]

    @app.get("/metrics", include_in_schema=False, dependencies=staff)
    def metrics(request: Request):
        return Response(generate_latest(request.app.state.ctx.metrics.registry), media_type=CONTENT_TYPE_LATEST)

    @app.get("/openapi.json", include_in_schema=False, dependencies=staff)
    def openapi_document():
        return JSONResponse(app.openapi())

    @app.get("/docs", include_in_schema=False, dependencies=staff)
    def swagger_ui():
        return get_swagger_ui_html(openapi_url="/openapi.json", title="Tanggap API",
                                   swagger_js_url="/docs-assets/swagger-ui-bundle.js",
                                   swagger_css_url="/docs-assets/swagger-ui.css",
                                   swagger_favicon_url="/docs-assets/favicon.png")

    @app.get("/redoc", include_in_schema=False, dependencies=staff)
    def redoc():
        return get_redoc_html(openapi_url="/openapi.json", title="Tanggap API",
                              redoc_js_url="/docs-assets/redoc.standalone.js",
                              redoc_favicon_url="/docs-assets/favicon.png", with_google_fonts=False)
