"""PDQ: Meta's perceptual photo hash (256 bits), matched by Hamming distance <= 31.

Hashing follows threatexchange's ``PdqSignal`` (the ``pdqhash`` library, quality threshold
50: "images with less than quality 50 are too unreliable to match on"), with two fixes for
media that messaging platforms carry: palette, CMYK, 1-bit and 16/32-bit images are turned
into RGB first (threatexchange hashes the palette indices of a GIF, and inverts CMYK), and
bytes that are not an image give a reason instead of an exception. For plain RGB and
greyscale images the hash is identical to ``PdqSignal.hash_from_bytes`` (tested).
"""

from __future__ import annotations

import io
import warnings
from collections.abc import Sequence

from tanggap.detect.banks.model import MediaHash
from tanggap.detect.banks.signals import HashIndex, SignalType, check_hex

# A hash of one colour is a flat image's, not a picture's; PDQ thresholds at the median, so a
# real hash has about 128 bits set. Lists that carry such degenerate hashes (ThreatExchange
# issue #1609) would match every blank or near-blank image.
MIN_BITS_SET = 32
MAX_PIXELS = 8192 * 8192  # larger "images" are decompression bombs, not propaganda


class PdqSignalType(SignalType):
    name = "pdq"
    aliases = frozenset({"hash_pdq", "photo_pdq", "pdq_hash", "pdqhash"})
    default_threshold = 31  # PDQ_CONFIDENT_MATCH_THRESHOLD
    max_threshold = 128

    @classmethod
    def quality_threshold(cls) -> int:
        from threatexchange.signal_type.pdq.signal import PdqSignal

        return PdqSignal.QUALITY_THRESHOLD

    @classmethod
    def validate(cls, value: str) -> str:
        from threatexchange.signal_type.pdq.signal import PdqSignal

        normalised = PdqSignal.validate_signal_str(check_hex(value, 64, "a PDQ hash"))
        ones = bin(int(normalised, 16)).count("1")
        if not MIN_BITS_SET <= ones <= 256 - MIN_BITS_SET:
            raise ValueError(f"degenerate PDQ hash ({ones} of 256 bits set): it would match "
                             "blank and near-blank images")
        return normalised

    @classmethod
    def hash_media(cls, media: bytes) -> MediaHash:
        import numpy as np
        import pdqhash
        from PIL import Image, UnidentifiedImageError

        try:
            with warnings.catch_warnings():
                warnings.simplefilter("error", Image.DecompressionBombWarning)
                image = Image.open(io.BytesIO(media))
                if image.width * image.height > MAX_PIXELS:
                    return MediaHash(cls.name, None, f"image too large to hash ({image.width}x{image.height})")
                image.load()
        except (UnidentifiedImageError, Image.DecompressionBombError, Image.DecompressionBombWarning):
            return MediaHash(cls.name, None, "not an image PDQ can read", applies=False)
        except (OSError, ValueError, SyntaxError) as error:
            return MediaHash(cls.name, None, f"damaged image: {error}")
        if image.mode not in ("RGB", "L"):
            image = image.convert("RGB")  # type: ignore[assignment]  # an Image, no longer the file's  # palette, CMYK, 1-bit, alpha, 16/32-bit
        pixels = np.asarray(image)
        if pixels.ndim == 2:
            pixels = np.repeat(pixels[..., np.newaxis], 3, axis=2)
        bits, quality = pdqhash.compute(pixels)
        value = np.packbits(np.asarray(bits, dtype=np.uint8)).tobytes().hex()
        if quality < cls.quality_threshold():
            return MediaHash(cls.name, None, f"PDQ quality {quality} < {cls.quality_threshold()}: too "
                             "flat or featureless to match reliably", quality=int(quality))
        return MediaHash(cls.name, value, quality=int(quality))

    @classmethod
    def build_index(cls, values: Sequence[str]) -> HashIndex:
        from tanggap.detect.banks.index import PdqIndex

        return PdqIndex.from_hex(values)
