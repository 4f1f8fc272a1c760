"""Explaining by the group: late dossiers with one cause and one officer are explained in one form,
what the staff recorded on the late-dossier page fills it, each dossier keeps its own explanation
(and its own line in the signed payload), and one dossier can still be explained apart."""

from __future__ import annotations

import datetime as dt

import pytest

from wardapp.delays.models import Explanation, LateDossier
from wardapp.extensions import db
from wardapp.signing.operations import build_document

from . import factories
from .helpers import TODAY, Page, signed_in
from .test_readiness import CLEAN, blockers

DAY = TODAY.isoformat()
EXPLAIN = f"/reports/{DAY}/explain"
LATER = TODAY + dt.timedelta(days=5)


@pytest.fixture
def heavy_day(commune, users):
    """Seven overdue dossiers: four waiting for a land survey (Mai, apology letters and a new date
    recorded), two for a missing signature (Mai, nothing else recorded), one imported without cause."""
    from wardapp.evidence.models import PhotoCategory

    for category in db.session.scalars(db.select(PhotoCategory).filter_by(commune_id=commune.id)):
        category.ask_on_every_day(False)
    report = factories.make_report(
        commune, TODAY, users["staff"], **(CLEAN | {"pending_overdue": 7, "pending_within": 5})
    )

    def dossier(code: str, cause: str, **kw) -> LateDossier:
        row = LateDossier(
            report_id=report.id,
            kind="pending_overdue",
            count=1,
            procedure=kw.pop("procedure", "Cấp giấy chứng nhận quyền sử dụng đất"),
            dossier_code=code,
            officer=kw.pop("officer", "Ngô Thị Mai"),
            cause=cause,
            **kw,
        )
        db.session.add(row)
        return row

    survey = [
        dossier(f"H48.20242-2611-{n:04}", "Chờ kết quả đo đạc", apology_issued=True, new_appointment=LATER)
        for n in range(1, 5)
    ]
    signature = [dossier(f"H48.20242-2611-{n:04}", "Thiếu chữ ký lãnh đạo") for n in range(5, 7)]
    imported = [dossier("H48.20242-2611-0007", "", officer="Trần Văn Nam", procedure="Chứng thực bản sao")]
    db.session.commit()
    return report, survey, signature, imported


def keys(rows) -> list[str]:
    return [f"late:{row.id}" for row in rows]


def group_form(page: Page, first_key: str) -> dict:
    """The values a group's form shows, and the items it ticks."""
    anchor = first_key.replace(":", "-")
    section = page.by_id(f"group-{anchor}")
    ticked = [
        e.attrs["value"]
        for e in page.find("input", type="checkbox", name="item")
        if "checked" in e.attrs and e.attrs["value"] in section.attrs["data-items"].split()
    ]
    fields = {
        name: (
            page.by_id(f"{name}-{anchor}").raw_text
            if name in ("cause", "remedy")
            else page.by_id(f"{name}-{anchor}").attrs.get("value", "")
        )
        for name in ("cause", "remedy", "new_date", "responsible")
    }
    return {"text": section.text, "ticked": ticked, **fields}


def test_it_groups_by_cause_and_officer_and_carries_over_what_staff_recorded(app, heavy_day):
    _report, survey, signature, imported = heavy_day
    page = Page.of(signed_in(app, "leader").get(EXPLAIN))

    first = group_form(page, keys(survey)[0])
    second = group_form(page, keys(signature)[0])
    third = group_form(page, keys(imported)[0])

    # Every dossier code is listed, ticked, in the group of its cause.
    assert all(f"H48.20242-2611-000{n}" in first["text"] for n in range(1, 5))
    assert first["ticked"] == keys(survey)
    assert second["ticked"] == keys(signature)
    assert "H48.20242-2611-0001" not in second["text"]
    # The staff's cause, apology letters and new date fill the form; the officer answers for it.
    assert first["cause"] == "Chờ kết quả đo đạc"
    assert "Đã gửi thư xin lỗi người nộp hồ sơ." in first["remedy"]
    assert LATER.strftime("%d/%m/%Y") in first["remedy"]
    assert first["new_date"] == LATER.isoformat()
    assert first["responsible"] == "Ngô Thị Mai"
    assert (second["cause"], second["remedy"], second["new_date"]) == ("Thiếu chữ ký lãnh đạo", "", "")
    assert third["cause"] == "" and third["responsible"] == "Trần Văn Nam"
    # A day of seven items says how many wait, once, rather than seven lines.
    assert blockers(page) == ["Còn 7 việc chưa giải trình (danh sách bên dưới)."]


def test_one_form_explains_the_whole_group_and_each_dossier_keeps_its_line_in_the_payload(
    app, commune, users, heavy_day
):
    report, survey, signature, imported = heavy_day
    leader = signed_in(app, "leader")
    page = Page.of(leader.get(EXPLAIN))
    first = group_form(page, keys(survey)[0])

    saved = leader.post(
        EXPLAIN,
        data={
            "group": f"group-{keys(survey)[0].replace(':', '-')}",
            "item": first["ticked"],
            "cause": first["cause"],
            "remedy": first["remedy"],
            "new_date": first["new_date"],
            "responsible": first["responsible"],
        },
    )

    assert saved.status_code == 303
    after = Page.of(leader.get(saved.headers["Location"]))
    assert "Đã lưu giải trình cho 4 việc." in after.flashes
    folded = after.by_id(f"group-{keys(survey)[0].replace(':', '-')}")
    assert "explained" in folded.classes
    assert blockers(after) == [
        f"Đang giải quyết quá hạn: {d.procedure} · {d.dossier_code} (chưa giải trình)" for d in signature + imported
    ]
    document = build_document(
        commune, db.session.get(type(report), report.id), users["leader"], dt.datetime.now(dt.UTC), None
    )
    listed = {e["item"]: e for e in document["explanations"]}
    assert sorted(listed) == sorted(keys(survey))
    for dossier in survey:
        line = listed[f"late:{dossier.id}"]
        assert line["cause"] == "Chờ kết quả đo đạc"
        assert (
            line["item_label"]
            == f"Đang giải quyết quá hạn: Cấp giấy chứng nhận quyền sử dụng đất · {dossier.dossier_code}"
        )


def test_an_unticked_dossier_is_explained_apart(app, heavy_day):
    _report, _survey, signature, _imported = heavy_day
    leader = signed_in(app, "leader")
    group = f"group-{keys(signature)[0].replace(':', '-')}"
    common = {"cause": "Thiếu chữ ký", "new_date": LATER.isoformat(), "responsible": "Ngô Thị Mai"}

    leader.post(EXPLAIN, data={"group": group, "item": keys(signature)[:1], "remedy": "Trình ký bổ sung"} | common)
    leader.post(
        EXPLAIN, data={"group": group, "item": keys(signature)[1:], "remedy": "Chuyển Phó Chủ tịch ký"} | common
    )

    remedies = {e.item_key: e.remedy for e in db.session.scalars(db.select(Explanation))}
    assert remedies == {keys(signature)[0]: "Trình ký bổ sung", keys(signature)[1]: "Chuyển Phó Chủ tịch ký"}
    page = Page.of(leader.get(EXPLAIN))
    # Done, yet told apart: each dossier shows its own explanation under its code.
    section = page.by_id(group)
    assert "Trình ký bổ sung" in section.text and "Chuyển Phó Chủ tịch ký" in section.text


def test_a_group_form_without_any_ticked_item_is_refused_with_what_was_typed_kept(app, heavy_day):
    _report, survey, _signature, _imported = heavy_day
    leader = signed_in(app, "leader")
    group = f"group-{keys(survey)[0].replace(':', '-')}"

    refused = leader.post(
        EXPLAIN, data={"group": group, "cause": "Chờ đo đạc", "remedy": "Đôn đốc", "new_date": "", "responsible": "Mai"}
    )

    page = Page.of(refused)
    assert refused.status_code == 422
    assert page.text(f"err-item-{keys(survey)[0].replace(':', '-')}") == "Chọn ít nhất một việc để giải trình."
    assert page.text(f"err-new_date-{keys(survey)[0].replace(':', '-')}") == "Chọn thời hạn hoàn thành mới."
    assert page.by_id(f"remedy-{keys(survey)[0].replace(':', '-')}").raw_text == "Đôn đốc"
    assert db.session.scalar(db.select(db.func.count(Explanation.id))) == 0


def test_several_other_items_share_one_form(app, commune, users, heavy_day):
    from wardapp.evidence.models import PhotoCategory

    for key in ("exterior", "counters"):
        db.session.scalar(db.select(PhotoCategory).filter_by(commune_id=commune.id, key=key)).ask_on_every_day(True)
    db.session.commit()
    leader = signed_in(app, "leader")
    page = Page.of(leader.get(EXPLAIN))
    ticked = [
        e.attrs["value"]
        for e in page.find("input", type="checkbox", name="item")
        if e.attrs["value"].startswith("photo:")
    ]

    saved = leader.post(
        EXPLAIN,
        data={
            "group": "explain-others",
            "item": ticked,
            "cause": "Máy ảnh hỏng",
            "remedy": "Mượn điện thoại",
            "new_date": LATER.isoformat(),
            "responsible": "Văn phòng",
        },
    )

    assert saved.status_code == 303
    assert sorted(ticked) == ["photo:counters", "photo:exterior"]
    explained = {e.item_key for e in db.session.scalars(db.select(Explanation))}
    assert explained == set(ticked)
