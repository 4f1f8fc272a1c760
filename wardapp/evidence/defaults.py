"""The photo checklist a commune starts with (the admin can change it)."""

DEFAULT_CATEGORIES = (
    ("exterior", "Mặt tiền, biển hiệu Trung tâm"),
    ("counters", "Quầy tiếp nhận và trả kết quả"),
    ("waiting_area", "Khu vực chờ của người dân"),
    ("public_notice", "Niêm yết công khai thủ tục hành chính"),
    ("online_corner", "Góc hỗ trợ dịch vụ công trực tuyến"),
    ("team_at_work", "Tổ phản ứng nhanh đang hỗ trợ"),
)
