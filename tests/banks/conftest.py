"""Fixtures for the hash banks: real images drawn with Pillow, real banks in the store."""

from __future__ import annotations

import io
import random
from pathlib import Path

import pytest
from PIL import Image, ImageDraw, ImageFilter

# Until tanggap.store.tables imports it, this puts the bank tables on the shared metadata
# (the PostgreSQL fixture truncates metadata.sorted_tables; `alembic check` compares them).
import tanggap.detect.banks.tables  # noqa: F401
from tanggap.detect.banks.service import create_bank

SAMPLES = Path(__file__).parent / "samples"


def encode(image: Image.Image, fmt: str = "PNG", **options) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, fmt, **options)
    return buffer.getvalue()


def propaganda_image(seed: int = 7, size: tuple[int, int] = (800, 500)) -> Image.Image:
    """A stand-in for a propaganda still: black banner, white seal, script-like strokes, a
    masked figure's silhouette. Synthetic; nothing real is drawn."""
    rng = random.Random(seed)
    width, height = size
    image = Image.new("RGB", size, (12, 12, 12))
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, width, height // 5), fill=(0, 0, 0))
    for _ in range(40):  # "calligraphy" across the banner
        x, y = rng.randrange(20, width - 60), rng.randrange(10, height // 5 - 10)
        draw.arc((x, y, x + rng.randrange(20, 60), y + rng.randrange(10, 30)), rng.randrange(0, 180),
                 rng.randrange(180, 360), fill=(235, 235, 235), width=4)
    cx, cy, r = width * 3 // 4, height * 3 // 5, height // 4
    draw.ellipse((cx - r, cy - r, cx + r, cy + r), fill=(240, 240, 240))  # the seal
    draw.ellipse((cx - r // 2, cy - r // 2, cx + r // 2, cy + r // 2), fill=(20, 20, 20))
    draw.polygon([(120, height), (180, 260), (240, 230), (300, 260), (360, height)], fill=(70, 60, 50))
    draw.ellipse((200, 170, 280, 250), fill=(30, 30, 30))  # head, masked
    draw.rectangle((0, height - 40, width, height), fill=(120, 0, 0))
    return image.filter(ImageFilter.GaussianBlur(1))


def landscape_image(seed: int = 11, size: tuple[int, int] = (800, 500)) -> Image.Image:
    """Something unrelated: a hillside under a sky with a house."""
    rng = random.Random(seed)
    width, height = size
    image = Image.new("RGB", size)
    draw = ImageDraw.Draw(image)
    for y in range(height):
        draw.line((0, y, width, y), fill=(90 + y // 8, 150 + y // 10, 230 - y // 6))
    for _ in range(6):
        x = rng.randrange(0, width)
        draw.ellipse((x - 200, height // 2, x + 200, height + 200), fill=(40, 120 + rng.randrange(60), 40))
    for _ in range(400):  # grass and flowers
        x, y = rng.randrange(0, width), rng.randrange(height // 2, height)
        draw.line((x, y, x + rng.randrange(-4, 5), y - rng.randrange(6, 18)), fill=(20, 90, 20), width=2)
    for _ in range(12):  # trees
        x, y = rng.randrange(0, width), rng.randrange(height // 2, height - 60)
        draw.rectangle((x - 5, y, x + 5, y + 50), fill=(90, 60, 30))
        draw.ellipse((x - 30, y - 50, x + 30, y + 10), fill=(30, 100 + rng.randrange(60), 30))
    draw.rectangle((100, 300, 220, 420), fill=(180, 80, 40))
    draw.polygon([(90, 300), (160, 230), (230, 300)], fill=(120, 30, 20))
    return image


def calligraphy_image() -> Image.Image:
    """Known-benign: a green panel with a white roundel, like a mosque's calendar print."""
    image = Image.new("RGB", (600, 600), (0, 98, 51))
    draw = ImageDraw.Draw(image)
    draw.ellipse((100, 100, 500, 500), outline=(255, 255, 255), width=18)
    for i in range(8):
        draw.arc((150 + i * 10, 220, 450 - i * 10, 380), 200, 340, fill=(255, 255, 255), width=6)
    draw.rectangle((0, 540, 600, 600), fill=(200, 170, 40))
    return image


def recompressed(image: Image.Image, scale: float = 0.6, quality: int = 45) -> bytes:
    """What a forward through a messenger does: smaller, JPEG, lossy."""
    smaller = image.resize((int(image.width * scale), int(image.height * scale)), Image.Resampling.BILINEAR)
    return encode(smaller, "JPEG", quality=quality)


@pytest.fixture(scope="session")
def propaganda_png() -> bytes:
    return encode(propaganda_image())


@pytest.fixture(scope="session")
def propaganda_forward() -> bytes:
    return recompressed(propaganda_image())


@pytest.fixture(scope="session")
def landscape_png() -> bytes:
    return encode(landscape_image())


@pytest.fixture(scope="session")
def calligraphy_png() -> bytes:
    return encode(calligraphy_image())


@pytest.fixture(scope="session")
def flat_png() -> bytes:
    return encode(Image.new("RGB", (640, 480), (0, 0, 0)))


@pytest.fixture
def positive_bank(store):
    return create_bank(store, "gifct-tve", "positive", verified=True, description="GIFCT hash-sharing DB")


@pytest.fixture
def negative_bank(store):
    return create_bank(store, "benign-religious", "negative", description="known-benign calligraphy")
