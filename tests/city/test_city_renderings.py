"""What the city renders itself says so: a commune's month built at the city from the signed days
it received is the city's rendering, with neither the commune's number nor its signature block."""

from __future__ import annotations

import io

from pypdf import PdfReader

from . import support
from .test_consolidated_signing import OCT_31, A, october  # noqa: F401


def test_the_citys_month_of_a_commune_says_it_is_the_citys_rendering(city, october):  # noqa: F811
    support.make_user(city, "canbo")
    reviewer = support.signed_in(city, "canbo")
    response = reviewer.get(f"/communes/{A.code}/month/{OCT_31:%Y-%m}.pdf")
    assert response.status_code == 200
    text = " ".join(" ".join(p.extract_text().split()) for p in PdfReader(io.BytesIO(response.data)).pages)
    assert "BẢN DỰNG LẠI CỦA SỞ KHOA HỌC VÀ CÔNG NGHỆ" in text
    assert "không phải văn bản của xã/phường, không có số văn bản và chữ ký của xã/phường" in text
    assert "Số:" not in text and "/BC-UBND" not in text
    assert "TM. ỦY BAN NHÂN DÂN" not in text and "CHỦ TỊCH" not in text and "Nơi nhận" not in text
    assert "Trên đây là báo cáo tổng hợp tháng" not in text  # nothing in the commune's name
