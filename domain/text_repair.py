"""Repairing mis-decoded text in imported files.

Two accidents happen to French text on its way to open data:

- *Mojibake*: UTF-8 bytes read as Windows-1252 or Latin-1 ("Ã©" for "é", "dâ€™apport"
  for "d’apport", "nÂ°208" for "n°208"), or Windows-1252 bytes read as Latin-1 (a C1
  control character "\\x96" for "–"). The bytes are still there: they are re-encoded and
  decoded properly, where they form a valid UTF-8 sequence only.
- *Replacement characters* (U+FFFD, "d�broussaillage"): the bytes were lost. This cannot
  be undone; ``resolve_replacements`` instead finds, for matching purposes only, the one
  word of a vocabulary that the damaged word can be (each run of U+FFFD standing for one
  or two letters, as "é" folds to "e" and "œ" to "oe").

Pure Python, no Flask.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from domain.text import fold

REPLACEMENT = "\ufffd"


def _byte(char: str) -> int | None:
    """The byte a character stands for when UTF-8 (or Windows-1252) bytes were read as
    Windows-1252 or Latin-1; None for a character no single byte gives."""
    code = ord(char)
    if 0x80 <= code <= 0xFF:
        return code  # Latin-1 (C1 controls included)
    try:
        encoded = char.encode("cp1252")
    except UnicodeEncodeError:
        return None
    return encoded[0] if len(encoded) == 1 else None


def _sequence_length(lead: int) -> int:
    if 0xC2 <= lead <= 0xDF:
        return 2
    if 0xE0 <= lead <= 0xEF:
        return 3
    if 0xF0 <= lead <= 0xF4:
        return 4
    return 0


def _plausible(char: str) -> bool:
    """A character French text mis-decoded is made of: accented Latin letters, typographic
    punctuation, the euro sign. "É" then a non-breaking space is also a valid UTF-8 pair
    (U+0260, "ɠ"): correct text, left alone."""
    code = ord(char)
    return 0xA0 <= code <= 0x17F or 0x2000 <= code <= 0x206F or code == 0x20AC


def repair_mojibake(text: str) -> str:
    """``"Mise en Å\\x93uvre"`` -> ``"Mise en œuvre"``; ``"dâ\\x80\\x99apport"`` ->
    ``"d’apport"``; ``"Maçonnerie \\x96 plâtrerie"`` -> ``"Maçonnerie – plâtrerie"``.
    Correct text is returned unchanged: "é" alone, or "é" followed by a letter, is never a
    UTF-8 sequence."""
    if not text or text.isascii():
        return text
    out: list[str] = []
    i = 0
    while i < len(text):
        lead = _byte(text[i])
        size = _sequence_length(lead) if lead is not None else 0
        if size and i + size <= len(text):
            raw = [lead] + [_byte(c) for c in text[i + 1 : i + size]]
            if all(b is not None and 0x80 <= b <= 0xBF for b in raw[1:]):
                try:
                    decoded = bytes(raw).decode("utf-8")
                except UnicodeDecodeError:
                    decoded = ""
                if decoded and _plausible(decoded):
                    out.append(decoded)
                    i += size
                    continue
        char = text[i]
        if 0x80 <= ord(char) <= 0x9F:
            # A lone C1 control: a Windows-1252 byte read as Latin-1 ("\x96" is "–").
            try:
                char = bytes([ord(char)]).decode("cp1252")
            except UnicodeDecodeError:
                char = " "
        out.append(char)
        i += 1
    return "".join(out)


_DAMAGED = re.compile(rf"[\w{REPLACEMENT}]*{REPLACEMENT}[\w{REPLACEMENT}]*")


def _pattern(word: str) -> re.Pattern:
    """A damaged word as a pattern over folded words: each run of U+FFFD one or two
    letters, the rest folded."""
    parts = re.split(rf"{REPLACEMENT}+", word)
    body = "[a-z]{1,2}".join(re.escape(fold(part).replace(" ", "")) for part in parts)
    return re.compile(f"{body}")


def resolve_replacements(text: str, vocabulary: Iterable[str]) -> tuple[str, list[str]]:
    """The text with each word containing U+FFFD replaced by the one folded word of
    ``vocabulary`` it can be, and the replacements made ("d�broussaillage ->
    debroussaillage"). A damaged word that fits no word, or several, is left as it is."""
    if REPLACEMENT not in (text or ""):
        return text, []
    words = sorted(set(vocabulary))
    made: list[str] = []

    def replace(match: re.Match) -> str:
        damaged = match.group(0)
        pattern = _pattern(damaged)
        found = [w for w in words if pattern.fullmatch(w)]
        if len(found) != 1:
            return damaged
        made.append(f"{damaged} -> {found[0]}")
        return found[0]

    return _DAMAGED.sub(replace, text), made
