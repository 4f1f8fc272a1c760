"""Text checks shared by every form and by the intake: characters a person never means to type.

Bidirectional overrides and isolates (the "Trojan Source" trick) make a name or a reason read
differently on screen than it is stored and signed; other control and invisible format characters
hide text. Line breaks and tabs stay allowed (the narrative has paragraphs).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from typing import Any

from wardapp.core.i18n import gettext

ALLOWED_CONTROLS = frozenset("\t\n\r")
# Format characters (category Cf) that are harmless in Vietnamese text: none are needed, but the
# zero-width joiner appears inside emoji sequences pasted from phones.
ALLOWED_FORMAT = frozenset("\u200d")


def forbidden_characters(text: str) -> list[str]:
    """The forbidden characters in ``text`` as ``U+XXXX`` codes (empty when the text is clean)."""
    if text.isprintable():
        # Every forbidden character (Cc, Cf, Cs, Co, Cn, U+2028/2029) is one Python calls
        # unprintable: a printable text needs no look at each character (the intake checks every
        # string of every report; most are printable).
        return []
    found: list[str] = []
    for char in text:
        category = unicodedata.category(char)
        bad = (category == "Cc" and char not in ALLOWED_CONTROLS) or (category == "Cf" and char not in ALLOWED_FORMAT)
        bad = bad or category in ("Cs", "Co", "Cn") or char in "\u2028\u2029"
        if bad:
            code = f"U+{ord(char):04X}"
            if code not in found:
                found.append(code)
    return found


def is_clean(text: str) -> bool:
    return not forbidden_characters(text)


def problem(text: str) -> str | None:
    """The message for a field holding forbidden characters (None when clean); what was typed is
    kept, so the person can delete the invisible character and send again."""
    bad = forbidden_characters(text)
    if not bad:
        return None
    return gettext(
        "Có ký tự ẩn hoặc ký tự đảo chiều văn bản (%(codes)s), thường do dán từ nơi khác: hãy xóa và gõ lại đoạn đó.",
        codes=", ".join(bad[:3]),
    )


def without_forbidden(text: str) -> str:
    """``text`` with its forbidden characters taken out: for what nobody typed (an uploaded file's
    name) and for repairing text stored before the forms checked it."""
    if text.isprintable():
        return text
    bad = {chr(int(code[2:], 16)) for code in forbidden_characters(text)}
    return "".join(char for char in text if char not in bad)


def form_problems(form: Mapping[str, Any]) -> dict[str, str]:
    """The one text rule of every form: {field name: message} for each submitted field holding a
    forbidden character (every value of a repeated field is looked at). A form's own checks come
    after; what was typed is kept, so the form is shown again with the message beside the field."""
    found: dict[str, str] = {}
    getlist = getattr(form, "getlist", None)
    for name in form:
        values = getlist(name) if getlist is not None else [form.get(name)]
        for value in values:
            if isinstance(value, str) and (message := problem(value)):
                found[name] = message
                break
    return found
