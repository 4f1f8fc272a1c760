"""Who at the city sees officers' names (issue 26; docs/ARCHIVES.md, "Personal data"): the one
place the rule is decided.

A commune's signed report names officers in two structured places: the person responsible for
each explanation of a task behind schedule (``explanations[].responsible``) and the officer of
each late dossier (``late_dossiers[].officer``). The department's director and deputy directors
need them: they sign the consolidated report, which lists the explanations with the person
responsible, and act on a commune's accountability. A reviewer checks figures, reasons and
remedies, and the intake's admin runs the system; neither needs to know which officer: their
screens show the explanations with those names masked. The signed PDF is the record and stays
as signed; whoever needs the names for a report reads them there.
"""

from __future__ import annotations

import copy
import json
from typing import Any

from wardapp.core.i18n import gettext as _

SEE_OFFICER_NAMES = frozenset({"director", "deputy_director"})
# Where a report's payload names an officer: (list, field).
NAMED_FIELDS = (("explanations", "responsible"), ("late_dossiers", "officer"))


def sees_officer_names(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False)) and getattr(user, "role", None) in SEE_OFFICER_NAMES


def masked(document: dict, user: Any) -> dict:
    """The payload as ``user`` may read it on a screen: unchanged for a role that sees officers'
    names, else a copy with each name replaced by a mark saying it is hidden."""
    if sees_officer_names(user):
        return document
    shown = copy.deepcopy(document)
    mark = _("(tên cán bộ đã ẩn)")
    for listing, name in NAMED_FIELDS:
        for item in shown.get(listing) or []:
            if isinstance(item, dict) and item.get(name):
                item[name] = mark
    return shown


def masked_raw(payload: bytes, user: Any) -> str:
    """The received payload as text (a report that cannot be laid out is shown raw), names masked
    as in ``masked``; a payload that is not JSON is shown only to a role that sees the names."""
    text = payload.decode("utf-8", "replace")
    if sees_officer_names(user):
        return text
    try:
        document = json.loads(payload)
    except ValueError:
        return _("(Nội dung không phải JSON: chỉ lãnh đạo Sở xem được bản thô, vì có thể chứa tên cán bộ.)")
    if not isinstance(document, dict):
        return text
    return json.dumps(masked(document, user), ensure_ascii=False, indent=1)
