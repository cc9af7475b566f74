"""The purposes a lookup may serve, and what a lookup must say about itself.

docs/contract.md §5 names four legitimate purposes for reaching identities:
A (support the service), B (a legal or statutory duty), C (research),
D (an offer of an additional benefit). ``costcalc lookup`` asks for one of
them, for the case it serves (a case reference) and for a reason in words.
The rules here are deliberately simple and published (docs/privacy.md,
"Purpose-bound lookup"): they stop the careless and the lazy ("n/a",
"qwertyuiop"), not a determined liar, whom the audit names.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass


class PurposeRefused(Exception):
    """The purpose, case reference or reason is not acceptable; nothing was read."""


@dataclass(frozen=True)
class Purpose:
    code: str
    title: str
    lookup_allowed: bool
    refusal: str | None = None


PURPOSES = {
    "A": Purpose("A", "support the service the data was collected for", True),
    "B": Purpose("B", "a legal or statutory obligation", True),
    "C": Purpose("C", "research", False,
                 "Purpose C (research) is never served by a lookup: research uses the pseudonymous "
                 "marts (`costcalc report`), never identities (docs/contract.md §5)."),
    "D": Purpose("D", "offer of an additional benefit", True),
}

# --------------------------------------------------------------------------- case reference

MIN_CASE_REFERENCE_CHARS = 4
MAX_CASE_REFERENCE_CHARS = 64
#: Case references refused however written (compared upper case, letters and digits only).
PLACEHOLDER_REFERENCES = frozenset({
    "NA", "NONE", "NIL", "NULL", "TEST", "TESTING", "XXX", "TBC", "TBA", "TBD", "UNKNOWN", "NOTKNOWN",
    "DUMMY", "SAMPLE", "EXAMPLE", "CASE", "REF", "NOREF", "NOREFERENCE", "NOCASE", "ABC", "ABCD",
    "QWERTY", "ASDF", "LOOKUP",
})
#: A case reference starting with one of these is a placeholder too ("TEST1", "DUMMY-99").
PLACEHOLDER_PREFIXES = ("TEST", "DUMMY", "SAMPLE", "EXAMPLE", "XXX")
_DIGIT_RUNS = "0123456789"


def _compact(text: str) -> str:
    return "".join(ch for ch in text.upper() if ch.isalnum())


def _has_control(text: str) -> bool:
    return any(unicodedata.category(ch).startswith("C") or ch in "\u2028\u2029" for ch in text)


def _is_counting(compact: str) -> bool:
    """``123``, ``1234``, ``987654``: counting up or down, no real reference."""
    return compact.isdigit() and (compact in _DIGIT_RUNS or compact in _DIGIT_RUNS[::-1])


def check_case_reference(reference: str | None) -> str:
    """The case reference, stripped, or ``PurposeRefused`` saying why it is not one.

    A case reference names the case, referral or request the lookup serves in the
    council's own system (e.g. ``SG-2024-0113``). Refused: empty; shorter than
    MIN_CASE_REFERENCE_CHARS letters and digits or longer than MAX_CASE_REFERENCE_CHARS
    characters; control characters; no digit at all; one character repeated
    (``0000``, ``XXXX``); counting (``1234``); a placeholder word (PLACEHOLDER_REFERENCES)
    or one starting with a placeholder word (``TEST1``)."""
    raw = str(reference or "")
    text = " ".join(raw.split())
    how = ("give the reference of the case, referral or request in your own system, "
           "e.g. --case-reference SG-2024-0113")
    if not text:
        raise PurposeRefused(f"A lookup needs a case reference: {how}.")
    if _has_control(raw):
        raise PurposeRefused("--case-reference must not contain control characters (such as a newline).")
    if len(text) > MAX_CASE_REFERENCE_CHARS:
        raise PurposeRefused(f"The case reference is too long (at most {MAX_CASE_REFERENCE_CHARS} characters).")
    compact = _compact(text)
    if compact in PLACEHOLDER_REFERENCES or compact.startswith(PLACEHOLDER_PREFIXES) \
            or (compact and len(set(compact)) == 1) or _is_counting(compact):
        raise PurposeRefused(f"That case reference is a placeholder, not a reference: {how}.")
    if len(compact) < MIN_CASE_REFERENCE_CHARS:
        raise PurposeRefused(f"The case reference is too short (at least {MIN_CASE_REFERENCE_CHARS} "
                             f"letters or digits): {how}.")
    if not any(ch.isdigit() for ch in compact):
        raise PurposeRefused(f"A case reference has a number in it: {how}.")
    return text


# --------------------------------------------------------------------------- reason

#: A reason has at least this many characters (not counting spaces) ...
MIN_REASON_CHARS = 10
#: ... at least this many different letters or digits ("aaaaaaaaaa" is not a reason) ...
MIN_REASON_DISTINCT = 5
#: ... and at least this many words (a word: two or more letters).
MIN_REASON_WORDS = 3
#: Reasons refused however long (placeholders, not reasons); compared as letters and digits only.
TRIVIAL_REASONS = frozenset({"nareason", "noreason", "testtesttest", "lookuplookup", "nothingreally",
                             "asdfasdfasdf"})
#: Words that say nothing about why: a reason made only of these is refused ("just checking this").
FILLER_WORDS = frozenset({
    "a", "an", "the", "to", "for", "of", "on", "in", "it", "is", "i", "me", "my", "this", "that", "and", "or",
    "just", "really", "some", "something", "stuff", "thing", "things", "because", "why", "not", "no", "none",
    "na", "nothing", "test", "tests", "testing", "lookup", "look", "looking", "up", "reason", "reasons",
    "check", "checking", "see", "want", "wanted", "need", "curious", "curiosity", "blah", "foo", "bar", "baz",
    "asdf", "xxx", "tbc", "todo", "please", "ok", "okay", "yes",
})
#: Keyboard rows: a word holding KEYBOARD_RUN or more neighbouring keys of one row, either
#: way ("qwertyuiop", "asdfg", "lkjhg"), is keyboard mash.
KEYBOARD_ROWS = ("qwertyuiop", "asdfghjkl", "zxcvbnm", "azertyuiop", "qwertzuiop")
KEYBOARD_RUN = 5
_WORD = re.compile(r"[^\W\d_]{2,}")


def _mashed(word: str) -> bool:
    word = word.lower()
    for row in KEYBOARD_ROWS:
        for line in (row, row[::-1]):
            for i in range(len(line) - KEYBOARD_RUN + 1):
                if line[i:i + KEYBOARD_RUN] in word:
                    return True
    return False


def check_reason(reason: str | None) -> str:
    """The reason, with its white space collapsed, or ``PurposeRefused`` saying why it is not
    one. Refused: empty; fewer than MIN_REASON_CHARS characters (spaces not counted);
    fewer than MIN_REASON_DISTINCT different letters and digits; a trivial reason
    (TRIVIAL_REASONS); control characters; fewer than MIN_REASON_WORDS words; only
    filler words (FILLER_WORDS); keyboard mash (KEYBOARD_RUN neighbouring keys of one
    keyboard row, either way, anywhere in the text)."""
    raw = str(reason or "")
    text = " ".join(raw.split())
    example = "e.g. --reason \"Duty team: TA placement review, case 4411\""
    if not text:
        raise PurposeRefused(f"A lookup needs a reason: give --reason, {example}.")
    if _has_control(text):
        raise PurposeRefused("The reason must not contain control characters.")
    compact = "".join(ch for ch in text.lower() if ch.isalnum())
    if len(text.replace(" ", "")) < MIN_REASON_CHARS:
        raise PurposeRefused(f"The reason is too short: say why you need these details "
                             f"(at least {MIN_REASON_CHARS} characters), {example}.")
    if len(set(compact)) < MIN_REASON_DISTINCT or compact in TRIVIAL_REASONS or _mashed(compact):
        raise PurposeRefused(f"That is not a reason: say why you need these details, {example}.")
    words = [w.lower() for w in _WORD.findall(text)]
    if len(words) < MIN_REASON_WORDS:
        raise PurposeRefused(f"The reason is too short: say in at least {MIN_REASON_WORDS} words why you "
                             f"need these details, {example}.")
    if all(w in FILLER_WORDS for w in words):
        raise PurposeRefused(f"That is not a reason: say what the case or referral is, {example}.")
    return text


def check_purpose(purpose: str | None) -> Purpose:
    """The purpose (A, B, C or D; case and spaces ignored), or ``PurposeRefused``:
    missing, unknown, or one a lookup never serves (C, research)."""
    code = str(purpose or "").strip().upper()
    listing = "; ".join(f"{p.code} {p.title}" for p in PURPOSES.values())
    if not code:
        raise PurposeRefused(f"A lookup needs a purpose: give --purpose with one of {listing} "
                             "(docs/contract.md §5).")
    found = PURPOSES.get(code)
    if found is None:
        raise PurposeRefused(f"Unknown purpose {code[:10]!r}: one of {listing}.")
    if not found.lookup_allowed:
        raise PurposeRefused(found.refusal)
    return found
