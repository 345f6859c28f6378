"""Issue 21 item 2 / issue 22 item 2: sealed pay never changes silently.

Every edit of what a close wrote, every deletion of seals or history, a broken
or missing chain is an error that blocks the next close; every field of an
input row a sealed month used, changed alone, is reported (a counted event as
an error, staff/rule/tier/setting fields as warnings naming the month).
"""
import datetime as dt
import json
import zipfile

import pytest

from kefu_xl.close import plan as closing
from kefu_xl.close import seal
from kefu_xl.core import schema
from kefu_xl.core.grid import Grid
from kefu_xl.core.model import fmt_money
from kefu_xl.payroll import figures
from kefu_xl.xlsx import files
from kefu_xl.xlsx import workbook as xlsxio
from kefu_xl.read.tables import grid_from_text
from tests.util import grids

D = dt.datetime
STAFF = [["工号", "姓名", "组别", "等级", "岗位", "入职日期", "状态", "离职日期", "社保基数", "专项附加扣除", "工资条密码",
          "身份证后六位"],
         ["K01", "张三", "A组", "初级", "售前", D(2024, 1, 5), "在职", None, 6000, 1000, "pw-k01-x", "123456"],
         ["K02", "李四", "A组", "初级", "售前", D(2024, 3, 1), "在职", None, 7000, 0, "pw-k02-x", "234567"],
         ["K03", "王五", "B组", "中级", "售后", D(2023, 5, 1), "在职", None, 8000, 2000, "pw-k03-x", "345678"]]
EVENTS = [["日期", "工号", "规则", "数量", "分值", "金额", "评价", "状态", "备注", "审核人", "审核日期", "公示日期", "发放人"],
          [D(2026, 10, 3), "K01", "态度投诉", 2, None, None, None, "已批准", "漏回复", "主管甲", D(2026, 10, 4), None, None],
          [D(2026, 10, 5), "K02", "好评表扬", 1, None, None, None, None, "客户点名", None, None, None, None],
          [D(2026, 10, 8), "K03", "好建议", 1, None, None, None, "待审", "流程建议", None, None, None, None]]
OCT = closing.Month(2026, 10)


def _write_back(g, plan):
    for s in plan.sheets:
        rows = ([[s.title]] if s.title else []) + [list(s.header)] + [list(r) for r in s.rows]
        g[s.name] = Grid.of(s.name, rows)
    return g


def _book(month="2026-10"):
    g = grids("tmall-30", "", month=month)
    g["员工"] = Grid.of("员工", STAFF)
    g["事件"] = Grid.of("事件", EVENTS)
    return g


@pytest.fixture()
def closed():
    g = _book()
    plan = closing.plan_close(closing.load(g))
    assert plan.exit_code == 0, plan.errors
    return _write_back(g, plan), dict(plan.properties)


def _check(g, props, month="2026-11"):
    nxt = dict(g)
    nxt["参数"] = grids("tmall-30", "", month=month)["参数"] if "参数" not in g else g["参数"]
    return closing.plan_close(closing.load(nxt, props), closing.Month(2026, 11))


def _problems(g, props):
    loaded = closing.load(g, props)
    _, _, problems = closing.compute(loaded, closing.Month(2026, 11))
    return problems


def _edit(g, sheet, fn):
    rows = [list(r) for r in g[sheet].rows]
    fn(rows)
    out = dict(g)
    out[sheet] = Grid.of(sheet, rows)
    return out


def _col(g, sheet, header):
    for row in g[sheet].rows:
        if header in row:
            return list(row).index(header)
    raise KeyError(header)


def test_untouched_sealed_month_checks_clean_and_the_next_month_closes(closed):
    g, props = closed
    assert [p.code for p in _problems(g, props) if "SEAL" in p.code] == []
    plan = _check(g, props)
    assert plan.exit_code == 0, plan.errors
    assert len(plan.properties[seal.HEAD_PROPERTY]) == 64  # full-length SHA-256


def test_reordering_rows_is_silent(closed):
    g, props = closed
    g = _edit(g, "事件", lambda rows: rows[1:].reverse() or rows.__setitem__(slice(1, None), rows[1:][::-1]))
    g = _edit(g, "历史", lambda rows: rows.__setitem__(slice(1, None), rows[1:][::-1]))
    assert [p for p in _problems(g, props) if "SEAL" in p.code] == []


TAMPERS = {
    # sheet, what to do with the rows (header row 0), expected error code
    "历史 score": ("历史", lambda g, rows: rows[1].__setitem__(_col(g, "历史", "得分"), 99), "E_SEALED_WRITTEN"),
    "历史 rows deleted": ("历史", lambda g, rows: rows.__delitem__(slice(1, None)), "E_SEALED_WRITTEN"),
    "工资历史 tax": ("工资历史", lambda g, rows: rows[1].__setitem__(_col(g, "工资历史", "个税"), 123.45), "E_SEALED_WRITTEN"),
    "结果 score": ("结果", lambda g, rows: rows[1].__setitem__(_col(g, "结果", "得分"), 99), "E_SEALED_WRITTEN"),
    "工资表 net": ("工资表", lambda g, rows: rows[2].__setitem__(_col(g, "工资表", "实发合计"), 1), "E_SEALED_WRITTEN"),
    "操作记录 edited": ("操作记录", lambda g, rows: rows[1].__setitem__(1, "别人"), "E_SEALED_WRITTEN"),
    "操作记录 deleted": ("操作记录", lambda g, rows: rows.__delitem__(1), "E_SEALED_WRITTEN"),
    "封存 rows deleted": ("封存", lambda g, rows: rows.__delitem__(slice(1, None)), "E_SEAL_CHAIN"),
    "封存 digest edited": ("封存", lambda g, rows: rows[1].__setitem__(4, seal.DIGEST + "0" * 64), "E_SEAL_CHAIN"),
    "封存链 row deleted": ("封存链", lambda g, rows: rows.__delitem__(1), "E_SEAL_CHAIN"),
    "counted event edited": ("事件", lambda g, rows: rows[1].__setitem__(_col(g, "事件", "数量"), 1), "E_SEALED_EDIT"),
    "counted event deleted": ("事件", lambda g, rows: rows.__delitem__(1), "E_SEALED_EDIT"),
    "counted event to pending": ("事件", lambda g, rows: rows[1].__setitem__(_col(g, "事件", "状态"), "待审"),
                                 "E_SEALED_EDIT"),
    "event added to the sealed month": ("事件", lambda g, rows: rows.append(list(rows[2])), "E_SEALED_EDIT"),
}


@pytest.mark.parametrize("name", list(TAMPERS))
def test_each_tamper_is_an_error_that_blocks_the_next_close(closed, name):
    g, props = closed
    sheet, fn, code = TAMPERS[name]
    bad = _edit(g, sheet, lambda rows: fn(g, rows))
    errors = [p for p in _problems(bad, props) if p.is_error]
    assert code in [p.code for p in errors], [(p.code, p.message) for p in errors]
    hit = next(p for p in errors if p.code == code)
    assert any("\u4e00" <= ch <= "\u9fff" for ch in hit.message) and hit.sheet
    assert _check(bad, props).exit_code == 1


def test_the_chain_head_missing_or_changed_is_an_error(closed):
    g, props = closed
    for head in ({}, {seal.HEAD_PROPERTY: "0" * 64}):
        errors = [p for p in _problems(g, head) if p.is_error]
        assert [p.code for p in errors] == ["E_SEAL_CHAIN"], errors
        assert "封存链头" in errors[0].message
    gone = dict(g)
    del gone["封存链"]
    errors = [p for p in _problems(gone, props) if p.is_error]
    assert "E_SEAL_CHAIN" in [p.code for p in errors] and any("缺失" in p.message or "删除" in p.message for p in errors)


def test_a_forged_locator_is_still_caught_by_the_full_digest(closed):
    """Someone edits a counted event and rewrites its 64-bit locator in 封存 to match: the group's full
    SHA-256 (covered by the chain) still differs."""
    g, props = closed
    bad = _edit(g, "事件", lambda rows: rows[1].__setitem__(_col(g, "事件", "备注"), "改过"))
    ev = next(e for e in closing.load(bad).book.events if e.row == 2)
    new = seal._event_fp(ev)[1][:seal.ROW_LOCATOR]

    def forge(rows):
        for r in rows:
            if r[2] == "事件" and r[3] == 1:
                items = r[4].split()
                r[4] = " ".join(f"{i.split(':')[0]}:{new}" if i.startswith("2:") else i for i in items)
    bad = _edit(bad, "封存", forge)
    errors = [p for p in _problems(bad, props) if p.is_error]
    assert [p.code for p in errors] == ["E_SEALED_EDIT"] and "完整摘要" in errors[0].message


def test_events_the_sealed_month_did_not_count_may_change(closed):
    g, props = closed
    k03 = next(i for i, r in enumerate(g["事件"].rows) if r[1] == "K03")
    for header, value in (("状态", "已批准"), ("备注", "改了"), ("数量", 2)):
        ok = _edit(g, "事件", lambda rows: rows[k03].__setitem__(_col(g, "事件", header), value))
        assert [p for p in _problems(ok, props) if "SEAL" in p.code] == [], header


def test_staff_pay_column_edit_is_a_warning_naming_the_sealed_month(closed):
    g, props = closed
    for header, value in (("社保基数", 9000), ("专项附加扣除", 3000), ("离职日期", dt.datetime(2026, 12, 31))):
        edited = _edit(g, "员工", lambda rows: rows[1].__setitem__(_col(g, "员工", header), value))
        problems = [p for p in _problems(edited, props) if "SEAL" in p.code]
        assert [(p.code, p.sheet, p.row, p.severity) for p in problems] == [("W_SEALED_INPUT", "员工", 2, "warning")]
        assert "2026-10" in problems[0].message and "社保基数" in problems[0].message


# ---------------------------------------------------------------- issue 22 item 2: field by field
def _alt(v, header):
    if header in ("日期", "入职日期"):
        return dt.datetime(2026, 10, 6) if header == "日期" else dt.datetime(2024, 1, 6)
    if header.endswith("日期"):
        return dt.datetime(2026, 10, 20)
    if header == "生效月份":
        return "2026-01"
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        return v + 1
    return f"{v or ''}改"


EVENT_FIELDS = [c.header for c in schema.EVENTS.columns if c.header not in ("姓名",)]
STAFF_FIELDS = [c.header for c in schema.STAFF.columns]
RULE_FIELDS = [c.header for c in schema.RULES.columns]
TIER_FIELDS = [c.header for c in schema.TIERS.columns]
SETTING_FIELDS = ["项目", "值", "生效月份"]


def _field_case(g, sheet, header, row):
    rows = [list(r) for r in g[sheet].rows]
    if header not in rows[0]:  # a column the test book does not have: added, filled in one row
        rows[0].append(header)
    j = rows[0].index(header)
    while len(rows[row]) <= j:
        rows[row].append(None)
    rows[row][j] = _alt(rows[row][j], header)
    out = dict(g)
    out[sheet] = Grid.of(sheet, rows)
    return out


@pytest.mark.parametrize("header", EVENT_FIELDS)
def test_every_field_of_a_counted_event_changed_alone_is_an_error(closed, header):
    g, props = closed
    problems = [p for p in _problems(_field_case(g, "事件", header, 1), props) if p.code == "E_SEALED_EDIT"]
    assert problems and problems[0].sheet == "事件", header


@pytest.mark.parametrize("sheet,header", [("员工", h) for h in STAFF_FIELDS] + [("等级", h) for h in TIER_FIELDS]
                         + [("参数", h) for h in SETTING_FIELDS])
def test_every_field_of_a_staff_tier_or_setting_row_changed_alone_is_reported(closed, sheet, header):
    g, props = closed
    row = 1
    if sheet == "参数":
        row = next(i for i, r in enumerate(g["参数"].rows) if r and r[0] == "公示天数")
    problems = [p for p in _problems(_field_case(g, sheet, header, row), props)
                if p.code in ("W_SEALED_INPUT", "E_SEALED_EDIT")]
    assert problems, (sheet, header)
    assert all(p.sheet == sheet for p in problems if p.code == "W_SEALED_INPUT")


@pytest.mark.parametrize("header", RULE_FIELDS)
def test_every_field_of_a_rule_changed_alone_is_reported(closed, header):
    g, props = closed
    row = next(i for i, r in enumerate(g["规则"].rows) if "好建议" in r)
    problems = [p for p in _problems(_field_case(g, "规则", header, row), props)
                if p.code in ("W_SEALED_INPUT", "E_SEALED_EDIT")]
    assert problems, header


# ---------------------------------------------------------------- payslips of a sealed month
# K01 张三 in October (tmall-30, 初级): score 30 基础分 + 3 少扣分 − 1 (态度投诉, the 2nd; the 1st is 警告) = 32,
# 7 points over 25 × 1% (A2-7) of the 15% bonus 600.00 = 42.00, so 绩效奖金 642.00; 基本工资 4,000.00;
# 工龄工资 2 full years × 50 = 100.00 (D-2); 应发 4,742.00.  社保基数 6,000: 养老 8% 480.00, 医疗 2% 120.00,
# 失业 0.5% 30.00, 公积金 5% 300.00 = 930.00; 个税 0 (4,742 − 5,000 − 930 − 1,000 < 0); 实发 3,812.00.
K01_OCT = {"base_pay": "4000.00", "seniority_pay": "100.00", "performance_bonus": "642.00", "gross": "4742.00",
           "pension": "480.00", "medical": "120.00", "unemployment": "30.00", "housing_fund": "300.00",
           "deductions_total": "930.00", "tax": "0.00", "net": "3812.00"}


def _k01(plan):
    r = next(r for r in plan.pays if r.staff.id == "K01")
    return {k: fmt_money(getattr(r, k)) for k in K01_OCT}


def test_D2_A2_7_sealed_october_payslip_is_the_sealed_figures_after_a_tier_base_is_raised(closed):
    g, props = closed
    assert _k01(closing.plan_close(closing.load(g, props), OCT)) == K01_OCT
    base = _col(g, "等级", "基本工资")
    raised = _edit(g, "等级", lambda rows: [r.__setitem__(base, (r[base] or 0) * 2) for r in rows[1:]])
    # today's inputs would pay K01 a base of 8,000.00 for October ...
    _, today, _ = closing.compute(closing.load(raised, props), OCT)
    assert next(r for r in today if r.staff.id == "K01").base_pay == 8000
    # ... the sealed October payslip stays what was paid, to the fen, with a warning naming the month
    plan = closing.plan_close(closing.load(raised, props), OCT)
    assert plan.refused and not plan.errors  # already closed; the payslips are still there to make
    assert _k01(plan) == K01_OCT
    warned = [p for p in plan.problems if p.code == "W_SEALED_PAY"]
    assert len(warned) == 1 and "2026-10 已月结" in warned[0].message and "张三" in warned[0].message
    assert not next(r for r in plan.pays if r.staff.id == "K01").items  # no 明细 lines of another pay
    same = closing.plan_close(closing.load(g, props), OCT)
    assert not [p for p in same.problems if p.code.endswith("SEALED_PAY")]


def test_D5_sealed_october_payslip_keeps_the_social_insurance_base_it_used(closed):
    """A new 社保基数 (9,000 from now on) does not reach October's payslip: 养老 8% of 6,000 = 480.00."""
    g, props = closed
    edited = _edit(g, "员工", lambda rows: rows[1].__setitem__(_col(g, "员工", "社保基数"), 9000))
    plan = closing.plan_close(closing.load(edited, props), OCT)
    assert _k01(plan) == K01_OCT and [p.code for p in plan.problems if p.code == "W_SEALED_PAY"] == ["W_SEALED_PAY"]


def _figures_edit(g, fn):
    def edit(rows):
        for r in rows:
            if r[2] == seal.FIGURES and r[3] and '"K01"' in r[4]:
                r[4] = fn(r[4])
    return _edit(g, "封存", edit)


def _set_figure(name, value):
    def fn(text):
        line = json.loads(text)
        line[4][figures.FIELDS.index(name)] = value
        return json.dumps(line, ensure_ascii=False)
    return fn


def test_every_pay_figure_is_in_the_sealed_format():
    assert figures.unkept_fields() == []


@pytest.mark.parametrize("what,fn", [
    ("net raised", _set_figure("net", 9812)),
    ("pension split changed", _set_figure("pension", 470)),
    ("not figures any more", lambda t: "手工改过"),
])
def test_edited_sealed_figures_are_an_error_never_a_silent_recompute(closed, what, fn):
    g, props = closed
    bad = _figures_edit(g, fn)
    row = next(i + 1 for i, r in enumerate(bad["封存"].rows) if r[2] == seal.FIGURES and r[3]
               and ('"K01"' in str(r[4]) or "手工" in str(r[4])))
    plan = closing.plan_close(closing.load(bad, props), OCT)
    hit = [p for p in plan.errors if p.code == "E_SEALED_FIGURES"]
    assert hit and all(p.sheet == "封存" and p.column == "行指纹" and p.row for p in hit), plan.errors
    assert any(p.row == row for p in hit) and "2026-10" in hit[0].message
    assert not any(r.staff.id == "K01" and r.net == 9812 for r in plan.pays)
    assert _check(bad, props).exit_code == 1  # check reports it too, and it blocks the next close


def test_a_seal_without_figures_still_refuses_a_changed_pay(closed):
    """Seals of the first v2 closes hold no figures: their payslips are refused where today's pay differs."""
    g, props = closed
    old = _edit(g, "封存", lambda rows: rows.__setitem__(slice(None), [r for r in rows if r[2] != seal.FIGURES]))
    loaded = closing.load(old, props)
    s = next(iter(loaded.seals.values()))
    props = {seal.HEAD_PROPERTY: seal.link("", OCT, 1, s.digests())}
    old = _edit(old, "封存链", lambda rows: rows[1].__setitem__(2, props[seal.HEAD_PROPERTY]))
    assert [p for p in _problems(old, props) if p.is_error] == []
    base = _col(g, "等级", "基本工资")
    raised = _edit(old, "等级", lambda rows: [r.__setitem__(base, (r[base] or 0) * 2) for r in rows[1:]])
    plan = closing.plan_close(closing.load(raised, props), OCT)
    pay = [p for p in plan.errors if p.code == "E_SEALED_PAY"]
    assert pay and all("2026-10 已月结" in p.message for p in pay)


# ---------------------------------------------------------------- on files
def test_file_close_writes_the_chain_hidden_and_its_head_as_a_document_property(tmp_path):
    path = files.init_workbook(tmp_path / "book.xlsm", demo=True)
    files.close_file(path, OCT)
    files.close_file(path, closing.Month(2026, 11))
    props = xlsxio.read_properties(path)
    with zipfile.ZipFile(path) as z:
        wb = z.read("xl/workbook.xml").decode()
        assert 'name="封存链"' in wb and 'state="veryHidden"' in wb
        assert "docProps/custom.xml" in z.read("[Content_Types].xml").decode()
    chain = xlsxio.read_grids(path, ["封存链"])["封存链"].rows
    assert props[seal.HEAD_PROPERTY] == chain[-1][2] and chain[-1][3] == chain[-2][2] and chain[1][3] is None
    result, problems = files.check_file(path)
    assert not [p for p in problems if p.is_error]


def test_file_with_its_head_property_removed_is_refused_byte_identical(tmp_path):
    path = files.init_workbook(tmp_path / "book.xlsm", demo=True)
    files.close_file(path, OCT)
    src = tmp_path / "src.xlsm"
    path.rename(src)
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info)
            if info.filename == "docProps/custom.xml":
                data = data.replace(b"kefu-xl", b"other")
            zout.writestr(info, data)
    before = path.read_bytes()
    plan = files.close_file(path, closing.Month(2026, 11))
    assert plan.exit_code == 1 and [p.code for p in plan.errors] == ["E_SEAL_CHAIN"]
    assert path.read_bytes() == before
