"""Error pages for the city's reviewers, in their language (machines on /api/ get JSON: api.py)."""

from __future__ import annotations

from flask import render_template
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from wardapp.core.i18n import LazyText
from wardapp.core.i18n import lazy_gettext as _l

# The statuses a person meets on the intake's pages; any other keeps werkzeug's own answer.
PAGES: dict[int, tuple[LazyText, LazyText]] = {
    400: (_l("Yêu cầu không hợp lệ"), _l("Trang không hiểu yêu cầu này. Hãy quay lại và thử lại.")),
    403: (_l("Không có quyền"), _l("Tài khoản của bạn không được phép làm việc này.")),
    404: (_l("Không tìm thấy"), _l("Trang hoặc dữ liệu bạn tìm không tồn tại.")),
    405: (_l("Không hỗ trợ"), _l("Thao tác này không được hỗ trợ ở địa chỉ này.")),
    413: (_l("Tệp quá lớn"), _l("Yêu cầu lớn hơn mức máy chủ nhận. Hãy gửi tệp nhỏ hơn.")),
}
EXPIRED = (
    _l("Phiên làm việc đã hết hạn"),
    _l("Biểu mẫu không được gửi vì phiên làm việc đã thay đổi. Hãy quay lại, tải lại trang và gửi lại."),
)


def page(error: HTTPException):
    """The page for a refusal on a reviewer's page (a form sent after its session changed, an
    unknown report, another province's data...)."""
    texts = EXPIRED if isinstance(error, CSRFError) else PAGES.get(error.code or 0)
    if texts is None:
        return error
    title, message = texts
    return render_template("city/error.html", code=error.code, title=str(title), message=str(message)), error.code
