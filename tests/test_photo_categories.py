"""The photo checklist of a day (which required kinds of photo are there, which are still missing)
and the admin's page to change it."""

from __future__ import annotations

import datetime as dt

import pytest

from wardapp.audit.models import AuditEvent
from wardapp.commune.models import Commune
from wardapp.core import clock
from wardapp.evidence.models import PhotoCategory
from wardapp.extensions import db

from . import factories
from .helpers import (
    Page,
    isolated_client,
    login_redirect_target,
    signed_in,
)
from .photos import DAY, camera_exif, category_ids, jpeg, photos_page, stored_photos, upload


def test_a_photo_that_cannot_prove_its_day_does_not_tick_its_category(app, staff):
    """Boundary: the same category, one photo taken the day before (gallery), then one that day."""
    day_before = jpeg(camera_exif(dt.datetime.combine(DAY, dt.time(23, 59)) - dt.timedelta(days=1)))
    upload(staff, day_before, category="exterior")
    assert checklist(photos_page(staff))[0] == (
        "✗ Mặt tiền, biển hiệu Trung tâm — còn thiếu 1 ảnh không xác thực được, không tính"
    )
    upload(staff, jpeg(camera_exif(dt.datetime.combine(DAY, dt.time(0, 0)))), category="exterior")
    assert checklist(photos_page(staff))[0] == (
        "✓ Mặt tiền, biển hiệu Trung tâm (1) 1 ảnh không xác thực được, không tính"
    )


ONLINE = "Góc hỗ trợ dịch vụ công trực tuyến"


def main_text(response) -> str:
    return Page.of(response).find("main")[0].text


def lines_about(label: str, staff, day: dt.date) -> list[str]:
    return [line for line in checklist(photos_page(staff, day)) if label in line]


def photo_items(day: dt.date) -> list[str]:
    """What readiness (the panel, "ready to sign", the dashboard, the sign gate) asks photos for."""
    from wardapp.commune.models import Commune
    from wardapp.delays.readiness import readiness
    from wardapp.reports.models import DailyReport

    db.session.expire_all()
    commune = db.session.scalar(db.select(Commune))
    report = db.session.scalar(db.select(DailyReport).filter_by(commune_id=commune.id, date=day))
    return [item.label for item in readiness(commune, report, day).items if item.kind == "photo"]


def test_a_category_turned_off_still_applies_to_the_days_before(app, admin, staff):
    """Boundary: the day before the turn-off still needs the photo (checklist and readiness alike);
    the day of the turn-off and later do not."""
    today = clock.today()
    day_before = today - dt.timedelta(days=1)
    factories.make_report(db.session.scalar(db.select(Commune)), day_before)
    db.session.commit()

    admin.post(SETTINGS, data=settings_form(active__online_corner=False))

    assert lines_about(ONLINE, staff, day_before) == [f"✗ {ONLINE} — còn thiếu"]
    assert f"Thiếu ảnh: {ONLINE}" in photo_items(day_before)
    assert lines_about(ONLINE, staff, today) == []
    assert f"Thiếu ảnh: {ONLINE}" not in photo_items(today)
    # The day before can still be given its missing photo; today is no longer offered the kind.
    assert ONLINE in category_options(photos_page(staff, day_before))
    assert ONLINE not in category_options(photos_page(staff, today))
    taken = jpeg(camera_exif(dt.datetime.combine(day_before, dt.time(9, 0))))
    assert upload(staff, taken, category="online_corner", day=day_before).status_code == 303
    assert upload(staff, taken, category="online_corner", day=today).status_code == 422
    assert lines_about(ONLINE, staff, day_before) == [f"✓ {ONLINE} (1)"]


def test_a_category_made_optional_still_applies_to_the_days_before(app, admin, staff):
    today = clock.today()
    admin.post(SETTINGS, data=settings_form(required__counters=False))

    assert lines_about("Quầy tiếp nhận", staff, today - dt.timedelta(days=1)) != []
    assert lines_about("Quầy tiếp nhận", staff, today) == []


def test_a_signed_days_checklist_does_not_change_when_a_category_is_turned_off(app, admin, staff, users):
    from wardapp.evidence.operations import add_photo, categories
    from wardapp.signing.operations import sign_report

    commune = db.session.scalar(db.select(Commune))
    report = factories.make_report(
        commune,
        DAY,
        users["staff"],
        resolved_on_time=20,
        resolved_late=0,
        pending_within=12,
        pending_overdue=0,
        apology_letters=0,
    )
    for n, category in enumerate(categories(commune.id)):
        photo = jpeg(camera_exif(dt.datetime.combine(DAY, dt.time(9, n))), size=(64 + n, 48))
        add_photo(report, photo, f"IMG_{n}.jpg", category, category.label, users["staff"])
    sign_report(commune, report, users["leader"], late_reason="Ký bổ sung sau hạn.")
    db.session.commit()
    signed = checklist(photos_page(staff, DAY))
    assert f"✓ {ONLINE} (1)" in signed

    admin.post(SETTINGS, data=settings_form(active__online_corner=False, required__counters=False))

    assert checklist(photos_page(staff, DAY)) == signed


def test_turning_a_category_back_on_the_same_day_changes_no_day(app, admin, staff):
    today = clock.today()
    admin.post(SETTINGS, data=settings_form(active__online_corner=False))
    admin.post(SETTINGS, data=settings_form(active__online_corner=True))

    for day in (today - dt.timedelta(days=30), today):
        assert lines_about(ONLINE, staff, day) == [f"✗ {ONLINE} — còn thiếu"], day
    category = db.session.get(PhotoCategory, category_ids()["online_corner"])
    assert [(p.valid_from, p.retired_from) for p in category.periods] == [(None, None)]


def test_turning_a_category_back_on_later_applies_from_that_day_and_keeps_the_gap(app, admin, staff, frozen_clock):
    """Off on day T, on again on T+3: before T it applies, T..T+2 it does not, from T+3 it does."""
    off = clock.today()
    admin.post(SETTINGS, data=settings_form(active__online_corner=False))
    frozen_clock.shift(dt.timedelta(days=3))
    on = clock.today()
    assert on == off + dt.timedelta(days=3)
    admin.post(SETTINGS, data=settings_form(active__online_corner=True))

    assert lines_about(ONLINE, staff, off - dt.timedelta(days=1)) != []
    for gap_day in (off, off + dt.timedelta(days=1), on - dt.timedelta(days=1)):
        assert lines_about(ONLINE, staff, gap_day) == [], gap_day
    assert lines_about(ONLINE, staff, on) != []
    assert "Áp dụng từ " + on.strftime("%d/%m/%Y") in main_text(admin.get(SETTINGS))


def test_a_category_made_required_again_later_applies_from_that_day_not_in_between(app, admin, staff, frozen_clock):
    made_optional = clock.today()
    admin.post(SETTINGS, data=settings_form(required__counters=False))
    frozen_clock.shift(dt.timedelta(days=2))
    admin.post(SETTINGS, data=settings_form(required__counters=True))
    today = clock.today()

    assert "Quầy tiếp nhận và trả kết quả" in " ".join(checklist(photos_page(staff, today)))
    yesterday = today - dt.timedelta(days=1)
    assert "Quầy tiếp nhận và trả kết quả" not in " ".join(checklist(photos_page(staff, yesterday)))
    before = made_optional - dt.timedelta(days=1)
    assert "Quầy tiếp nhận và trả kết quả" in " ".join(checklist(photos_page(staff, before)))


def test_the_settings_page_says_what_turning_off_does(app, admin):
    admin.post(SETTINGS, data=settings_form(active__online_corner=False))

    text = main_text(admin.get(SETTINGS))
    when = clock.today().strftime("%d/%m/%Y")
    assert f"Không áp dụng từ ngày {when}; các ngày trước vẫn cần ảnh này." in text
    assert "Tắt một loại ảnh hoặc bỏ “Bắt buộc”: không áp dụng từ ngày tắt; các ngày trước vẫn cần ảnh này." in text


def day_photo() -> bytes:
    """A phone photo taken on the report's day: it can tick its category."""
    return jpeg(camera_exif(dt.datetime.combine(DAY, dt.time(9, 0))))


DEFAULTS = [
    ("exterior", "Mặt tiền, biển hiệu Trung tâm"),
    ("counters", "Quầy tiếp nhận và trả kết quả"),
    ("waiting_area", "Khu vực chờ của người dân"),
    ("public_notice", "Niêm yết công khai thủ tục hành chính"),
    ("online_corner", "Góc hỗ trợ dịch vụ công trực tuyến"),
    ("team_at_work", "Tổ phản ứng nhanh đang hỗ trợ"),
]
SETTINGS = "/settings/photo-categories"


def checklist(page: Page) -> list[str]:
    """The checklist as a person reads it, one line per required kind of photo."""
    return [e.text for e in page.find("li") if e.attrs.get("data-category")]


def category_options(page: Page) -> list[str]:
    select = page.field("category")
    start = page.elements.index(select)
    return [o.text for o in page.elements[start + 1 :] if o.tag == "option" and o.attrs.get("value")]


def stored_categories() -> list[tuple]:
    db.session.expire_all()
    return [
        (c.key, c.label, c.required, c.active)
        for c in db.session.scalars(db.select(PhotoCategory).order_by(PhotoCategory.position, PhotoCategory.id))
    ]


def category_audit() -> list[tuple]:
    db.session.expire_all()
    return [
        (e.action, e.target_id, e.before, e.after, e.actor_username)
        for e in db.session.scalars(
            db.select(AuditEvent).filter(AuditEvent.action.like("photo_category.%")).order_by(AuditEvent.id)
        )
    ]


def settings_form(**changes) -> dict[str, str]:
    """The settings form as the browser posts it, every box as it is now, then ``changes``
    (``label-<key>``, ``required-<key>``, ``active-<key>`` as True/False, ``new_label``...)."""
    ids = category_ids()
    form: dict[str, str] = {}
    for key, label, required, active in stored_categories():
        form[f"label-{ids[key]}"] = label
        if required:
            form[f"required-{ids[key]}"] = "1"
        if active:
            form[f"active-{ids[key]}"] = "1"
    for name, value in changes.items():
        field, _, key = name.partition("__")
        target = f"{field}-{ids[key]}" if key else field
        if value is False:
            form.pop(target, None)
        else:
            form[target] = "1" if value is True else value
    return form


# --- The checklist -----------------------------------------------------------------------------------


def test_it_gives_a_new_commune_the_six_default_categories(app, users):
    assert stored_categories() == [(key, label, True, True) for key, label in DEFAULTS]


def test_it_lists_every_required_category_as_missing_on_an_empty_day(app, staff):
    page = photos_page(staff)

    assert checklist(page) == [f"✗ {label} — còn thiếu" for _, label in DEFAULTS]
    assert category_options(page) == [label for _, label in DEFAULTS]


def test_it_ticks_off_the_categories_that_have_photos(app, staff):
    upload(staff, day_photo(), category="exterior")
    upload(staff, day_photo(), category="counters")
    upload(staff, day_photo(), category="counters")

    lines = checklist(photos_page(staff))

    assert lines == [
        "✓ Mặt tiền, biển hiệu Trung tâm (1)",
        "✓ Quầy tiếp nhận và trả kết quả (2)",
        "✗ Khu vực chờ của người dân — còn thiếu",
        "✗ Niêm yết công khai thủ tục hành chính — còn thiếu",
        "✗ Góc hỗ trợ dịch vụ công trực tuyến — còn thiếu",
        "✗ Tổ phản ứng nhanh đang hỗ trợ — còn thiếu",
    ]


def test_it_counts_a_category_as_missing_again_once_its_photo_is_removed(app, staff):
    upload(staff, day_photo(), category="waiting_area")
    [photo] = stored_photos()

    response = staff.post(f"/reports/{DAY.isoformat()}/photos/{photo.id}/remove", headers={"HX-Request": "true"})

    assert "✗ Khu vực chờ của người dân — còn thiếu" in checklist(Page.of(response))


# --- The admin edits the checklist ---------------------------------------------------------------------


def test_it_shows_the_admin_every_category_with_its_boxes(app, admin):
    page = Page.of(admin.get(SETTINGS))

    ids = category_ids()
    assert [page.value(f"label-{ids[key]}") for key, _ in DEFAULTS] == [label for _, label in DEFAULTS]
    assert all("checked" in page.field(f"required-{ids[key]}").attrs for key, _ in DEFAULTS)
    assert all("checked" in page.field(f"active-{ids[key]}").attrs for key, _ in DEFAULTS)


def test_it_lets_the_admin_rename_relax_retire_and_add_categories(app, admin, staff):
    response = admin.post(
        SETTINGS,
        data=settings_form(
            label__exterior="Mặt tiền và biển hiệu",
            required__counters=False,
            active__online_corner=False,
            new_label="  Bảng điện tử   lấy số thứ tự ",
            new_required=True,
        ),
    )

    assert response.status_code == 303
    assert response.headers["Location"] == SETTINGS
    assert Page.of(admin.get(SETTINGS)).flashes == ["Đã lưu danh mục ảnh."]
    page = photos_page(staff)
    # Every change applies from today: the report's day (two days ago) keeps its checklist, the
    # category relaxed and the one retired included; the new one does not reach back.
    assert checklist(page) == [
        "✗ Mặt tiền và biển hiệu — còn thiếu",
        "✗ Quầy tiếp nhận và trả kết quả — còn thiếu",
        "✗ Khu vực chờ của người dân — còn thiếu",
        "✗ Niêm yết công khai thủ tục hành chính — còn thiếu",
        "✗ Góc hỗ trợ dịch vụ công trực tuyến — còn thiếu",
        "✗ Tổ phản ứng nhanh đang hỗ trợ — còn thiếu",
    ]
    assert checklist(Page.of(staff.get(f"/reports/{clock.today().isoformat()}/photos"))) == [
        "✗ Mặt tiền và biển hiệu — còn thiếu",
        "✗ Khu vực chờ của người dân — còn thiếu",
        "✗ Niêm yết công khai thủ tục hành chính — còn thiếu",
        "✗ Tổ phản ứng nhanh đang hỗ trợ — còn thiếu",
        "✗ Bảng điện tử lấy số thứ tự — còn thiếu",
    ]
    # The retired kind is still offered for the day that still needs it.
    assert category_options(page) == [
        "Mặt tiền và biển hiệu",
        "Quầy tiếp nhận và trả kết quả",
        "Khu vực chờ của người dân",
        "Niêm yết công khai thủ tục hành chính",
        "Góc hỗ trợ dịch vụ công trực tuyến",
        "Tổ phản ứng nhanh đang hỗ trợ",
        "Bảng điện tử lấy số thứ tự",
    ]
    assert category_audit() == [
        (
            "photo_category.changed",
            "exterior",
            {"label": "Mặt tiền, biển hiệu Trung tâm"},
            {"label": "Mặt tiền và biển hiệu"},
            "admin",
        ),
        (
            "photo_category.changed",
            "counters",
            {"required": True, "retired_from": None},
            {"required": False, "retired_from": clock.today().isoformat()},
            "admin",
        ),
        (
            "photo_category.changed",
            "online_corner",
            {"active": True, "retired_from": None},
            {"active": False, "retired_from": clock.today().isoformat()},
            "admin",
        ),
        (
            "photo_category.added",
            "custom-7",
            None,
            {"label": "Bảng điện tử lấy số thứ tự", "required": True, "valid_from": clock.today().isoformat()},
            "admin",
        ),
    ]


def test_it_adds_an_optional_category_that_is_offered_but_not_required(app, admin, staff):
    admin.post(SETTINGS, data=settings_form(new_label="Hoạt động tuyên truyền"))

    page = photos_page(staff)
    assert "Hoạt động tuyên truyền" in category_options(page)
    assert not any("Hoạt động tuyên truyền" in line for line in checklist(page))


def test_it_takes_photos_in_a_new_category_and_ticks_it_off(app, admin, staff):
    admin.post(SETTINGS, data=settings_form(new_label="Bảng điện tử lấy số thứ tự", new_required=True))
    admin.post(SETTINGS, data=settings_form(new_label="Hòm thư góp ý", new_required=True))

    today = clock.today()  # new categories apply from the day they are made
    taken_today = jpeg(camera_exif(dt.datetime.combine(today, dt.time(9, 0))))
    assert upload(staff, taken_today, category="custom-8", day=today).status_code == 303

    assert "✓ Hòm thư góp ý (1)" in checklist(photos_page(staff, today))
    assert [key for key, *_ in stored_categories()][-2:] == ["custom-7", "custom-8"]


def test_it_writes_no_audit_line_when_nothing_changed(app, admin):
    before = stored_categories()

    response = admin.post(SETTINGS, data=settings_form())

    assert response.status_code == 303
    assert stored_categories() == before
    assert category_audit() == []


def test_it_refuses_an_empty_category_name_and_saves_nothing(app, admin):
    ids = category_ids()
    before = stored_categories()

    response = admin.post(
        SETTINGS, data=settings_form(label__counters="   ", active__exterior=False, new_label="Loại mới")
    )

    assert response.status_code == 422
    page = Page.of(response)
    field = page.field(f"label-{ids['counters']}")
    errors = [e.text for e in page.elements[page.elements.index(field) :] if "field-error" in e.classes]
    assert errors[0] == "Nhập tên loại ảnh."
    assert stored_categories() == before
    assert category_audit() == []


@pytest.mark.parametrize("role", ["staff", "leader", "reviewer"])
def test_it_lets_only_the_admin_change_the_checklist(app, users, role):
    client = signed_in(app, role)
    before = stored_categories()

    shown = client.get(SETTINGS)
    changed = client.post(SETTINGS, data=settings_form(active__exterior=False, new_label="Loại mới"))

    assert (shown.status_code, changed.status_code) == (403, 403)
    assert "Không có quyền" in changed.text
    assert stored_categories() == before
    assert category_audit() == []


def test_it_sends_anonymous_visitors_to_sign_in_before_the_checklist_settings(app, users):
    response = isolated_client(app).post(SETTINGS, data={"new_label": "Loại mới"})

    assert login_redirect_target(response) == SETTINGS
    assert len(stored_categories()) == len(DEFAULTS)
