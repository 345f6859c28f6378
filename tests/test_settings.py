"""core.settings: the 参数 sheet parsed once, dated by 生效月份 (DOMAIN §8 dated settings, E-6 公示天数)."""
from decimal import Decimal as D

from kefu_xl.core import settings
from kefu_xl.core.model import Month, Setting, Source
from kefu_xl.rules import presets

NOV = Month(2026, 11)


def S(key, value, since=None, row=5):
    return Setting(key, value, since, Source("参数", row, "值"))


def test_defaults_without_rows():
    s = settings.read(()).at(NOV)
    assert (s.ties, s.publish_days, s.dispute_days, s.scheme) == ("并列", 3, 1, "")
    assert s.min_wage == D(2490) and s.hf_rate == D("0.05") and s.problems == ()
    assert s.source("并列规则") is None


def test_E6_publish_days_dated_and_parsed_once_per_month():
    sheet = settings.read([S("公示天数", 3, None, 3), S("公示天数", "５", Month(2026, 7), 4)])
    assert sheet.at(Month(2026, 6)).publish_days == 3
    assert sheet.at(Month(2026, 7)).publish_days == 5
    assert sheet.at(NOV) is sheet.at(NOV)  # one record per month
    assert sheet.at(NOV).source("公示天数").row == 4


def test_bad_values_are_problems_at_their_cell_and_the_default_is_used():
    s = settings.read([S("并列规则", "随机", row=6), S("公示天数", "2.5", row=7), S("公示天数 ", "x", Month(2027, 1), 8)]
                      ).at(NOV)
    assert (s.ties, s.publish_days) == ("并列", 3)
    by_row = {p.row: p for p in s.problems}
    assert set(by_row) == {6, 7}  # the 2027 row is not in force in November
    assert by_row[6].code == "E_SETTING_VALUE" and by_row[6].column == "值" and "并列、工号" in by_row[6].message
    assert by_row[7].code == "E_SETTING_VALUE" and "整数" in by_row[7].message


def test_E6_zero_publish_days_is_out_of_range_and_three_are_used():
    s = settings.read([S("公示天数", 0, row=9)]).at(NOV)
    assert s.publish_days == 3 and [p.code for p in s.problems] == ["E_SETTING_RANGE"]


def test_doubled_key_in_the_same_month_warns_and_the_lower_row_wins():
    s = settings.read([S("并列规则", "并列", row=3), S("并列规则", "工号", row=4)]).at(NOV)
    assert s.ties == "工号" and [(p.code, p.row) for p in s.problems] == [("W_SETTING_DUPLICATE", 4)]


def test_blank_value_is_ignored_and_aliases_and_spacing_match():
    s = settings.read([S("考核方案", "tmall-30", row=2), S("公示天数", "4", row=3), S("公示天数", " ", Month(2026, 1), 4),
                       S("最低工资标准", "2,690元", row=5)]).at(NOV)
    assert (s.scheme, s.publish_days, s.min_wage) == ("tmall-30", 4, D("2690.00"))


def test_month_is_the_first_filled_month_key():
    sheet = settings.read([S("本月", "2026年10月", row=2), S("月份", "", row=3)])
    assert sheet.month == Month(2026, 10) and sheet.month_problems == ()
    bad = settings.read([S("月份", "2026-13", row=2)])
    assert bad.month is None and [p.code for p in bad.month_problems] == ["E_BAD_MONTH"]


def test_every_default_parses_and_new_workbooks_list_every_listed_spec():
    keys = [r["key"] for r in presets.setting_rows()]
    assert keys[:2] == ["月份", "方案"]
    assert keys[2:] == [s.key for s in settings.SPECS if s.listed]
    rows = [S(r["key"], r["value"], None, i) for i, r in enumerate(presets.setting_rows(), 2)]
    assert settings.read(rows).at(NOV).problems == ()


def test_each_stage_reports_the_problems_of_its_own_settings():
    s = settings.read([S("并列规则", "随机", row=6), S("最低工资", "两千", row=7), S("公共提成比例", "0.5%", row=8)]).at(NOV)
    assert [p.row for p in s.problems_of(settings.ENGINE)] == [6]
    # rows are scanned first (a dropped key is said then), values parsed after
    assert [(p.row, p.code) for p in s.problems_of(settings.PAYROLL)] == [(8, "W_SETTING_UNUSED"), (7, "E_SETTING_VALUE")]
