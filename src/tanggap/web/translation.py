"""A "Translate" link on posts a moderator does not read: the post is fetched again from the
platform (never taken from the browser), sent to the translation endpoint an admin configured
(`translation_url`, LibreTranslate's `POST /translate` shape), and shown escaped beside the
original. Without a configured endpoint the route answers 404 and no text leaves the server.
Each translation is an audit event: which post left the server, to which host.
"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlsplit

import httpx
from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import HTMLResponse

from tanggap.detect.language import detect_language
from tanggap.domain.errors import NotFound
from tanggap.domain.model import AuditDraft
from tanggap.platforms.interface import PlatformError
from tanggap.web import i18n
from tanggap.web.console import _check_form, _page, _refused, _staff, use_locale

router = APIRouter(include_in_schema=False)
MAX_CHARS = 5000  # one post; the endpoint is not a bulk exporter


class TranslationFailed(Exception):
    pass


def translate(url: str, text: str, source: str, target: str, timeout_s: float) -> str:
    try:
        answer = httpx.post(url, json={"q": text, "source": source, "target": target, "format": "text"},
                            timeout=timeout_s)
        answer.raise_for_status()
        translated = answer.json().get("translatedText")
    except (httpx.HTTPError, ValueError, AttributeError) as error:
        raise TranslationFailed(type(error).__name__) from None
    if not isinstance(translated, str):
        raise TranslationFailed("no translatedText in the answer")
    return translated


@router.post("/console/cases/{case_id}/posts/{post_id}/translate", response_class=HTMLResponse)
def translate_post(request: Request, case_id: str, post_id: str,
                   csrf_token_field: Annotated[str, Form(alias="csrf_token")]):
    me = _staff(request)
    _check_form(request, csrf_token_field)
    ctx = request.app.state.ctx
    url = ctx.settings.translation_url
    if not url:
        raise HTTPException(404, "translation is not turned on")
    with ctx.store.uow(read_only=True) as uow:
        case = uow.cases.get(case_id)
    if case is None or ctx.platform is None:
        return _refused(request, NotFound(f"no case {case_id}"))
    try:
        post = next((p for p in ctx.platform.recent_posts(case.target, 20) if str(p.platform_id) == post_id), None)
    except PlatformError as error:
        post, problem = None, str(error)[:200]
    else:
        problem = ""  # nothing went wrong: "no post" names the post
    if post is None:
        return _refused(request, NotFound(problem or f"no post {post_id} on this case"))
    text = (post.text or "")[:MAX_CHARS]
    source = detect_language([text])
    target = use_locale(request)
    with ctx.store.uow() as uow:
        uow.record(AuditDraft("post_translated", "case", case.id, me.actor,
                              {"post_id": post_id, "to_host": urlsplit(url).hostname, "chars": len(text)}))
        uow.commit()
    try:
        translated = translate(url, text, source if source != "und" else "auto", target,
                               ctx.settings.translation_timeout_s)
        failure = None
    except TranslationFailed as error:
        translated, failure = None, i18n.gettext("The translation service did not answer (%(error)s).",
                                                 error=str(error))
    return _page(request, "translation.html", case=case, post=post, original=text, source=source,
                 translated=translated, failure=failure, status_code=200 if failure is None else 502)
