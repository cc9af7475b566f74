"""File names for pages named after provider-supplied text (a service name).

A slug is lower-case ASCII letters, digits and hyphens only: no ``/``, no ``..``,
no leading dot, nothing a shell or URL treats specially, at most
:data:`MAX_SLUG` characters. Two names that slug alike (``Care & Support`` and
``care/support``), or a name with no letters at all, get a suffix from a hash of
the name itself, so each keeps its file name from one publish to the next.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata

MAX_SLUG = 60
#: Slugs the site uses itself; a service may not take them.
RESERVED = frozenset({"index", "services", "top-clients", "ta-comparison", "trends-month",
                      "trends-financial-year"})


def slug(text: str) -> str:
    """``Temporary Accommodation`` -> ``temporary-accommodation``; empty when nothing is left."""
    ascii_text = unicodedata.normalize("NFKD", str(text)).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")[:MAX_SLUG].strip("-")


def _hashed(text: str, base: str) -> str:
    digest = hashlib.sha256(str(text).encode("utf-8")).hexdigest()[:8]
    return f"{base[:MAX_SLUG - 9]}-{digest}" if base else digest


def unique_slugs(names: list[str]) -> dict[str, str]:
    """Each name's slug, unique among ``names`` and never a reserved one."""
    bases = {n: slug(n) for n in names}
    counts: dict[str, int] = {}
    for b in bases.values():
        counts[b] = counts.get(b, 0) + 1
    out: dict[str, str] = {}
    for name in sorted(names, key=str):
        b = bases[name]
        out[name] = _hashed(name, b) if (not b or counts[b] > 1 or b in RESERVED) else b
    taken = set()
    for name in sorted(out, key=str):  # a hashed slug could, in theory, equal another's plain one
        s = out[name]
        while s in taken:
            s = _hashed(s, s)
        taken.add(s)
        out[name] = s
    return out
