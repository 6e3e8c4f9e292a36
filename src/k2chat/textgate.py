"""The text gate: what every question passes before k2chat reads it, whatever door it came in by.

Two things, both general:

- :func:`readable` makes any text encodable: a lone surrogate (``"\\ud800"``, which JSON can
  carry and UTF-8 cannot) or any other code point UTF-8 cannot hold becomes U+FFFD. The page
  stores what it shows, so a question that could not be encoded once could never be shown
  again (issue 22, item 5).
- :func:`fold_lookalikes` writes look-alike letters inside a Latin word with the Latin letter
  they imitate (Unicode TS #39 confusables, from the ``disarm`` package's table), so
  ``wаrfarin`` with a Cyrillic ``а`` is read as ``warfarin`` by every safety and drug rule
  (issue 22, item 6). Only words that mix Latin letters with letters of another script are
  folded: a word written wholly in Cyrillic or Greek is a word of that language, not a spoof
  (TS #39's mixed-script test), and plain ASCII text is never changed, so ordinary questions
  read exactly as before.

:func:`k2chat.text.clean_question` applies both, so ``k2chat.ask``, ``Chat.ask``, the CLI, the
page and ``/ask`` all pass here. The reader still sees their own words: the page and the CLI
show the question as typed (made :func:`readable`), only the matching reads the fold.
"""

from __future__ import annotations

import functools
import re

__all__ = ["readable", "fold_lookalikes", "gate", "REPLACEMENT"]

REPLACEMENT = "\ufffd"
# A run of word characters (letters, digits, combining marks): the unit the mixed-script test
# looks at. Apostrophes and hyphens split words; a spoof hides inside one word.
_WORD = re.compile(r"[^\W_]+")


def readable(text: object) -> str:
    """``text`` as a string UTF-8 can encode: unencodable code points (lone surrogates) are
    replaced by U+FFFD. Non-strings become their ``str``; None becomes ``""``."""
    if not isinstance(text, str):
        text = "" if text is None else str(text)
    try:
        text.encode("utf-8")
        return text
    except UnicodeEncodeError:
        return "".join(ch if not 0xD800 <= ord(ch) <= 0xDFFF else REPLACEMENT for ch in text)


@functools.lru_cache(maxsize=4096)
def _fold_word(word: str) -> str:
    from disarm import Script, detect_scripts, normalize_confusables

    scripts = set(detect_scripts(word))
    if Script.LATIN not in scripts or len(scripts) < 2:
        return word  # one script (or none): a word of that language, or a number or symbol
    out = []
    for ch in word:
        own = detect_scripts(ch)
        if own and Script.LATIN not in own:  # a letter of another script inside a Latin word
            folded = normalize_confusables(ch, target_script="latin", digit_policy="preserve")
            out.append(folded if folded.isascii() and folded.isalpha() else ch)
        else:  # Latin letters, and script-less signs (µ, digits, marks) stay as written
            out.append(ch)
    return "".join(out)


def fold_lookalikes(text: str) -> str:
    """Letters of other scripts inside a Latin word folded to the Latin letters they imitate
    (TS #39 confusables); ASCII text and words of a single other script are left as written."""
    if text.isascii():
        return text
    return _WORD.sub(lambda m: _fold_word(m.group()), text)


def gate(text: object) -> str:
    """:func:`readable`, then :func:`fold_lookalikes`: the text k2chat's rules read."""
    return fold_lookalikes(readable(text))
