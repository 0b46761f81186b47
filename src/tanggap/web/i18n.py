"""Console and public pages in Bahasa Indonesia and English (gettext catalogues read with Babel).

Templates call `_("…")` (and `ngettext`); the language of the request being rendered is held in a
context variable that `LocaleMiddleware` sets, so one Jinja2 environment serves every language.
Catalogues are the `.po` files under `locales/`, read at first use: no compiled `.mo` files to
keep in step (and `.po` files merge line by line, see .gitattributes).
"""

from __future__ import annotations

import gettext as gettext_module
from contextvars import ContextVar
from functools import cache
from pathlib import Path

from babel import Locale, UnknownLocaleError
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

LOCALES_DIR = Path(__file__).parent / "locales"
SUPPORTED = ("en", "id")
DEFAULT = "en"

current_locale: ContextVar[str] = ContextVar("tanggap_locale", default=DEFAULT)


@cache
def translations(locale: str) -> gettext_module.NullTranslations:
    po_path = LOCALES_DIR / locale / "LC_MESSAGES" / "messages.po"
    if locale == DEFAULT or not po_path.exists():
        return gettext_module.NullTranslations()
    import io
    with po_path.open("rb") as po_file:
        catalog = read_po(po_file, locale=locale)
    compiled = io.BytesIO()
    write_mo(compiled, catalog)
    compiled.seek(0)
    return gettext_module.GNUTranslations(compiled)


def N_(message: str) -> str:
    """Marks a message to translate where it is shown, not where it is written (constants)."""
    return message


def gettext(message: str, **variables) -> str:
    text = translations(current_locale.get()).gettext(message)
    return text % variables if variables else text


def ngettext(singular: str, plural: str, count: int, **variables) -> str:
    text = translations(current_locale.get()).ngettext(singular, plural, count)
    variables.setdefault("num", count)
    return text % variables


def negotiate(accept_language: str | None, preferred: str | None = None) -> str:
    """The user's own choice first, then the browser's Accept-Language, then English."""
    if preferred in SUPPORTED:
        return preferred
    ranked: list[tuple[float, str]] = []
    for part in (accept_language or "").split(","):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        try:
            language = Locale.parse(tag.strip().replace("-", "_")).language if tag.strip() else None
        except (ValueError, UnknownLocaleError):
            language = None
        if language in SUPPORTED and quality > 0:
            ranked.append((quality, language))
    return max(ranked, key=lambda pair: pair[0])[1] if ranked else DEFAULT


def install(environment) -> None:
    """Give a Jinja2 environment `_`, `gettext`, `ngettext` and `current_locale()`."""
    environment.add_extension("jinja2.ext.i18n")
    environment.install_gettext_callables(gettext, ngettext, newstyle=True)
    environment.globals["current_locale"] = current_locale.get


class LocaleMiddleware:
    """Sets `current_locale` for the request from its Accept-Language header."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        headers = dict(scope.get("headers") or [])
        accept = headers.get(b"accept-language", b"").decode("latin-1")
        token = current_locale.set(negotiate(accept))
        try:
            await self.app(scope, receive, send)
        finally:
            current_locale.reset(token)
