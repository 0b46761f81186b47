"""What sender authentication costs per message, next to parsing the same message.

Builds a ministry order (the test corpus's letter with 200 targets), signs it with the test
DKIM key, and times, on one core: reading the trusted Authentication-Results (authres), the
in-process DKIM verification (dkimpy, key from a local look-up: no network), and the peer,
`parse_message` on the same bytes.

    .venv/bin/python bench/sender_auth.py
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tanggap.intake.authentication import SenderTrust, sender_evidence  # noqa: E402
from tanggap.intake.parse import parse_message  # noqa: E402
from tests.intake_auth.corpus import (  # noqa: E402
    MINISTRY, ORDER_LETTER, OUR_MX, dmarc_pass, letter, local_dns, sign,
)

RUNS = 300


def timed(work) -> tuple[float, float]:
    samples = []
    for _ in range(RUNS):
        start = time.perf_counter()
        work()
        samples.append(time.perf_counter() - start)
    samples.sort()
    return statistics.median(samples) * 1000, samples[int(len(samples) * 0.95)] * 1000


def main() -> None:
    body = ORDER_LETTER + "".join(f"{n}. https://t.me/kanal_bench_{n:04d}\n" for n in range(4, 204))
    with_header = letter(body, headers=[dmarc_pass()])
    signed = sign(letter(body), MINISTRY)
    trusted = SenderTrust.from_setting(OUR_MX, dns=None)
    dkim_here = SenderTrust.from_setting("", local_dns())
    assert sender_evidence(signed, dkim_here).dkim_verified == (MINISTRY,)
    rows = [
        ("trusted Authentication-Results (authres)", timed(lambda: sender_evidence(with_header, trusted))),
        ("DKIM verified in-process (dkimpy, local key)", timed(lambda: sender_evidence(signed, dkim_here))),
        ("peer: parse_message of the same order", timed(lambda: parse_message(signed))),
    ]
    print(f"{len(signed):,}-byte order with 203 targets, {RUNS} runs each, one core")
    print(f"{'':48} {'median ms':>10} {'p95 ms':>8}")
    for name, (median, p95) in rows:
        print(f"{name:48} {median:10.2f} {p95:8.2f}")


if __name__ == "__main__":
    main()
