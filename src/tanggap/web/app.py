"""The FastAPI application: API, console, metrics, OpenAPI docs at /docs."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import Response
from fastapi.staticfiles import StaticFiles
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.middleware.sessions import SessionMiddleware

import tanggap
from tanggap.config import Settings
from tanggap.platforms.interface import Platform
from tanggap.store.uow import Store
from tanggap.web import api, appeal_pages, audit_pages, console, intake_pages, problems, review_api, review_pages
from tanggap.web import i18n, translation
from tanggap.web.context import AppContext
from tanggap.web.metrics import Metrics


def create_app(settings: Settings, store: Store | None = None, platform: Platform | None = None) -> FastAPI:
    store = store or Store(settings.database_url)
    app = FastAPI(title="Tanggap", version=tanggap.__version__,
                  description="Takedown orders in, blocked channels out, every step on the record.")
    app.state.ctx = AppContext(settings, store, platform, Metrics(store))
    app.add_middleware(SessionMiddleware, secret_key=settings.secret_key_value(),
                       session_cookie="tanggap_session", same_site="strict",
                       https_only=settings.secure_cookies, max_age=12 * 3600)
    app.add_middleware(i18n.LocaleMiddleware)
    problems.install(app)
    app.include_router(api.router)
    app.include_router(review_api.router)
    app.include_router(console.router)
    app.include_router(intake_pages.router)
    app.include_router(review_pages.router)
    app.include_router(appeal_pages.router)
    app.include_router(audit_pages.router)
    app.include_router(translation.router)
    app.mount("/static", StaticFiles(directory=Path(__file__).parent / "static"), name="static")

    @app.get("/metrics", include_in_schema=False)
    def metrics(request: Request):
        return Response(generate_latest(request.app.state.ctx.metrics.registry), media_type=CONTENT_TYPE_LATEST)

    @app.middleware("http")
    async def security_headers(request: Request, call_next):
        response = await call_next(request)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "no-referrer")
        if request.url.path.startswith(("/console", "/login")):
            response.headers.setdefault("Content-Security-Policy", "default-src 'self'; frame-ancestors 'none'")
        return response

    return app
