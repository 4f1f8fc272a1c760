"""Every rule a careful reviewer applies to the day's figures, each with its message.

Two kinds of problem:
- *input* problems (not a whole number, negative, too large, narrative too long): nothing can be
  stored, the form comes back with what was typed;
- *consistency* problems (parts that do not add up): the draft can be saved so nothing typed is
  lost, but the day is not complete, and cannot be signed, until they are fixed.

Each message is shown next to the field named by the rule, while the user types.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from wardapp.core import rates
from wardapp.core.figures import FIGURE_NAMES, NARRATIVE, NARRATIVE_NAMES
from wardapp.core.i18n import fmt_number
from wardapp.core.i18n import gettext as _
from wardapp.core.text import problem as hidden_characters

Figures = Mapping[str, int]
MAX_WAIT_MINUTES = 480  # one working day


def parse_count(raw: str | None, maximum: int) -> tuple[int | None, str | None]:
    """A typed count → (value, None) or (None, message)."""
    text = (raw or "").strip()
    if text == "":
        return None, _("Nhập một số (0 nếu không có).")
    if text.startswith("-") and text[1:].strip().isdigit():
        return None, _("Không được là số âm.")
    if not text.isdigit() or not text.isascii():
        if any(sep in text for sep in ".,") and text.replace(".", "").replace(",", "").isdigit():
            return None, _("Chỉ nhập số nguyên, không có dấu phẩy hay dấu chấm.")
        return None, _("Chỉ nhập chữ số (ví dụ: 12).")
    digits = text.lstrip("0") or "0"
    # Compare lengths first: int() refuses strings of more than 4,300 digits (ValueError).
    value = int(digits) if len(digits) <= len(str(maximum)) else maximum + 1
    if value > maximum:
        return None, _("Số quá lớn: tối đa %(max)s cho một ngày.", max=fmt_number(maximum))
    return value, None


@dataclass(frozen=True)
class Rule:
    """``holds(f)`` is checked only when every field in ``reads`` parsed."""

    field: str
    reads: tuple[str, ...]
    holds: Callable[[Figures], bool]
    message: Callable[[Figures], str]


def _n(value: int) -> str:
    return fmt_number(value)


TO_HANDLE = ("received_in_person", "received_online", "received_postal", "carried_over")


def _at_most_to_handle(name: str) -> Rule:
    """A count among the day's dossiers: never more than those to handle (received + carried over)."""
    return Rule(
        name,
        (name, *TO_HANDLE),
        lambda f: f[name] <= rates.to_handle(f),
        lambda f: _("Không thể lớn hơn số hồ sơ phải giải quyết trong ngày (%(n)s).", n=_n(rates.to_handle(f))),
    )


RULES: tuple[Rule, ...] = (
    Rule(
        "pending_overdue",
        (
            *TO_HANDLE,
            "resolved_early",
            "resolved_on_time",
            "resolved_late",
            "pending_within",
            "pending_overdue",
        ),
        lambda f: rates.resolved_total(f) + rates.pending_total(f) == rates.to_handle(f),
        lambda f: _(
            "Chưa khớp: đã giải quyết (%(resolved)s) + đang giải quyết (%(pending)s) = "
            "%(sum)s, nhưng tiếp nhận + tồn kỳ trước = %(to_handle)s.",
            resolved=_n(rates.resolved_total(f)),
            pending=_n(rates.pending_total(f)),
            sum=_n(rates.resolved_total(f) + rates.pending_total(f)),
            to_handle=_n(rates.to_handle(f)),
        ),
    ),
    Rule(
        "online_partial",
        ("online_full_process", "online_partial", "received_online"),
        lambda f: f["online_full_process"] + f["online_partial"] == f["received_online"],
        lambda f: _(
            "Toàn trình (%(full)s) + một phần (%(partial)s) phải bằng số hồ sơ tiếp nhận trực tuyến (%(online)s).",
            full=_n(f["online_full_process"]),
            partial=_n(f["online_partial"]),
            online=_n(f["received_online"]),
        ),
    ),
    Rule(
        "paid_online",
        ("paid_online", "fee_bearing"),
        lambda f: f["paid_online"] <= f["fee_bearing"],
        lambda f: _(
            "Số thanh toán trực tuyến không thể lớn hơn số hồ sơ có phí, lệ phí (%(fee)s).",
            fee=_n(f["fee_bearing"]),
        ),
    ),
    _at_most_to_handle("fee_bearing"),
    _at_most_to_handle("digitized"),
    Rule(
        "e_results",
        ("e_results", "resolved_early", "resolved_on_time", "resolved_late"),
        lambda f: f["e_results"] <= rates.resolved_total(f),
        lambda f: _("Không thể lớn hơn số hồ sơ đã giải quyết (%(n)s).", n=_n(rates.resolved_total(f))),
    ),
    Rule(
        "apology_letters",
        ("apology_letters", "resolved_late", "pending_overdue"),
        lambda f: f["apology_letters"] <= f["resolved_late"] + f["pending_overdue"],
        lambda f: _(
            "Thư xin lỗi chỉ dành cho hồ sơ quá hạn: tối đa %(n)s.",
            n=_n(f["resolved_late"] + f["pending_overdue"]),
        ),
    ),
    Rule(
        "feedback_late",
        ("feedback_on_time", "feedback_late", "feedback_received"),
        lambda f: f["feedback_on_time"] + f["feedback_late"] <= f["feedback_received"],
        lambda f: _(
            "Đúng hạn (%(on_time)s) + quá hạn (%(late)s) không thể vượt số PAKN tiếp nhận (%(received)s).",
            on_time=_n(f["feedback_on_time"]),
            late=_n(f["feedback_late"]),
            received=_n(f["feedback_received"]),
        ),
    ),
    Rule(
        "feedback_unsatisfied",
        ("feedback_unsatisfied", "feedback_on_time", "feedback_late"),
        lambda f: f["feedback_unsatisfied"] <= f["feedback_on_time"] + f["feedback_late"],
        lambda f: _(
            "Chỉ PAKN đã xử lý mới có thể bị đánh giá không hài lòng: tối đa %(n)s.",
            n=_n(f["feedback_on_time"] + f["feedback_late"]),
        ),
    ),
    Rule(
        "avg_wait_minutes",
        ("avg_wait_minutes",),
        lambda f: f["avg_wait_minutes"] <= MAX_WAIT_MINUTES,
        lambda f: _(
            "Thời gian chờ trung bình không thể quá một ngày làm việc (%(n)s phút).",
            n=MAX_WAIT_MINUTES,
        ),
    ),
    Rule(
        "counters_open",
        ("counters_open", "received_in_person"),
        lambda f: f["received_in_person"] == 0 or f["counters_open"] > 0,
        lambda f: _("Có hồ sơ tiếp nhận trực tiếp thì phải có ít nhất một quầy hoạt động."),
    ),
    Rule(
        "staff_on_duty",
        ("staff_on_duty", "received_in_person"),
        lambda f: f["received_in_person"] == 0 or f["staff_on_duty"] > 0,
        lambda f: _("Có hồ sơ tiếp nhận trực tiếp thì phải có ít nhất một cán bộ trực."),
    ),
)


@dataclass
class Validation:
    """What was typed, what it means, and what is wrong with it, field by field."""

    raw: dict[str, str]
    figures: dict[str, int | None]
    narrative: dict[str, str]
    input_errors: dict[str, str] = field(default_factory=dict)
    consistency_errors: dict[str, list[str]] = field(default_factory=dict)

    @property
    def storable(self) -> bool:
        return not self.input_errors

    @property
    def consistent(self) -> bool:
        return not self.input_errors and not self.consistency_errors

    def messages_for(self, name: str) -> list[str]:
        found = [self.input_errors[name]] if name in self.input_errors else []
        return found + self.consistency_errors.get(name, [])

    @property
    def problem_count(self) -> int:
        return len(self.input_errors) + sum(len(m) for m in self.consistency_errors.values())

    def figures_if_complete(self) -> dict[str, int] | None:
        """Every figure parsed, or None while one is missing or unreadable (no rate can be shown)."""
        if any(v is None for v in self.figures.values()):
            return None
        return {k: v for k, v in self.figures.items() if v is not None}

    def complete_figures(self) -> dict[str, int]:
        """The figures with every value parsed (only call when ``storable``)."""
        assert self.storable
        return {k: v for k, v in self.figures.items() if v is not None}


def consistency_problems(figures: Mapping[str, int | None]) -> dict[str, list[str]]:
    problems: dict[str, list[str]] = {}
    for rule in RULES:
        if any(figures.get(name) is None for name in rule.reads):
            continue  # an input problem is already shown for that field
        if not rule.holds(figures):  # type: ignore[arg-type]
            problems.setdefault(rule.field, []).append(rule.message(figures))  # type: ignore[arg-type]
    return problems


def validate(
    form: Mapping[str, str], *, figure_max: int, narrative_max: int, fixed: Mapping[str, int] = {}
) -> Validation:
    """Check a submitted form. ``fixed`` figures (carried over from yesterday) win over the form."""
    raw = {name: str(form.get(name, "")) for name in FIGURE_NAMES}
    figures: dict[str, int | None] = {}
    input_errors: dict[str, str] = {}
    for name in FIGURE_NAMES:
        if name in fixed:
            figures[name] = fixed[name]
            raw[name] = str(fixed[name])
            continue
        value, error = parse_count(raw[name], figure_max)
        figures[name] = value
        if error:
            input_errors[name] = error
    narrative = {name: str(form.get(name, "")).replace("\r\n", "\n").strip() for name in NARRATIVE_NAMES}
    for text_field in NARRATIVE:
        length = len(narrative[text_field.name])
        if length > narrative_max:
            input_errors[text_field.name] = _(
                "Quá dài: %(length)s ký tự, tối đa %(max)s. Hãy rút gọn; nội dung của bạn vẫn còn nguyên.",
                length=fmt_number(length),
                max=fmt_number(narrative_max),
            )
        elif hidden := hidden_characters(narrative[text_field.name]):
            input_errors[text_field.name] = hidden
    return Validation(raw, figures, narrative, input_errors, consistency_problems(figures))


def check_figures(figures: Mapping[str, int]) -> dict[str, list[str]]:
    """The consistency problems of stored figures (for the dashboard and, later, signing)."""
    return consistency_problems(figures)
