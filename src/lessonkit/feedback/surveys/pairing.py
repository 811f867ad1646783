"""Pairing a learner's pre- and post-workshop answers without knowing who they are.

A learner chooses a *pairing code* (a memorable phrase, never their email) and
types it in both surveys. The service keeps only ``HMAC-SHA256(salt, code)``
with a random salt per workshop, so the same phrase in two workshops gives two
unrelated values and a report across workshops cannot link people.

Codes are compared forgivingly: Unicode-normalised (NFKC), case-folded, with
everything but letters and digits removed and spaces collapsed, so
"Blue bicycle, 42!" and "blue  BICYCLE 42" pair.

A learner may also answer anonymously (no code): the answer is counted but not
paired.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import unicodedata

MIN_CODE = 6  # letters and digits, after normalising
MAX_CODE = 200
RESERVED = {"anonymous", "anon", "none", "nocode", "password"}


class CodeError(ValueError):
    """The pairing code cannot be used; the message says why and what to do."""


def new_salt() -> str:
    return secrets.token_hex(16)


def normalise(code: str) -> str:
    text = unicodedata.normalize("NFKC", code).casefold()
    kept = "".join(ch if unicodedata.category(ch)[0] in "LN" else " " for ch in text)
    return " ".join(kept.split())


def check(code: str) -> str:
    """The normalised code, or CodeError with a message for the form."""
    if len(code) > MAX_CODE:
        raise CodeError(f"At most {MAX_CODE} characters (this has {len(code)}).")
    if "@" in code:
        raise CodeError("Please do not use an email address: choose a phrase only you would think of.")
    normal = normalise(code)
    if len(normal.replace(" ", "")) < MIN_CODE:
        raise CodeError(f"Use at least {MIN_CODE} letters or digits, e.g. a short phrase you will remember.")
    if normal.replace(" ", "") in RESERVED:
        raise CodeError("Choose a phrase only you would think of (this one is too common).")
    return normal


def code_hash(salt: str, code: str) -> str:
    """The value stored for a code in one workshop (hex HMAC-SHA256 of the normalised code)."""
    return hmac.new(salt.encode(), normalise(code).encode(), hashlib.sha256).hexdigest()
