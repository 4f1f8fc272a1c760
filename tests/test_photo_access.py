"""Who may see, add and remove the photos of a day, and how the files are served: never without
signing in, never another commune's, never by guessing where the file lies, always with the
content type of what the file is (not what its name says)."""

from __future__ import annotations

import datetime as dt
import io
import os

import pytest
from PIL import Image

from wardapp.audit.models import AuditEvent
from wardapp.commune.models import Commune
from wardapp.evidence.models import Photo, PhotoCategory
from wardapp.evidence.operations import add_photo, create_default_categories
from wardapp.extensions import db

from . import factories
from .helpers import (
    isolated_client,
    login_redirect_target,
    signed_in,
)
from .photos import DAY, fetch, jpeg, photo_files, photos_page, png, stored_photos, upload, webp


@pytest.fixture
def photo(staff) -> Photo:
    """A JPEG the staff member added to the day's report."""
    assert upload(staff, jpeg(), "mat-tien.jpg", caption="Mặt tiền").status_code == 303
    [photo] = stored_photos()
    return photo


def urls(photo: Photo) -> list[str]:
    return [f"/photos/{photo.id}", f"/photos/{photo.id}/thumb"]


def assert_not_found(response) -> None:
    assert response.status_code == 404
    assert "Không tìm thấy" in response.text


def another_communes_photo(app) -> Photo:
    """A photo on a report of a second commune, stored like any other (its file is on disk)."""
    other = Commune(code="00004", name="Phường Ba Đình", province_code="01", province_name="Thành phố Hà Nội")
    db.session.add(other)
    db.session.flush()
    create_default_categories(other.id)
    db.session.commit()
    author = factories.make_user(other, "staff", username="nhanvien-badinh")
    report = factories.make_report(other, DAY, author)
    category = db.session.scalar(db.select(PhotoCategory).filter_by(commune_id=other.id, key="exterior"))
    return add_photo(report, jpeg(), "ba-dinh.jpg", category, "Mặt tiền Ba Đình", author)


# --- Without signing in ----------------------------------------------------------------------------


def test_it_sends_anonymous_visitors_to_sign_in_instead_of_showing_a_photo(app, photo):
    anonymous = isolated_client(app)
    for url in urls(photo):
        response = fetch(anonymous, url)
        assert login_redirect_target(response) == url
        assert not response.headers["Content-Type"].startswith("image/")


def test_it_does_not_let_anonymous_visitors_add_or_remove_photos(app, photo, tmp_path):
    anonymous = isolated_client(app)
    files = photo_files(tmp_path)

    added = upload(anonymous, jpeg())
    removed = anonymous.post(f"/reports/{DAY.isoformat()}/photos/{photo.id}/remove")

    assert login_redirect_target(added) == f"/reports/{DAY.isoformat()}/photos"
    assert login_redirect_target(removed) == f"/reports/{DAY.isoformat()}/photos/{photo.id}/remove"
    assert [(p.id, p.removed_at) for p in stored_photos()] == [(photo.id, None)]
    assert photo_files(tmp_path) == files


# --- Served files ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("make", "name", "content_type"),
    [
        pytest.param(jpeg, "anh.png", "image/jpeg", id="jpeg named .png"),
        pytest.param(png, "anh.jpg", "image/png", id="png named .jpg"),
        pytest.param(webp, "anh.html", "image/webp", id="webp named .html"),
    ],
)
def test_it_serves_the_original_with_the_type_of_its_content(app, staff, make, name, content_type):
    data = make()
    upload(staff, data, name)
    [photo] = stored_photos()

    response = fetch(staff, f"/photos/{photo.id}")

    assert response.status_code == 200
    assert response.headers["Content-Type"] == content_type
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.data == data


def test_it_serves_the_thumbnail_as_a_jpeg(app, staff):
    upload(staff, png(size=(960, 720)), "khu-cho.png")
    [photo] = stored_photos()

    response = fetch(staff, f"/photos/{photo.id}/thumb")

    assert response.status_code == 200
    assert response.headers["Content-Type"] == "image/jpeg"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    with Image.open(io.BytesIO(response.data)) as thumb:
        assert (thumb.format, thumb.size) == ("JPEG", (480, 360))


def test_it_does_not_let_shared_caches_keep_a_photo(app, photo, staff):
    """A proxy that kept a photo as "public" would hand it to people who never signed in."""
    for url in urls(photo):
        cache_control = fetch(staff, url).headers["Cache-Control"]
        assert "private" in cache_control
        assert "public" not in cache_control


def test_it_links_the_thumbnail_to_the_original_on_the_page(app, photo, staff):
    page = photos_page(staff)

    [figure_link] = [a for a in page.find("a") if a.attrs.get("href", "").startswith("/photos/")]
    [thumb] = [img for img in page.find("img") if img.attrs.get("src", "").startswith("/photos/")]
    assert (figure_link.attrs["href"], thumb.attrs["src"]) == (f"/photos/{photo.id}", f"/photos/{photo.id}/thumb")


# --- Another commune's photos and guessed paths ------------------------------------------------------


@pytest.mark.parametrize("role", ["staff", "leader"])
def test_it_hides_another_communes_photo_as_if_it_did_not_exist(app, users, role):
    theirs = another_communes_photo(app)
    client = signed_in(app, role)

    for url in urls(theirs):
        assert_not_found(fetch(client, url))


def test_it_does_not_let_staff_remove_another_communes_photo(app, users, staff):
    theirs = another_communes_photo(app)

    response = staff.post(f"/reports/{DAY.isoformat()}/photos/{theirs.id}/remove")

    assert_not_found(response)
    db.session.expire_all()
    assert db.session.get(Photo, theirs.id).removed_at is None


def guesses(app, photo: Photo) -> list[str]:
    sha = photo.sha256
    on_disk = os.path.join(app.instance_path, "photos", sha[:2], sha)
    from_static = os.path.relpath(on_disk, app.static_folder)  # ../../…/photos/ab/abcd…, a real traversal
    return [
        f"/instance/photos/{sha[:2]}/{sha}",
        f"/photos/{sha}",
        f"/photos/{sha[:2]}/{sha}",
        f"/photos/thumbs/{sha}.jpg",
        f"/static/../instance/photos/{sha[:2]}/{sha}",
        f"/static/%2e%2e/instance/photos/{sha[:2]}/{sha}",
        f"/static/..%2Finstance%2Fphotos%2F{sha[:2]}%2F{sha}",
        f"/static/{from_static}",
        f"/static/{from_static.replace('/', '%2F')}",
        f"/photos/{photo.id}/../../static/../photos/{sha[:2]}/{sha}",
    ]


@pytest.mark.parametrize("who", ["reviewer", "anonymous"])
def test_it_does_not_serve_a_photo_from_a_guessed_path(app, users, photo, who):
    client = isolated_client(app) if who == "anonymous" else signed_in(app, who)
    with open(os.path.join(app.instance_path, "photos", photo.sha256[:2], photo.sha256), "rb") as fh:
        data = fh.read()

    for url in guesses(app, photo):
        response = fetch(client, url)
        assert response.status_code == 404, url
        assert data not in response.data, url


# --- Reviewers and the admin read the day without opening its photos; staff and leaders change ----------


@pytest.mark.parametrize("role", ["reviewer", "admin"])
def test_it_shows_reviewers_and_the_admin_the_days_photos_without_opening_or_changing_them(app, photo, role, tmp_path):
    client = signed_in(app, role)
    files = photo_files(tmp_path)

    page = photos_page(client)
    served = [fetch(client, url).status_code for url in urls(photo)]
    added = upload(client, jpeg())
    removed = client.post(f"/reports/{DAY.isoformat()}/photos/{photo.id}/remove")

    assert len(page.find("figure", cls="photo")) == 1
    assert not page.has_id("upload-form")
    assert "Gỡ ảnh" not in page.html
    assert served == [403, 403]  # the photos show citizens: only the center's people open them
    assert page.find("img") == [] and "chỉ cán bộ một cửa và lãnh đạo được mở" in page.html
    assert (added.status_code, removed.status_code) == (403, 403)
    assert [(p.id, p.removed_at) for p in stored_photos()] == [(photo.id, None)]
    assert photo_files(tmp_path) == files
    actions = list(db.session.scalars(db.select(AuditEvent.action)))
    assert (actions.count("photo.added"), actions.count("photo.removed")) == (1, 0)


@pytest.mark.parametrize("role", ["staff", "leader"])
def test_it_shows_staff_and_leaders_the_upload_form_and_remove_buttons(app, photo, role):
    page = photos_page(signed_in(app, role))

    assert page.has_id("upload-form")
    assert "Gỡ ảnh" in page.by_id(f"photo-{photo.id}").text


def test_it_no_longer_serves_a_removed_photo(app, photo, staff, tmp_path):
    staff.post(f"/reports/{DAY.isoformat()}/photos/{photo.id}/remove")

    for url in urls(photo):
        assert_not_found(fetch(staff, url))
    assert (tmp_path / "photos" / photo.sha256[:2] / photo.sha256).exists(), "the file stays for the audit trail"


def test_it_removes_a_photo_only_from_its_own_day(app, photo, staff):
    other_day = DAY - dt.timedelta(days=1)

    response = staff.post(f"/reports/{other_day.isoformat()}/photos/{photo.id}/remove")

    assert_not_found(response)
    assert [p.removed_at for p in stored_photos()] == [None]


@pytest.mark.parametrize("url", ["/photos/999999", "/photos/999999/thumb", "/photos/0"])
def test_it_answers_not_found_for_a_photo_that_never_existed(app, staff, url):
    assert_not_found(fetch(staff, url))


def test_it_answers_not_found_when_the_file_of_a_photo_is_missing(app, photo, staff, tmp_path):
    (tmp_path / "photos" / photo.sha256[:2] / photo.sha256).unlink()

    assert_not_found(fetch(staff, f"/photos/{photo.id}"))


def test_it_sends_a_file_with_the_type_decided_at_upload_not_what_it_contains_now(app, photo, staff, tmp_path):
    """Were a stored file ever swapped for a page, the browser must still not run it."""
    (tmp_path / "photos" / photo.sha256[:2] / photo.sha256).write_bytes(b"<html><script>alert(1)</script></html>")

    response = fetch(staff, f"/photos/{photo.id}")

    assert response.headers["Content-Type"] == "image/jpeg"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
