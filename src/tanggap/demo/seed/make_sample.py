"""Cut the small text sample the demo world is seeded from (see ATTRIBUTION.md).

Run once by hand, from the repository root, against the project's data folder:

    .venv/bin/python src/tanggap/demo/seed/make_sample.py /work/shared/data

It writes ``posts.jsonl`` next to itself. Selection is deterministic (rows are ordered by the
SHA-256 of their cleaned text), so running it again on the same data gives the same file.
Nothing here runs at demo time; the demo reads only ``posts.jsonl``.
"""

from __future__ import annotations

import csv
import hashlib
import html
import json
import re
import sys
from collections.abc import Callable, Iterable
from pathlib import Path

HERE = Path(__file__).parent
MIN_CHARS, MAX_CHARS = 40, 240

# How many texts of each kind the sample holds (small on purpose: a demo, not a corpus).
QUOTA = {
    ("propaganda", "netifier"): 80,
    ("propaganda", "isis-tweets-en"): 60,
    ("hate", "id-hatespeech"): 80,
    ("ordinary", "netifier"): 60,
    ("ordinary", "id-hatespeech"): 60,
}
NETIFIER_LABELS = ("pornografi", "sara", "radikalisme", "pencemaran_nama_baik")
HATESPEECH_LABELS = (
    "HS", "Abusive", "HS_Individual", "HS_Group", "HS_Religion", "HS_Race", "HS_Physical",
    "HS_Gender", "HS_Other", "HS_Weak", "HS_Moderate", "HS_Strong",
)
# Words that make a radikalisme=1 row read like channel propaganda rather than talk about it;
# rows with them are taken first (the label alone is noisy, see netifier/SOURCE.md).
PROPAGANDA_WORDS_ID = re.compile(
    r"\b(khilaf\w*|thog?h?ut|tha?ghut|kafir|murtad|jihad\w*|syahid|mujahid\w*|daulah|isis|"
    r"baiat|bai'at|bom|perangi|diperangi|tegakkan|syariat|kufur|salibis)\b", re.I)
PROPAGANDA_WORDS_EN = re.compile(
    r"(amaq|caliph|khilaf|islamic state|#is\b|wilayat|mujahid|kuffar|kafir|apostate|murtad|"
    r"martyr|shahid|crusader|taghut|dawla|baqiya|soldiers of)", re.I)

MENTION = re.compile(r"@\w+")
URL = re.compile(r"(https?://\S+|pic\.twitter\.com/\S+|\b[\w.-]+\.(?:com|net|org|co\.id|id)\b\S*)",
                 re.I)
JSON_ESCAPES = re.compile(r"\\u([0-9a-fA-F]{4})")  # a few rows keep JSON's \uXXXX and \/
BYTE_ESCAPES = re.compile(r"(?:\\x[0-9a-fA-F]{2})+")
MOJIBAKE = re.compile(r"[ðÃâ]\S")
SPACES = re.compile(r"\s+")


def main(data: Path) -> None:
    picked: list[dict[str, str]] = []
    picked += take(("propaganda", "netifier"), netifier(data, radikalisme=True),
                   prefer=PROPAGANDA_WORDS_ID.search)
    picked += take(("propaganda", "isis-tweets-en"), isis_tweets(data),
                   prefer=PROPAGANDA_WORDS_EN.search)
    picked += take(("hate", "id-hatespeech"), hatespeech(data, hateful=True))
    picked += take(("ordinary", "netifier"), netifier(data, radikalisme=False))
    picked += take(("ordinary", "id-hatespeech"), hatespeech(data, hateful=False))
    out = HERE / "posts.jsonl"
    with out.open("w", encoding="utf-8", newline="\n") as handle:
        for row in picked:
            handle.write(json.dumps(row, ensure_ascii=False) + "\n")
    print(f"wrote {len(picked)} texts to {out}")


def take(slot: tuple[str, str], rows: Iterable[tuple[str, str]],
         prefer: Callable[[str], object] | None = None) -> list[dict[str, str]]:
    kind, source = slot
    seen: set[str] = set()
    unique = []
    for text, row_ref in rows:
        if text not in seen:
            seen.add(text)
            unique.append((text, row_ref))
    # Stable order: preferred rows first, then by content hash (not by file position).
    unique.sort(key=lambda item: (not (prefer and prefer(item[0])), sha(item[0])))
    return [{"kind": kind, "source": source, "row": ref, "text": text}
            for text, ref in unique[:QUOTA[slot]]]


def netifier(data: Path, radikalisme: bool) -> Iterable[tuple[str, str]]:
    with (data / "netifier" / "train.csv").open(encoding="utf-8", newline="") as handle:
        for number, row in enumerate(csv.DictReader(handle), start=2):
            labels = [row[name] == "1" for name in NETIFIER_LABELS]
            wanted = row["radikalisme"] == "1" if radikalisme else not any(labels)
            raw = row["original_text"]
            if not wanted or "\\n" in raw or "[QUOTE" in raw.upper():
                continue
            if (text := clean(html.unescape(raw))) is not None:
                yield text, f"train.csv record {number}"


def isis_tweets(data: Path) -> Iterable[tuple[str, str]]:
    with (data / "isis-tweets-en" / "tweets.csv").open(encoding="utf-8", newline="") as handle:
        for number, row in enumerate(csv.DictReader(handle), start=2):
            raw = row["tweets"]
            if raw.startswith(("RT", "@")) or not raw.isascii():
                continue  # retweets and replies are conversation, not channel posts
            if (text := clean(html.unescape(raw))) is not None:
                yield text, f"tweets.csv record {number}"


def hatespeech(data: Path, hateful: bool) -> Iterable[tuple[str, str]]:
    path = data / "id-hatespeech" / "re_dataset_train.csv"
    with path.open(encoding="utf-8", newline="") as handle:
        for number, row in enumerate(csv.DictReader(handle), start=2):
            if hateful:
                # Hate against groups (religion, race, "group") reads like a channel's line.
                wanted = row["HS"] == "1" and "1" in (row["HS_Group"], row["HS_Religion"],
                                                       row["HS_Race"])
            else:
                wanted = not any(row[name] == "1" for name in HATESPEECH_LABELS)
            if not wanted:
                continue
            raw = undo_byte_escapes(row["Tweet"].rstrip("'")).replace("\\n", " ")
            raw = re.sub(r"^(RT\s+)?((USER|URL)[\s:]+)+", "", raw)  # masked mention prefixes
            if (text := clean(raw)) is not None:
                yield text, f"re_dataset_train.csv record {number}"


def undo_byte_escapes(text: str) -> str:
    """The upstream file spells UTF-8 bytes as literal ``\\xNN``; turn them back into text."""
    def decode(match: re.Match[str]) -> str:
        hexes = match.group(0).replace("\\x", "")
        return bytes.fromhex(hexes).decode("utf-8", errors="replace")
    return BYTE_ESCAPES.sub(decode, text)


def undo_json_escapes(text: str) -> str:
    """``\\uXXXX`` (emoji as surrogate pairs) and ``\\/`` left in a few rows, back to text."""
    text = JSON_ESCAPES.sub(lambda m: chr(int(m.group(1), 16)), text).replace("\\/", "/")
    # Pairs of surrogates become one character; a lone one becomes U+FFFD (row then dropped).
    return text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")


def clean(text: str) -> str | None:
    """Mask people's handles and links, fold whitespace; None when the row is unusable."""
    text = undo_json_escapes(text)
    text = MENTION.sub("@USER", text)
    text = URL.sub("URL", text)
    text = SPACES.sub(" ", text).strip()
    if "\ufffd" in text or MOJIBAKE.search(text):
        return None
    if not MIN_CHARS <= len(text) <= MAX_CHARS:
        return None
    if len(text.replace("@USER", "").replace("URL", "").strip(" .:")) < MIN_CHARS // 2:
        return None
    return text


def sha(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "/work/shared/data"))
