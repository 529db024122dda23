"""The form of a customer's name that possible duplicates compare.

Computed in Python, not by the database's ``LOWER``: SQLite's folds ASCII letters only
("ÉLODIE" stayed "Élodie" against "élodie"), PostgreSQL's depends on the collation. Unicode
case folding (``casefold``: "Straße" and "STRASSE" are one) after compatibility
normalisation (NFKC: a precomposed "é" and "e" with a combining accent are one, so are
full-width letters) gives the same key on every database. Accents stay: "Elodie" is not
"Élodie". One word is no key: a first name alone is too common to suggest anyone.
"""

from __future__ import annotations

import unicodedata

KEY_LENGTH = 300  # folding can lengthen a name ("ß" → "ss"); longer keys are cut


def name_key(name: str) -> str:
    """``"  ÉLODIE   Durand "`` → ``"élodie durand"``; "" for fewer than two words."""
    folded = unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", name).casefold())
    words = folded.split()
    return " ".join(words)[:KEY_LENGTH] if len(words) >= 2 else ""
