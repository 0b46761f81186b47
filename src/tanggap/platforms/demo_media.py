"""Images for the demo platform, drawn on request so the world needs no image files.

`demo-media://release-<k>/<post>.jpg` is one of a few propaganda "releases", re-posted with
small changes (size, JPEG quality) as real re-uploads are: the same image to PDQ, different
bytes to MD5. Any other reference draws an image of its own.
"""

from __future__ import annotations

import hashlib
import io
import random

from PIL import Image, ImageDraw

SIZE = 256
RELEASES = 4  # the same number the seeder uses


def release_image(number: int) -> Image.Image:
    """The original of release `number` (what a hash bank would hold)."""
    return _drawing(f"release-{number}")


def render(reference: str) -> bytes:
    folder = reference.removeprefix("demo-media://").split("/", 1)[0]
    if folder.startswith("release-"):
        image = release_image(int(folder.removeprefix("release-")))
        variant = random.Random(reference)
        side = variant.choice((200, 224, 240, 256, 320))
        image = image.resize((side, side))
        quality = variant.choice((70, 80, 90))
    else:
        image, quality = _drawing(reference), 85
    buffer = io.BytesIO()
    image.convert("RGB").save(buffer, "JPEG", quality=quality)
    return buffer.getvalue()


def _drawing(seed: str) -> Image.Image:
    rng = random.Random(hashlib.sha256(seed.encode()).digest())
    image = Image.new("RGB", (SIZE, SIZE), tuple(rng.randrange(256) for _ in range(3)))
    draw = ImageDraw.Draw(image)
    for _ in range(12):
        x0, y0 = rng.randrange(SIZE), rng.randrange(SIZE)
        x1, y1 = x0 + rng.randrange(20, 160), y0 + rng.randrange(20, 160)
        colour = tuple(rng.randrange(256) for _ in range(3))
        (draw.ellipse if rng.random() < 0.5 else draw.rectangle)((x0, y0, x1, y1), fill=colour)
    return image


def release_hash_list() -> bytes:
    """A GIFCT-style CSV with the PDQ hashes of the releases: the demo's verified bank."""
    from tanggap.detect.banks.signals import signal_type

    pdq = signal_type("pdq")
    if pdq is None:  # threatexchange ships it; absent only in a broken install
        raise RuntimeError("the PDQ signal type is not available")
    rows = ["hash_type,hash,labels,entity"]
    for number in range(RELEASES):
        buffer = io.BytesIO()
        release_image(number).save(buffer, "PNG")
        rows.append(f"PDQ,{pdq.hash_media(buffer.getvalue()).value},Terrorist propaganda release {number},demo")
    return ("\n".join(rows) + "\n").encode()
