"""Which new passwords to refuse: NIST SP 800-63B section 3.1.1.2, with zxcvbn as the list.

At least 8 characters and no composition rules (no "one digit, one capital"). A password
is refused when zxcvbn estimates it would fall to fewer than about 10^8 guesses: its lists
of the most used passwords, words and names, keyboard walks, repeats, sequences and dates
cover "commonly used, expected or compromised" passwords. Context-specific words (the
person's e-mail address and name, the organisation's name, the site's own words) are
given to zxcvbn too, and the password must still be strong with every one of them taken
out: "wang.fang1" is weak for Wang Fang even though zxcvbn alone scores it well.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from flask_babel import LazyString
from flask_babel import lazy_gettext as _l
from zxcvbn import zxcvbn

MIN_LENGTH = 8
#: zxcvbn's score 3 means "safely unguessable: moderate protection from offline slow-hash
#: scenario", about 10^8 guesses or more.
MIN_SCORE = 3
#: zxcvbn refuses longer input (and slows down on it); a longer password is judged by its
#: start, which is what an attacker tries first anyway.
SCORED_LENGTH = 72
SITE_WORDS = ("consortium", "booking")
# Pieces shorter than this (Li, Wu, .cn) would remove too much from unrelated passwords.
_MIN_WORD = 3
_SEPARATORS = re.compile(r"[\W_]+")

TOO_SHORT = _l("Use at least %(n)d characters.", n=MIN_LENGTH)
TOO_COMMON = _l("This password is too common or too easy to guess. A few unrelated words "
                "together make a good one.")
TOO_PERSONAL = _l("This password is too easy to guess from your name, e-mail address or "
                  "organisation. Choose one that has nothing to do with them.")


def password_problem(password: str, *, context: Iterable[str]) -> LazyString | None:
    """Why *password* is refused for the person *context* describes, or None if it is fine."""
    if len(password) < MIN_LENGTH:
        return TOO_SHORT
    words = context_words([*context, *SITE_WORDS])
    scored = password[:SCORED_LENGTH]
    personal = _without(scored, words) != scored.lower()
    if _score(scored, words) < MIN_SCORE:
        return TOO_PERSONAL if personal else TOO_COMMON
    if personal and _score(_without(scored, words), words) < MIN_SCORE:
        return TOO_PERSONAL
    return None


def context_words(values: Iterable[str]) -> list[str]:
    """Each value, and each of its pieces, lower-cased, longest first."""
    words = set()
    for value in values:
        value = (value or "").strip().lower()
        words.update(w for w in (value, *_SEPARATORS.split(value)) if len(w) >= _MIN_WORD)
    return sorted(words, key=lambda w: (-len(w), w))


def _without(password: str, words: list[str]) -> str:
    """The password, lower-cased, with every context word taken out."""
    remainder, previous = password.lower(), None
    while remainder != previous:
        previous = remainder
        for word in words:
            remainder = remainder.replace(word, "")
    return remainder


def _score(password: str, words: list[str]) -> int:
    return zxcvbn(password, user_inputs=words)["score"] if password else 0
