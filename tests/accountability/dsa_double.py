"""A stand-in for the DSA Transparency Database's multiple-statements endpoint, served over real
HTTP: it checks the token, refuses batches over 100, keeps the puids it has, answers a known
puid the way the database does, and can be told to fail the next requests."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from tanggap.serving import BackgroundServer

TOKEN = "dsa-test-token"


def create_dsa_app() -> FastAPI:
    app = FastAPI()
    app.state.puids = []
    app.state.batch_sizes = []
    app.state.fail_next = 0
    app.state.refuse_field = None  # (puid, field): refuse that statement with that field's error

    @app.post("/api/v1/statements")
    async def statements(request: Request):
        if request.headers.get("authorization") != f"Bearer {TOKEN}":
            return JSONResponse({"message": "Unauthenticated."}, 401)
        if app.state.fail_next:
            app.state.fail_next -= 1
            return JSONResponse({"message": "busy"}, 503)
        body = await request.json()
        batch = body.get("statements", [])
        app.state.batch_sizes.append(len(batch))
        if len(batch) > 100:
            return JSONResponse({"errors": {"statements": ["The statements field must not have more than 100 items."]}},
                                422)
        errors, existing = {}, []
        for index, statement in enumerate(batch):
            if statement["puid"] in app.state.puids:
                errors[f"statements.{index}.puid"] = ["The identifier given is not unique within this platform."]
                existing.append(statement["puid"])
            if app.state.refuse_field and app.state.refuse_field[0] == statement["puid"]:
                errors[f"statements.{index}.{app.state.refuse_field[1]}"] = ["The selected value is invalid."]
        if errors:  # like the database: one bad statement refuses the whole request
            return JSONResponse({"message": "invalid", "errors": errors, "existing_puids": existing}, 422)
        app.state.puids.extend(s["puid"] for s in batch)
        return JSONResponse({"statements": [{"uuid": f"u-{s['puid']}", "puid": s["puid"]} for s in batch]}, 201)

    return app


@contextmanager
def running_dsa() -> Iterator[BackgroundServer]:
    """The stand-in over real HTTP; `server.state` is its app's state, for the test to read or set."""
    app = create_dsa_app()
    with BackgroundServer(app) as server:
        server.state = app.state
        yield server
