"""The word lists shipped in ``tanggap/detect/data`` (see ATTRIBUTION.md there), loaded once."""

from __future__ import annotations

import csv
import gzip
import hashlib
import io
from functools import cache
from pathlib import Path

from tanggap.detect.lexicon import Lexicon
from tanggap.detect.normalise import Normaliser

DATA_DIR = Path(__file__).parent / "data"
SLANG_FILES = ("netifier/slangword.csv", "id-hatespeech/new_kamusalay.csv.gz")
LEXICON_FILE = "lexicon/lexicon.tsv"
LEXICON_REVIEW_FILE = "lexicon/lexicon_review.tsv"
SPELLINGS_FILE = "lexicon/spellings.tsv"
# What normalisation depends on: a model records their hashes and refuses other versions.
NORMALISATION_FILES = (*SLANG_FILES, LEXICON_FILE, LEXICON_REVIEW_FILE, SPELLINGS_FILE)


def read_text(relative: str, data_dir: Path = DATA_DIR) -> str:
    """A shipped file's text; ``.gz`` files are read decompressed."""
    raw = (data_dir / relative).read_bytes()
    if relative.endswith(".gz"):
        raw = gzip.decompress(raw)
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("latin-1")


def sha256_of(relative: str, data_dir: Path = DATA_DIR) -> str:
    """Of the file's content (decompressed), so it compares with the upstream SOURCE.md hashes."""
    raw = (data_dir / relative).read_bytes()
    if relative.endswith(".gz"):
        raw = gzip.decompress(raw)
    return hashlib.sha256(raw).hexdigest()


def _pairs(relative: str) -> list[tuple[str, str]]:
    rows = csv.reader(io.StringIO(read_text(relative)))
    return [(row[0].strip().lower(), row[1].strip().lower()) for row in rows
            if len(row) >= 2 and row[0].strip() and row[0] != "original"]


@cache
def slang_dictionary() -> dict[str, str]:
    """Slang/abbreviation -> standard Indonesian; id-hatespeech's larger list wins a conflict."""
    merged: dict[str, str] = {}
    for relative in SLANG_FILES:
        for slang, formal in _pairs(relative):
            if slang != formal and formal and slang.isalpha():
                merged[slang] = formal
    return merged


@cache
def spellings() -> dict[str, str]:
    rows = csv.DictReader(io.StringIO(read_text(SPELLINGS_FILE)), delimiter="\t")
    return {row["variant"].strip().lower(): row["canonical"].strip().lower() for row in rows
            if row["variant"].strip().lower() != row["canonical"].strip().lower()}


@cache
def lexicon() -> Lexicon:
    return Lexicon.load(DATA_DIR / LEXICON_FILE, DATA_DIR / LEXICON_REVIEW_FILE)


@cache
def default_normaliser() -> Normaliser:
    return Normaliser(slang_dictionary(), lexicon(), spellings())


def normalisation_hashes() -> dict[str, str]:
    return {relative: sha256_of(relative) for relative in NORMALISATION_FILES}
