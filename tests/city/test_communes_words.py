"""The connected-communes page names who added each key as a reader would: an officer's full
name, a command run on the server as such; never an internal name such as "cli"."""

from __future__ import annotations

import io
import json

from tests.city import support

from .test_enrolment_file import _ca, _cli, _write, enrolment_file


def test_it_names_the_officer_and_the_server_command_not_cli(city, tmp_path):
    support.make_user(city, "quantri", role="admin")
    admin = support.signed_in(city, "quantri")
    by_command = support.Commune("20242")
    assert (
        _cli(city, "enrol", str(_write(tmp_path, "a.json", enrolment_file(by_command, [_ca(tmp_path, "a")])))).exit_code
        == 0
    )
    by_page = support.Commune("20197")
    document = json.dumps(enrolment_file(by_page, [_ca(tmp_path, "b")]))
    upload = {"enrolment_file": (io.BytesIO(document.encode()), "20197.json")}
    assert admin.post("/communes", data=upload, content_type="multipart/form-data").status_code == 303

    page = admin.get("/communes").get_data(as_text=True)
    table = page[page.index('id="commune-keys"') : page.index("</table>")]

    assert ">cli<" not in table
    assert "Cán bộ kỹ thuật, trên máy chủ" in table
    assert "Cán bộ quantri" in table
