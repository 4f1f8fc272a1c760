"""Demo evidence: photos with EXIF capture times, a response team set up late, plan tasks,
support cases matching the daily figures, late dossiers and some of the leader's explanations."""

from __future__ import annotations

import datetime as dt
import io
import random

from PIL import Image, ImageDraw, ImageFont

from wardapp.commune.models import Commune
from wardapp.core.pdf.fonts import font_path
from wardapp.delays.models import Explanation, LateDossier, LateKind
from wardapp.evidence.models import PhotoCategory
from wardapp.evidence.operations import add_photo
from wardapp.extensions import db
from wardapp.reports.models import DailyReport
from wardapp.support.models import SupportCase
from wardapp.tasks.models import Task, TaskProgress
from wardapp.team.models import Field, ResponseTeam, TeamMember

PROCEDURES = (
    "Đăng ký khai sinh",
    "Chứng thực bản sao từ bản chính",
    "Đăng ký kết hôn",
    "Cấp giấy xác nhận tình trạng hôn nhân",
    "Đăng ký thường trú",
    "Cấp đổi giấy chứng nhận quyền sử dụng đất",
)
OFFICERS = (
    ("Lê Thị Hoa", "Bộ phận Tư pháp - Hộ tịch"),
    ("Võ Văn Nam", "Bộ phận Địa chính"),
    ("Đặng Thu Trang", "Bộ phận Văn hóa - Xã hội"),
)
MEMBERS = (
    ("Trần Văn Hùng", "Phó Chủ tịch UBND phường", "UBND phường", Field.BOTH, True),
    ("Nguyễn Minh Khoa", "Công chức Văn phòng - Thống kê", "Văn phòng HĐND-UBND", Field.TECHNOLOGY, False),
    ("Phan Thị Lan", "Công chức Tư pháp - Hộ tịch", "Bộ phận Tư pháp", Field.PROFESSIONAL, False),
    ("Huỳnh Đức Tài", "Đoàn viên Thanh niên", "Đoàn phường", Field.TECHNOLOGY, False),
    ("Lý Thanh Hà", "Nhân viên Bưu điện", "Bưu điện văn hóa phường", Field.PROFESSIONAL, False),
)
TASKS = (
    ("KH02-01", "Rà soát, chuẩn hóa dữ liệu hộ tịch điện tử", 100),
    ("KH02-02", "Triển khai thanh toán trực tuyến tại quầy", 85),
    ("KH02-03", "Số hóa hồ sơ đất đai giai đoạn 2", 20),  # behind, explained
    ("KH02-04", "Hướng dẫn người dân dùng VNeID mức 2", 70),
    ("KH02-05", "Lắp đặt góc hỗ trợ dịch vụ công trực tuyến", 100),
    ("KH02-06", "Tập huấn chữ ký số cho cán bộ", 55),
    ("KH02-07", "Công khai thủ tục trên bảng điện tử", 15),  # behind, not explained
    ("KH02-08", "Kết nối camera giám sát khu vực một cửa", 60),
    ("KH02-09", "Khảo sát mức độ hài lòng bằng mã QR", 50),
    ("KH02-10", "Chuẩn hóa quy trình nội bộ 30 thủ tục", 45),
    ("KH02-11", "Nâng cấp đường truyền cáp quang", 40),
    ("KH02-12", "Báo cáo sơ kết 6 tháng thực hiện Kế hoạch 02", 40),
)


def demo_photo(
    label: str, taken_at: dt.datetime, seed: int, gps: tuple[float, float] | None, size: tuple[int, int] = (1600, 1200)
) -> bytes:
    """A camera-like JPEG: a coloured scene with its label and EXIF capture time and camera."""
    rng = random.Random(seed)
    image = Image.new("RGB", (1600, 1200), (rng.randint(60, 200), rng.randint(60, 200), rng.randint(60, 200)))
    draw = ImageDraw.Draw(image)
    for _ in range(12):
        x, y = rng.randint(0, 1500), rng.randint(0, 1100)
        draw.rectangle(
            (x, y, x + rng.randint(80, 400), y + rng.randint(60, 300)),
            fill=(rng.randint(0, 255), rng.randint(0, 255), rng.randint(0, 255)),
        )
    draw.rectangle((0, 1080, 1600, 1200), fill=(255, 255, 255))
    font = ImageFont.truetype(str(font_path("Regular")), 44)  # a font with Vietnamese letters
    draw.text((30, 1110), f"{label} - {taken_at:%d/%m/%Y %H:%M}", fill=(0, 0, 0), font=font)
    exif = Image.Exif()
    exif[0x010F] = "Samsung"
    exif[0x0110] = "Galaxy A55"
    exif.get_ifd(0x8769)[0x9003] = taken_at.strftime("%Y:%m:%d %H:%M:%S")
    if gps:

        def dms(value: float):
            degrees = int(value)
            minutes = int((value - degrees) * 60)
            return (degrees, minutes, round(((value - degrees) * 60 - minutes) * 60, 2))

        exif.get_ifd(0x8825).update({1: "N", 2: dms(gps[0]), 3: "E", 4: dms(gps[1])})
    if size != image.size:
        image = image.resize(size)
    out = io.BytesIO()
    image.save(out, "JPEG", quality=80, exif=exif)
    return out.getvalue()


def seed_evidence(commune: Commune, users: dict, today: dt.date, days: int) -> None:
    staff, leader = users["staff"], users["leader"]
    first_day = today - dt.timedelta(days=days)
    _team(commune, first_day)
    _support_cases(commune, staff)
    _tasks(commune, staff, today, first_day)
    _late_dossiers(commune, staff, leader)
    _photos(commune, staff, today - dt.timedelta(days=1))
    db.session.flush()


def _team(commune: Commune, first_day: dt.date) -> None:
    commune.team_deadline = first_day + dt.timedelta(days=10)
    team = ResponseTeam(
        commune_id=commune.id,
        decision_number="125/QĐ-UBND",
        decision_date=commune.team_deadline + dt.timedelta(days=4),
        decision_signer="Chủ tịch UBND phường",
        duties="Hỗ trợ người dân, doanh nghiệp thực hiện thủ tục hành chính trên môi trường điện tử; "
        "xử lý nhanh các vướng mắc về công nghệ và chuyên môn tại Trung tâm.",
    )
    db.session.add(team)
    db.session.flush()
    for name, position, unit, field, leader in MEMBERS:
        db.session.add(
            TeamMember(
                team_id=team.id,
                name=name,
                position=position,
                unit=unit,
                phone="0905" + str(abs(hash(name)) % 1_000_000).zfill(6),
                field=field,
                is_leader=leader,
            )
        )


def _support_cases(commune: Commune, staff) -> None:
    """One logged case per counted case, so the figure and the log agree."""
    team = db.session.scalar(db.select(ResponseTeam).filter_by(commune_id=commune.id))
    members = list(db.session.scalars(db.select(TeamMember).filter_by(team_id=team.id)))
    rows = db.session.execute(
        db.select(DailyReport.date, DailyReport.response_team_cases).filter_by(commune_id=commune.id)
    ).all()
    for day, count in rows:
        rng = random.Random(day.toordinal())
        for n in range(count):
            db.session.add(
                SupportCase(
                    commune_id=commune.id,
                    date=day,
                    time=dt.time(8 + 2 * n, rng.randint(0, 59)),
                    procedure=rng.choice(PROCEDURES),
                    problem="Người dân chưa biết nộp hồ sơ trực tuyến, cần hỗ trợ tạo tài khoản.",
                    outcome="Đã hướng dẫn nộp thành công trên Cổng dịch vụ công.",
                    member_id=rng.choice(members).id,
                    recorded_by_id=staff.id,
                )
            )


def _tasks(commune: Commune, staff, today: dt.date, first_day: dt.date) -> None:
    for i, (code, title, percent) in enumerate(TASKS):
        start = first_day + dt.timedelta(days=i * 3)
        deadline = today + dt.timedelta(days=20 + i * 5) if percent < 100 else today - dt.timedelta(days=5)
        task = Task(
            commune_id=commune.id,
            code=code,
            title=title,
            goal="Hoàn thành theo Kế hoạch 02-KH/BCĐTW.",
            expected_output="Báo cáo kết quả, dữ liệu được cập nhật trên hệ thống.",
            start_date=start,
            deadline=deadline,
            responsible=MEMBERS[i % len(MEMBERS)][0],
            source_document="Kế hoạch 02-KH/BCĐTW",
        )
        db.session.add(task)
        db.session.flush()
        for step in range(1, 4):
            day = today - dt.timedelta(days=30 * (3 - step) + 1)
            if day >= start:
                db.session.add(
                    TaskProgress(
                        task_id=task.id,
                        date=day,
                        percent=percent * step // 3,
                        note="Cập nhật tiến độ định kỳ.",
                        by_id=staff.id,
                    )
                )


def _late_dossiers(commune: Commune, staff, leader) -> None:
    """Late dossiers matching every day's late figures; the older days' are explained."""
    reports = db.session.scalars(
        db.select(DailyReport)
        .filter_by(commune_id=commune.id)
        .filter((DailyReport.resolved_late > 0) | (DailyReport.pending_overdue > 0))
        .order_by(DailyReport.date)
    ).all()
    for index, report in enumerate(reports):
        rng = random.Random(report.date.toordinal())
        # The dossier log already listed the day's late dossiers one by one; otherwise, a group.
        dossiers = list(db.session.scalars(db.select(LateDossier).filter_by(report_id=report.id)))
        for kind in LateKind if not dossiers else ():
            count = getattr(report, kind.value)
            if not count:
                continue
            officer, unit = rng.choice(OFFICERS)
            dossier = LateDossier(
                report_id=report.id,
                kind=kind,
                count=count,
                procedure=rng.choice(PROCEDURES),
                officer=officer,
                unit=unit,
                cause="Hồ sơ cần xác minh thêm với cơ quan cấp trên; hệ thống một cửa điện tử gián đoạn.",
                apology_issued=kind == LateKind.RESOLVED_LATE,
                created_by_id=staff.id,
                new_appointment=report.date + dt.timedelta(days=3),
            )
            db.session.add(dossier)
            dossiers.append(dossier)
        db.session.flush()
        if index < len(reports) - 1:  # the latest late day is left for the leader to explain
            for dossier in dossiers:
                db.session.add(
                    Explanation(
                        report_id=report.id,
                        item_key=f"late:{dossier.id}",
                        item_label=f"{dossier.kind_label}: {dossier.procedure}",
                        cause="Phải xin ý kiến cơ quan chuyên môn cấp trên.",
                        remedy="Bố trí cán bộ theo dõi, trả kết quả theo lịch hẹn mới.",
                        new_date=report.date + dt.timedelta(days=3),
                        responsible=dossier.officer,
                        author_id=leader.id,
                    )
                )


def _photos(commune: Commune, staff, day: dt.date) -> None:
    """Yesterday's photos: all but one required category, one photo taken on another day."""
    report = db.session.scalar(db.select(DailyReport).filter_by(commune_id=commune.id, date=day))
    categories = db.session.scalars(
        db.select(PhotoCategory).filter_by(commune_id=commune.id).order_by(PhotoCategory.position)
    ).all()
    for i, category in enumerate(categories[:-1]):
        taken = dt.datetime.combine(day, dt.time(7 + i, 30))
        caption = f"{category.label} sáng {day:%d/%m}"
        if i == 2:
            taken -= dt.timedelta(days=3)  # from the gallery: not verifiable
            caption = f"{category.label} (ảnh cũ)"
        data = demo_photo(category.label, taken, seed=i, gps=(16.0678, 108.2208) if i != 1 else None)
        add_photo(report, data, f"IMG_{day:%Y%m%d}_{i:02d}.jpg", category, caption, staff)


def explain_behind_task(commune: Commune, leader, day: dt.date) -> None:
    """Explain task KH02-03 on ``day``'s report (KH02-07 stays unexplained)."""
    report = db.session.scalar(db.select(DailyReport).filter_by(commune_id=commune.id, date=day))
    task = db.session.scalar(db.select(Task).filter_by(commune_id=commune.id, code="KH02-03"))
    db.session.add(
        Explanation(
            report_id=report.id,
            item_key=f"task:{task.id}",
            item_label=f"{task.code} · {task.title}",
            cause="Thiếu máy quét khổ A3 cho hồ sơ đất đai.",
            remedy="Mượn máy quét của Trung tâm Phát triển quỹ đất; đề nghị bổ sung thiết bị.",
            new_date=day + dt.timedelta(days=30),
            responsible="Võ Văn Nam",
            author_id=leader.id,
        )
    )
