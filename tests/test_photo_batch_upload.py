"""Several photos in one form (a browser without our script posts them together): each added or
refused on its own, a refused one named; the next category still missing is chosen for the next
photo."""

from __future__ import annotations

import io

from werkzeug.datastructures import FileStorage, MultiDict
from werkzeug.test import encode_multipart

from .helpers import Page
from .photos import DAY, at, camera_exif, category_ids, jpeg, photos_page, stored_photos, upload

PHOTOS = f"/reports/{DAY.isoformat()}/photos"


def post_many(client, files: list[tuple[str, bytes]], category: str = "counters", htmx: bool = False):
    fields = MultiDict([("category", str(category_ids()[category])), ("caption", "Quầy số 1")])
    for name, data in files:
        fields.add("photo", FileStorage(io.BytesIO(data), filename=name, content_type="application/octet-stream"))
    boundary, body = encode_multipart(fields)
    return client.post(
        PHOTOS,
        data=body,
        headers={"HX-Request": "true"} if htmx else {},
        content_type=f"multipart/form-data; boundary={boundary}",
    )


def chosen_category(page: Page) -> str:
    return page.value("category")


def test_it_adds_every_photo_of_one_form(app, staff):
    response = post_many(staff, [("sang.jpg", jpeg(camera_exif(at(8, 30)))), ("trua.jpg", jpeg(camera_exif(at(12))))])

    assert response.status_code == 303
    assert len(stored_photos()) == 2
    assert photos_page(staff).flashes == ["Đã thêm 2 ảnh."]


def test_it_names_the_file_refused_and_keeps_the_others(app, staff):
    response = post_many(staff, [("sang.jpg", jpeg()), ("ghi-chu.jpg", b"not a photo")], htmx=True)

    page = Page.of(response)
    assert response.status_code == 422
    assert page.text("err-photo").startswith("ghi-chu.jpg: ")
    assert [p.original_name for p in stored_photos()] == ["sang.jpg"]
    assert chosen_category(page) == str(category_ids()["counters"])  # kept to try again
    assert page.value("caption") == "Quầy số 1"


def test_the_next_photo_goes_to_the_first_category_still_missing(app, staff):
    ids = category_ids()
    first = Page.of(upload(staff, jpeg(camera_exif(at(9))), category="counters", htmx=True))
    second = Page.of(upload(staff, jpeg(camera_exif(at(9, 5))), category="exterior", htmx=True))

    assert first.text("photos-added") == "Đã thêm ảnh."
    assert chosen_category(first) == str(ids["exterior"])  # counters done: the first missing
    assert chosen_category(second) == str(ids["waiting_area"])
    # The newest photo first.
    assert [f.attrs["id"] for f in second.find("figure")] == [f"photo-{p.id}" for p in reversed(stored_photos())]
