#!/usr/bin/env bash
# System packages the test suite uses beyond Python: Dovecot, for the IMAP poller's tests.
# Idempotent; never fails the run: without apt (or without root) it warns, and the IMAP tests
# skip with a reason instead.
set -u

# pdftoppm (poppler-utils): the compliance report's PDF is checked by rendering it to an image.
if ! command -v pdftoppm >/dev/null 2>&1 && command -v apt-get >/dev/null 2>&1; then
    POPPLER_SUDO=""
    if [ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
        POPPLER_SUDO="sudo -n"
    fi
    if [ "$(id -u)" -eq 0 ] || [ -n "$POPPLER_SUDO" ]; then
        { $POPPLER_SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -qq \
          && $POPPLER_SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends poppler-utils; } \
          || echo "warning: installing poppler-utils failed; the PDF rendering check will skip" >&2
    fi
fi
command -v pdftoppm >/dev/null 2>&1 || echo "warning: pdftoppm is missing; the PDF rendering check will skip" >&2

need_dovecot() {
    ! command -v dovecot >/dev/null 2>&1 && [ ! -x /usr/sbin/dovecot ]
}

if need_dovecot; then
    if ! command -v apt-get >/dev/null 2>&1; then
        echo "warning: dovecot is not installed and apt-get is unavailable; IMAP tests will be skipped" >&2
    else
        SUDO=""
        if [ "$(id -u)" -ne 0 ]; then
            if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
                SUDO="sudo -n"
            else
                echo "warning: dovecot is not installed and this user cannot install it; IMAP tests will be skipped" >&2
                exit 0
            fi
        fi
        # Noninteractive, and no service started: the tests run their own throwaway instance.
        if ! { $SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -qq \
               && $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends dovecot-imapd; }; then
            echo "warning: installing dovecot-imapd failed; IMAP tests will be skipped" >&2
        fi
    fi
fi

if need_dovecot; then
    exit 0
fi
echo "dovecot: $( (command -v dovecot || echo /usr/sbin/dovecot) ) $( (dovecot --version || /usr/sbin/dovecot --version) 2>/dev/null )"
exit 0
