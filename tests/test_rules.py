"""Input parsing and consistency rules, with the Vietnamese messages a user reads (rules.py)."""

from __future__ import annotations

import pytest

from wardapp.core import rules
from wardapp.core.figures import FIGURE_NAMES, zero_figures
from wardapp.core.rules import RULES, check_figures, parse_count, validate

from .factories import figures, form_data

FIGURE_MAX = 100_000
NARRATIVE_MAX = 4000


@pytest.fixture
def vi(app):
    """A request as a user makes it: default locale, Vietnamese messages."""
    with app.test_request_context("/"):
        yield


def check(form: dict, **kwargs) -> rules.Validation:
    kwargs.setdefault("figure_max", FIGURE_MAX)
    kwargs.setdefault("narrative_max", NARRATIVE_MAX)
    return validate(form, **kwargs)


# -- parse_count ------------------------------------------------------------------------------

EMPTY = "Nhập một số (0 nếu không có)."
NOT_DIGITS = "Chỉ nhập chữ số (ví dụ: 12)."
NEGATIVE = "Không được là số âm."
NOT_WHOLE = "Chỉ nhập số nguyên, không có dấu phẩy hay dấu chấm."
TOO_LARGE = "Số quá lớn: tối đa 100.000 cho một ngày."


@pytest.mark.parametrize(
    "raw, message",
    [
        ("", EMPTY),
        ("   ", EMPTY),
        (None, EMPTY),
        ("abc", NOT_DIGITS),
        ("12a", NOT_DIGITS),
        ("+5", NOT_DIGITS),
        ("٣", NOT_DIGITS),  # ARABIC-INDIC DIGIT THREE: isdigit() but not what the form means
        ("１２", NOT_DIGITS),  # full-width digits
        ("-3", NEGATIVE),
        ("- 3", NEGATIVE),
        ("2.5", NOT_WHOLE),
        ("1,200", NOT_WHOLE),
        ("1.200.000", NOT_WHOLE),
        ("100001", TOO_LARGE),
        ("9" * 5000, TOO_LARGE),  # longer than int() accepts from a string
    ],
)
def test_it_refuses_what_is_not_a_count(vi, raw, message):
    assert parse_count(raw, FIGURE_MAX) == (None, message)


@pytest.mark.parametrize(
    "raw, value",
    [("0", 0), ("7", 7), (" 7 ", 7), ("\t12\n", 12), ("007", 7), ("100000", FIGURE_MAX), ("0" * 5000 + "7", 7)],
)
def test_it_accepts_whole_numbers_up_to_the_maximum(vi, raw, value):
    assert parse_count(raw, FIGURE_MAX) == (value, None)


def test_it_formats_the_maximum_the_vietnamese_way(vi):
    assert parse_count("2000000", 1_500_000) == (None, "Số quá lớn: tối đa 1.500.000 cho một ngày.")


def test_it_falls_back_to_the_vietnamese_source_text_outside_an_app():
    # No app at all (a script): gettext returns the message as written, which is Vietnamese.
    assert parse_count("abc", 10) == (None, NOT_DIGITS)


def test_it_speaks_vietnamese_without_a_request_too(app):
    # Seeding and CLI commands check figures inside an app context but outside any request.
    assert check_figures(figures(counters_open=0)) == {
        "counters_open": ["Có hồ sơ tiếp nhận trực tiếp thì phải có ít nhất một quầy hoạt động."]
    }


# -- consistency rules ------------------------------------------------------------------------

# For each rule: figures that break it (and nothing else), and the message the user reads.
# Base day: 30 received + 10 carried over = 40 to handle; 28 resolved; 12 pending.
BREAKS = {
    "pending_overdue": (
        dict(pending_within=12),
        "Chưa khớp: đã giải quyết (28) + đang giải quyết (13) = 41, nhưng tiếp nhận + tồn kỳ trước = 40.",
    ),
    "online_partial": (
        dict(online_partial=6),
        "Toàn trình (7) + một phần (6) phải bằng số hồ sơ tiếp nhận trực tuyến (12).",
    ),
    "paid_online": (
        dict(paid_online=11),
        "Số thanh toán trực tuyến không thể lớn hơn số hồ sơ có phí, lệ phí (10).",
    ),
    "fee_bearing": (
        dict(fee_bearing=41),
        "Không thể lớn hơn số hồ sơ phải giải quyết trong ngày (40).",
    ),
    "digitized": (
        dict(digitized=41),
        "Không thể lớn hơn số hồ sơ phải giải quyết trong ngày (40).",
    ),
    "e_results": (
        dict(e_results=29),
        "Không thể lớn hơn số hồ sơ đã giải quyết (28).",
    ),
    "apology_letters": (
        dict(apology_letters=4),
        "Thư xin lỗi chỉ dành cho hồ sơ quá hạn: tối đa 3.",
    ),
    "feedback_late": (
        dict(feedback_late=2),
        "Đúng hạn (1) + quá hạn (2) không thể vượt số PAKN tiếp nhận (2).",
    ),
    "feedback_unsatisfied": (
        dict(feedback_unsatisfied=3),
        "Chỉ PAKN đã xử lý mới có thể bị đánh giá không hài lòng: tối đa 2.",
    ),
    "avg_wait_minutes": (
        dict(avg_wait_minutes=481),
        "Thời gian chờ trung bình không thể quá một ngày làm việc (480 phút).",
    ),
    "counters_open": (
        dict(counters_open=0),
        "Có hồ sơ tiếp nhận trực tiếp thì phải có ít nhất một quầy hoạt động.",
    ),
    "staff_on_duty": (
        dict(staff_on_duty=0),
        "Có hồ sơ tiếp nhận trực tiếp thì phải có ít nhất một cán bộ trực.",
    ),
}


def test_it_has_a_breaking_example_for_every_rule():
    assert set(BREAKS) == {rule.field for rule in RULES}
    assert len(RULES) == len(BREAKS)  # one rule per field, so a field's message is unambiguous


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.field)
def test_it_holds_each_rule_on_an_ordinary_day(rule):
    assert rule.holds(figures())


def test_it_finds_nothing_wrong_with_an_ordinary_day():
    assert check_figures(figures()) == {}


def test_it_finds_nothing_wrong_with_a_day_without_dossiers():
    assert check_figures(zero_figures()) == {}


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.field)
def test_it_shows_the_broken_rules_message_next_to_its_field(vi, rule):
    overrides, message = BREAKS[rule.field]
    assert not rule.holds(figures(**overrides))
    assert check_figures(figures(**overrides)) == {rule.field: [message]}


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.field)
def test_it_skips_a_rule_when_a_field_it_reads_did_not_parse(vi, rule):
    overrides, _ = BREAKS[rule.field]
    for name in rule.reads:
        broken = figures(**overrides) | {name: None}
        assert rule.field not in rules.consistency_problems(broken), name


@pytest.mark.parametrize(
    "overrides",
    [
        dict(paid_online=10),  # all fee-bearing dossiers paid online
        dict(fee_bearing=40, paid_online=4),  # every dossier to handle bears a fee
        dict(digitized=40),
        dict(e_results=28),
        dict(apology_letters=3),
        dict(feedback_on_time=2, feedback_late=0),
        dict(feedback_unsatisfied=2),
        dict(avg_wait_minutes=480),
    ],
    ids=lambda o: ",".join(f"{k}={v}" for k, v in o.items()),
)
def test_it_accepts_figures_right_at_a_limit(overrides):
    assert check_figures(figures(**overrides)) == {}


def test_it_lets_a_center_with_no_counter_visitors_close_its_counters():
    day = figures(received_in_person=0, received_online=28, online_partial=21, counters_open=0, staff_on_duty=0)
    assert check_figures(day) == {}


def test_it_reports_every_broken_rule_at_once(vi):
    problems = check_figures(figures(pending_within=12, counters_open=0, avg_wait_minutes=500))
    assert set(problems) == {"pending_overdue", "counters_open", "avg_wait_minutes"}


def test_it_puts_huge_numbers_in_messages_with_thousands_separators(vi):
    huge = 10**12
    day = zero_figures() | {"received_online": huge, "online_full_process": huge, "pending_within": huge + 1}
    assert check_figures(day) == {
        "pending_overdue": [
            "Chưa khớp: đã giải quyết (0) + đang giải quyết (1.000.000.000.001) = "
            "1.000.000.000.001, nhưng tiếp nhận + tồn kỳ trước = 1.000.000.000.000."
        ]
    }


def test_it_allows_an_apology_for_every_late_dossier_on_an_all_late_day(vi):
    all_late = dict(resolved_early=0, resolved_on_time=0, resolved_late=28)
    # 28 resolved late + 1 pending overdue: up to 29 letters.
    assert check_figures(figures(**all_late, apology_letters=29)) == {}
    assert check_figures(figures(**all_late, apology_letters=30)) == {
        "apology_letters": ["Thư xin lỗi chỉ dành cho hồ sơ quá hạn: tối đa 29."]
    }


# -- validate ---------------------------------------------------------------------------------


def test_it_validates_an_ordinary_form(vi):
    result = check(form_data())
    assert result.figures == figures()
    assert result.storable and result.consistent
    assert result.problem_count == 0
    assert result.complete_figures() == figures()


def test_it_keeps_what_was_typed_when_a_count_is_wrong(vi):
    result = check(form_data(received_online="12,5"))
    assert result.raw["received_online"] == "12,5"
    assert result.figures["received_online"] is None
    assert result.messages_for("received_online") == [NOT_WHOLE]
    assert not result.storable


def test_it_asks_for_a_count_the_form_left_out(vi):
    form = form_data()
    del form["outages_network"]
    result = check(form)
    assert result.input_errors == {"outages_network": EMPTY}


def test_it_uses_the_configured_maximum(vi):
    result = check(form_data(received_postal="51"), figure_max=50)
    assert result.input_errors == {"received_postal": "Số quá lớn: tối đa 50 cho một ngày."}
    assert result.figures["received_postal"] is None


def test_it_skips_rules_over_a_field_that_did_not_parse(vi):
    # pending_within is unreadable: the balance rule cannot be judged, so only the input error shows.
    result = check(form_data(pending_within="abc", pending_overdue=5))
    assert result.input_errors == {"pending_within": NOT_DIGITS}
    assert result.consistency_errors == {}
    assert result.problem_count == 1


def test_it_stores_an_inconsistent_draft_but_does_not_call_it_consistent(vi):
    result = check(form_data(e_results=29, paid_online=11))
    assert result.storable
    assert not result.consistent
    assert result.problem_count == 2
    assert result.messages_for("e_results") == ["Không thể lớn hơn số hồ sơ đã giải quyết (28)."]


def test_it_counts_every_problem_once(vi):
    result = check(form_data(received_postal="x", digitized=41, counters_open=0, highlights="a" * (NARRATIVE_MAX + 1)))
    # received_postal unreadable (balance, fee and digitized rules skipped), counters rule broken,
    # narrative too long.
    assert set(result.input_errors) == {"received_postal", "highlights"}
    assert set(result.consistency_errors) == {"counters_open"}
    assert result.problem_count == 3


def test_it_puts_input_and_consistency_messages_for_a_field_together(vi):
    result = rules.Validation(
        raw={},
        figures={},
        narrative={},
        input_errors={"digitized": "a"},
        consistency_errors={"digitized": ["b", "c"]},
    )
    assert result.messages_for("digitized") == ["a", "b", "c"]
    assert result.messages_for("e_results") == []
    assert result.problem_count == 3


def test_it_keeps_a_narrative_that_is_too_long_and_says_so(vi):
    text = "Nội dung " + "x" * NARRATIVE_MAX  # 4,009 characters
    result = check(form_data(difficulties=text))
    assert result.narrative["difficulties"] == text
    assert result.messages_for("difficulties") == [
        "Quá dài: 4.009 ký tự, tối đa 4.000. Hãy rút gọn; nội dung của bạn vẫn còn nguyên."
    ]
    assert not result.storable


def test_it_accepts_a_narrative_of_exactly_the_maximum_length(vi):
    result = check(form_data(proposals="đ" * NARRATIVE_MAX))
    assert result.input_errors == {}
    assert result.narrative["proposals"] == "đ" * NARRATIVE_MAX


def test_it_counts_a_windows_line_break_as_one_character(vi):
    result = check(form_data(highlights="  ab\r\ncd  "), narrative_max=5)
    assert result.narrative["highlights"] == "ab\ncd"
    assert result.input_errors == {}


def test_it_takes_carried_over_dossiers_from_yesterday_not_from_the_form(vi):
    result = check(form_data(carried_over=999), fixed={"carried_over": 10})
    assert result.figures["carried_over"] == 10
    assert result.raw["carried_over"] == "10"
    assert result.consistent


def test_it_ignores_a_garbled_carried_over_field_when_yesterday_is_known(vi):
    form = form_data() | {"carried_over": "abc"}
    result = check(form, fixed={"carried_over": 10})
    assert result.storable and result.consistent


def test_it_checks_todays_figures_against_yesterdays_carried_over(vi):
    # Yesterday left 11 pending, the form balances against 10: the balance rule shows it.
    result = check(form_data(), fixed={"carried_over": 11})
    assert result.consistency_errors == {
        "pending_overdue": [
            "Chưa khớp: đã giải quyết (28) + đang giải quyết (12) = 40, nhưng tiếp nhận + tồn kỳ trước = 41."
        ]
    }


def test_it_reads_every_figure_of_the_form(vi):
    result = check(form_data())
    assert set(result.figures) == set(FIGURE_NAMES)
    assert set(result.raw) == set(FIGURE_NAMES)
