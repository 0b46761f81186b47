#!/usr/bin/env bash
# The browser the console's tests drive: Debian's Chromium at /usr/bin/chromium (Playwright's
# own browser download is not used), and a colour-emoji font so screenshots show channel titles
# as moderators see them. Idempotent; never fails the run: without apt (or without root) it
# warns, and the browser tests skip with a reason instead.
set -u

need_chromium() {
    ! command -v chromium >/dev/null 2>&1 && [ ! -x /usr/bin/chromium ]
}

need_emoji_font() {
    command -v dpkg-query >/dev/null 2>&1 \
        && ! dpkg-query -W -f='${Status}' fonts-noto-color-emoji 2>/dev/null | grep -q "ok installed"
}

if need_chromium || need_emoji_font; then
    if ! command -v apt-get >/dev/null 2>&1; then
        need_chromium && echo "warning: chromium is not installed and apt-get is unavailable; browser tests will be skipped" >&2
    else
        SUDO=""
        if [ "$(id -u)" -ne 0 ]; then
            if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
                SUDO="sudo -n"
            else
                need_chromium && echo "warning: chromium is not installed and this user cannot install it; browser tests will be skipped" >&2
                exit 0
            fi
        fi
        packages=()
        need_chromium && packages+=(chromium)
        need_emoji_font && packages+=(fonts-noto-color-emoji)
        if ! { $SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -qq \
               && $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${packages[@]}"; }; then
            echo "warning: installing ${packages[*]} failed; browser tests may be skipped" >&2
        fi
    fi
fi

if need_chromium; then
    exit 0
fi
echo "chromium: $(command -v chromium || echo /usr/bin/chromium) $( (chromium --version || /usr/bin/chromium --version) 2>/dev/null | head -1)"
exit 0
