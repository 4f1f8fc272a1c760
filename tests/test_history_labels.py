"""History in the reader's words, in both languages: the audit log and the revision diff show labels,
values as typed and dates dd/mm/yyyy, never keys, JSON or ISO dates."""

from __future__ import annotations

import datetime as dt

import pytest

from wardapp.audit.models import AuditEvent
from wardapp.core.history import changed_rows, field_label, show_value
from wardapp.extensions import db

from .helpers import Page

EVENT = {
    "action": "team.updated",
    "actor_username": "admin",
    "before": {"decision_date": None, "feedback_late": 1, "role": "leader", "active": True},
    "after": {"decision_date": "2026-09-15", "feedback_late": 2, "role": "reviewer", "active": False},
}
WORDS = {
    "vi": {
        "action": "Sửa thông tin tổ phản ứng nhanh",
        "rows": [
            ("Ngày quyết định", "—", "15/09/2026"),
            ("PAKN xử lý quá hạn", "1", "2"),
            ("Vai trò", "Lãnh đạo UBND", "Cán bộ thẩm định (thành phố)"),
            ("Đang hoạt động", "Có", "Không"),
        ],
    },
    "en": {
        "action": "Response team edited",
        "rows": [
            ("Decision date", "—", "15/09/2026"),
            ("Feedback and petitions handled late", "1", "2"),
            ("Role", "People&#39;s Committee leader", "Reviewing officer (city)"),
            ("Active", "Yes", "No"),
        ],
    },
}


@pytest.mark.parametrize("locale", ["vi", "en"])
def test_the_audit_log_reads_in_words_in_both_languages(app, client, auth, users, locale):
    users["admin"].locale = locale
    db.session.add(AuditEvent(at=dt.datetime(2026, 9, 15, 3, 0), **EVENT))
    db.session.commit()
    auth.login("admin")

    page = Page.of(client.get("/admin/audit/"))

    row = page.html[page.html.index('data-action="team.updated"') :]
    row = row[: row.index("</tr>")]
    assert f'<strong class="audit-action">{WORDS[locale]["action"]}</strong>' in row
    for label, before, after in WORDS[locale]["rows"]:
        assert f"<dt>{label}</dt><dd><del>{before}</del> → <ins>{after}</ins></dd>" in row
    for leak in ("team.updated</", "feedback_late", "decision_date", "2026-09-15", "{", "\\u"):
        assert leak not in row
    options = [o.text for o in page.find("option")]
    assert WORDS[locale]["action"] in options and "team.updated" not in options


def test_a_label_is_found_for_every_figure_and_unknown_keys_stay_visible(app):
    assert field_label("feedback_late") == "PAKN xử lý quá hạn"
    assert field_label("highlights") != "highlights"
    assert field_label("something_new") == "something_new"  # never hidden
    assert show_value("count", 1234) == "1.234"
    assert show_value("taken_at", "2026-09-15T08:30:00+07:00") == "08:30 15/09/2026"
    assert show_value("cause", "Thiếu máy quét") == "Thiếu máy quét"  # as typed
    assert changed_rows(None, {"count": 2}) == [("Số hồ sơ", "", "2")]
