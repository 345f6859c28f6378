"""Working days (DOMAIN §8, E-6, B-5): the State Council's holidays and make-up days from the library,
the 节假日 sheet over it, weekdays plus the sheet and a warning for a year nobody covers."""
import datetime as dt

from kefu_xl.close import plan as closing
from kefu_xl.core.calendar import PAID_OFF, SWAPPED, WORK, Calendar, CalendarDay, default_calendar
from kefu_xl.core.grid import Grid
from kefu_xl.read.tables import grid_from_text
from tests.util import grids

D = dt.date
HEAD = "日期 工号 规则 状态 公示日期"


def test_S8_october_2026_has_18_working_days_and_21_paid_days():
    # 国庆 2026: 1–7 October off (1, 2, 3 statutory; 5 for the 3rd, a Saturday; 6, 7 in lieu of the
    # make-up days Sunday 20 September and Saturday 10 October).  22 weekdays − 5 off + Saturday the 10th.
    cal = default_calendar()
    assert cal.working_days(D(2026, 10, 1), D(2026, 10, 31)) == 18
    assert cal.paid_days(D(2026, 10, 1), D(2026, 10, 31)) == 21  # + 1, 2 and 5 October
    assert cal.is_workday(D(2026, 10, 10)) and not cal.is_workday(D(2026, 10, 6))
    assert cal.kind(D(2026, 10, 6)) == SWAPPED and cal.kind(D(2026, 10, 1)) == PAID_OFF
    assert cal.missing_years([2026]) == ()


def test_S8_sheet_rows_override_the_library():
    rows = (CalendarDay(D(2026, 11, 13), PAID_OFF, "公司年会"), CalendarDay(D(2026, 10, 10), PAID_OFF, "不补班"))
    cal = default_calendar(rows)
    assert cal.working_days(D(2026, 11, 1), D(2026, 11, 30)) == 20  # 21 weekdays, the 13th off
    assert cal.paid_days(D(2026, 11, 1), D(2026, 11, 30)) == 21  # a company day off is paid
    assert not cal.is_workday(D(2026, 10, 10))
    assert Calendar().working_days(D(2026, 10, 1), D(2026, 10, 31)) == 22  # weekdays only


def _close(events, month, written=None, as_of=None, holidays=None):
    g = grids("tmall-30", HEAD + "\n" + events, month=month)
    if holidays is not None:
        g["节假日"] = grid_from_text("节假日", holidays)
    for name in ("历史", "工资历史", "封存", "封存链", "结转", "操作记录"):
        if written and name in written:
            g[name] = written[name]
    plan = closing.plan_close(closing.load(g), as_of=as_of)
    out = {s.name: Grid.of(s.name, [list(s.header)] + [list(r) for r in s.rows]) for s in plan.sheets}
    return plan, out


def _pts(plan, sid, rule):
    staff = {p["id"]: p for p in plan.as_json()["staff"]}[sid]
    return [ln["points"] for ln in staff["lines"] if ln["rule"] == rule]


def test_E6_reward_published_friday_before_national_day_2025_counts_once_in_october():
    # Friday 26 September 2025: 3 working days are Sunday the 28th (make-up), the 29th and the 30th;
    # September's close on the 30th does not count it; October's does, once.
    ev = "2025-09-26 K01 好评表扬 公示中 2025-09-26"
    sep, w = _close(ev, "2025-09")
    assert _pts(sep, "K01", "好评表扬") == []
    octo, w = _close(ev, "2025-10", w)
    assert _pts(octo, "K01", "好评表扬") == [3]
    nov, _ = _close(ev, "2025-11", w)
    assert _pts(nov, "K01", "好评表扬") == []


def test_E6_publication_window_skips_the_national_day_week():
    # Published Tuesday 30 September 2025: 1–8 October are off, so the 3 working days are the 9th,
    # the 10th and Saturday the 11th (make-up): not passed on the 10th (weekdays only would say
    # 3 October), passed on the 12th.
    ev = "2025-09-30 K01 好评表扬 公示中 2025-09-30"
    _, w = _close(ev, "2025-09")
    early, _ = _close(ev, "2025-10", w, as_of=D(2025, 10, 10))
    assert _pts(early, "K01", "好评表扬") == []
    late, _ = _close(ev, "2025-10", w, as_of=D(2025, 10, 12))
    assert _pts(late, "K01", "好评表扬") == [3]


def test_E6_make_up_saturday_inside_a_publication_window_counts_as_a_working_day():
    # Published Thursday 9 October 2025: the 10th, Saturday the 11th (make-up) and Monday the 13th;
    # on the 14th the window has passed (weekdays only: the 10th, 13th and 14th, not yet passed).
    ev = "2025-10-09 K02 好建议 公示中 2025-10-09"
    got, _ = _close(ev, "2025-10", as_of=D(2025, 10, 14))
    assert _pts(got, "K02", "好建议") == [3]
    on_13th, _ = _close(ev, "2025-10", as_of=D(2025, 10, 13))
    assert _pts(on_13th, "K02", "好建议") == []


def test_E6_company_day_off_in_the_sheet_lengthens_the_window():
    ev = "2026-11-10 K02 好建议 公示中 2026-11-10"  # 11, 12, 13 November → passed on the 14th
    plain, _ = _close(ev, "2026-11", as_of=D(2026, 11, 14))
    assert _pts(plain, "K02", "好建议") == [3]
    off, _ = _close(ev, "2026-11", as_of=D(2026, 11, 14), holidays="日期 类型 说明\n2026-11-12 休 公司团建")
    assert _pts(off, "K02", "好建议") == []  # 11, 13, 16 November


def test_S8_year_nobody_covers_counts_weekdays_plus_the_sheet_and_warns_naming_the_year():
    # Friday 5 February 2027; Monday the 8th is a day off in the sheet: the 9th, 10th and 11th
    ev = "2027-02-05 K02 好建议 公示中 2027-02-05"
    sheet = "日期 类型 说明\n2027-02-08 休 春节（公司安排）"
    plan, _ = _close(ev, "2027-02", as_of=D(2027, 2, 11), holidays=sheet)
    assert plan.exit_code == 0, plan.errors
    assert _pts(plan, "K02", "好建议") == []
    warn = [p for p in plan.as_json()["problems"] if p["code"] == "W_CALENDAR_YEAR"]
    assert len(warn) == 1 and "2027" in warn[0]["message"] and warn[0]["sheet"] == "节假日"
    later, _ = _close(ev, "2027-02", as_of=D(2027, 2, 12), holidays=sheet)
    assert _pts(later, "K02", "好建议") == [3]


def test_S8_bad_day_kind_in_the_sheet_is_an_error_at_its_cell():
    plan, _ = _close("", "2026-11", holidays="日期 类型 说明\n2026-11-12 半天 团建")
    errs = [p for p in plan.as_json()["problems"] if p["code"] == "E_BAD_DAY_KIND"]
    assert plan.exit_code == 1 and (errs[0]["sheet"], errs[0]["row"], errs[0]["column"]) == ("节假日", 2, "类型")
