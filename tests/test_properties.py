"""Issue 22, item 3: properties of the results on books that are valid by construction.

The book generator draws staff and three months of events (October to December:
the quarter-end rules fire in December) from each shipped scheme's own rules,
with values inside their ranges, so every example reaches the close; the
properties are then checked on the numbers:

* the month closes (exit 0) one month after the other, each close writing its
  sheets back into the book;
* every person's line items add up to the score, and the pay lines to the pay
  parts, at the fen; gross, deductions and net obey their identities;
* Article 16 (DOMAIN §8): deductions for fines and losses are at most 20% of
  the wage and leave at least the minimum wage;
* closing the months one by one (history written to 历史/工资历史 and read
  back) gives what the engine and payroll give from the history kept in memory;
* income tax is non-decreasing in income and continuous at the bracket edges.

Examples per run: the hypothesis profile (tests/conftest.py): `ci` by default
(fixed examples), `nightly` with KEFU_XL_HYPOTHESIS=nightly.
"""
import datetime as dt
from decimal import ROUND_DOWN, Decimal as D

from hypothesis import given, strategies as st

from kefu_xl.close import plan as closing
from kefu_xl.core.grid import Grid
from kefu_xl.core.model import CAT_COMMISSION, CAT_FINE, CAT_LOSS, CAT_REWARD, Month
from kefu_xl.engine import month as engine
from kefu_xl.payroll import pay as payroll
from kefu_xl.payroll.pay import TAX_BRACKETS, cumulative_tax
from kefu_xl.read.readers import Book
from tests.bad_inputs import base

MONTHS = (Month(2026, 10), Month(2026, 11), Month(2026, 12))
FEN = D("0.01")

# per scheme: rule code -> the columns an event of it fills, as strategies
_pts = lambda lo, hi: {"分值": st.integers(lo, hi)}  # noqa: E731
_amt = lambda lo, hi: {"金额": st.integers(lo, hi)}  # noqa: E731
_pct = lambda lo, hi: {"金额": st.integers(lo, hi).map(lambda n: D(n) / 1000)}  # noqa: E731
_rating = {"评价": st.sampled_from(["优", "良", "中", "差"])}
PLAIN = {}
EVENTS = {
    "tmall-30": {"业绩": _amt(0, 200000), "好评表扬": PLAIN, "汇报问题": PLAIN, "好建议": PLAIN, "态度投诉": PLAIN,
                 "备注不清": PLAIN, "私自降价": PLAIN, "推卸责任": PLAIN, "重大失误": PLAIN},
    "tmall-1": {"业绩": _amt(0, 200000), "表现突出": _amt(100, 2000), "建议采纳": _pts(3, 10),
                "案例分享": _pts(3, 10), "积极回复": _pts(3, 5), "日常及时": _pts(3, 5),
                "失职": _amt(20, 300), "红线赔偿": _amt(50, 3000), "售后未跟进": PLAIN},
    "aftersales-130": {"客服素质": _rating, "投诉处理": _rating, "配合度": _rating, "执行力": _rating,
                       "退款率": _pct(0, 200), "迟到": PLAIN, "请假": PLAIN, "旷工": PLAIN, "低质评价": PLAIN,
                       "客户投诉": _pts(5, 20), "客户表扬": PLAIN, "表现突出": _pts(2, 5)},
    "classic-100": {"销售额": _amt(0, 300000), "主管扣分": _pts(1, 20), "额外工作": _pts(1, 5),
                    "主动顶班": PLAIN, "零成本售后": PLAIN, "满意度": _pct(700, 1000), "管理建议": PLAIN,
                    "订单礼品": _amt(0, 3000), "迟到早退": PLAIN},
    "incentive": {"个人销售": _amt(0, 50000), "无关事务": PLAIN, "视频游戏": PLAIN, "零食喧哗": PLAIN,
                  "服务投诉": PLAIN, "服务积分": _amt(0, 30), "安全事故": PLAIN, "成本节约": _amt(200, 500),
                  "无返工": PLAIN, "缺记录单": PLAIN, "个人原因投诉": PLAIN, "满意度": _pct(800, 1000),
                  "及时率": _pct(800, 1000), "特别贡献": _amt(2000, 5000)},
}
METRICS = {"业绩", "销售额", "满意度", "服务积分", "及时率", "退款率", "个人销售"}  # one value a person a month
STAFF_H = ["工号", "姓名", "组别", "等级", "状态", "入职日期", "离职日期", "社保基数", "专项附加扣除"]
EVENT_H = ["日期", "工号", "规则", "数量", "分值", "金额", "评价", "状态", "公示日期", "备注"]


@st.composite
def books(draw):
    scheme = draw(st.sampled_from(sorted(EVENTS)))
    n = draw(st.integers(2, 6))
    staff = [STAFF_H]
    for i in range(1, n + 1):
        staff.append([f"S{i:02d}", f"员工{i:02d}", draw(st.sampled_from(["A组", "B组"])),
                      draw(st.sampled_from(["初级", "中级", "高级"])), "在职",
                      dt.datetime(draw(st.integers(2020, 2025)), draw(st.integers(1, 12)), 1), None,
                      draw(st.sampled_from([None, None, 0, 3000, 8000, 40000])),
                      draw(st.sampled_from([None, None, 2000, 5000]))])
    events = [EVENT_H]
    menu = EVENTS[scheme]
    for m in MONTHS:
        seen = set()
        for _ in range(draw(st.integers(0, 14))):
            code = draw(st.sampled_from(sorted(menu)))
            sid = f"S{draw(st.integers(1, n)):02d}"
            if code in METRICS:
                if (sid, code) in seen:
                    continue
                seen.add((sid, code))
            row = dict(日期=dt.datetime(m.year, m.month, draw(st.integers(1, 28))), 工号=sid, 规则=code)
            row.update({k: draw(v) for k, v in menu[code].items()})
            if code not in METRICS and not menu[code]:
                row["数量"] = draw(st.sampled_from([None, None, None, 1, 2]))
            row["状态"] = draw(st.sampled_from([None, None, None, "已批准", "待审", "驳回"]))
            events.append([row.get(h) for h in EVENT_H])
    book = base(scheme)
    book["员工"], book["事件"] = staff, events
    return scheme, {name: Grid.of(name, rows) for name, rows in book.items()}


def _write_back(g, plan):
    g = dict(g)
    for s in plan.sheets:
        g[s.name] = Grid.of(s.name, [list(s.header)] + [list(r) for r in s.rows])
    return g


def _close_one_by_one(g):
    plans = []
    for m in MONTHS:
        plan = closing.plan_close(closing.load(g), month=m, now=dt.datetime(2027, 1, 5))
        assert plan.exit_code == 0, [(p.code, p.sheet, p.row, p.column, p.message) for p in plan.errors]
        plans.append(plan)
        g = _write_back(g, plan)
    return plans


def _in_memory(g):
    """The same months from the engine and payroll, history handed over in memory."""
    first = closing.load(g)
    history, pay_history, out = [], [], []
    for m in MONTHS:
        b = first.book
        loaded = closing.Loaded(Book(b.staff, b.events, b.rules, b.tiers, b.settings, tuple(history)),
                                first.problems, tuple(pay_history))
        result, pays, problems = closing.compute(loaded, m)
        assert not [p for p in problems if p.is_error]
        history += engine.history_from_result(result)
        pay_history += [r.history() for r in pays]
        out.append((result, pays))
    return out


def _summary(result, pays):
    people = {p.staff.id: (p.score, p.rank, p.grade, p.passed, p.bonus_cut, p.excluded,
                           tuple((ln.rule, ln.points, ln.amount, ln.category) for ln in p.lines))
              for p in result.people}
    money = {r.staff.id: payroll.pay_json(r) for r in pays}
    return people, money


def _items(r, category):
    return sum((i.amount for i in r.items if i.category == category), D(0))


@given(books())
def test_generated_books_close_month_after_month_and_every_total_is_its_lines(example):
    scheme, g = example
    plans = _close_one_by_one(g)
    for plan in plans:
        policy = closing.load(g).book.config.at(plan.month)
        pays = plan.pay_by_id()
        assert set(pays) == {p.staff.id for p in plan.result.people}
        for person in plan.result.people:
            # the score is its lines
            assert sum((ln.points for ln in person.lines), D(0)) == person.score
            r = pays[person.staff.id]
            # money lines of the month are the pay's lines, category by category, at the fen
            for cat in (CAT_REWARD, CAT_FINE, CAT_LOSS):
                lines = sum((ln.amount for ln in person.lines if ln.category == cat), D(0))
                assert _items(r, cat) == lines.quantize(FEN)
            assert r.rewards == _items(r, CAT_REWARD)
            assert r.commission_personal == _items(r, CAT_COMMISSION)
            assert r.fines_due == -_items(r, CAT_FINE) and r.losses_due >= -_items(r, CAT_LOSS)
            # pay identities
            assert r.gross == (r.base_pay + r.skill_allowance + r.seniority_pay + r.performance_bonus + r.rewards
                               + r.commission + r.guarantee)
            assert r.deductions_total == r.fines + r.losses + r.social_insurance + r.housing_fund + r.tax
            assert r.net == r.gross - r.deductions_total
            assert r.social_insurance == r.pension + r.medical + r.unemployment
            for v in payroll.pay_json(r).values():
                assert D(v).as_tuple().exponent == -2
            # Article 16 (DOMAIN §8): at most 20% of the wage, and at least the minimum wage left
            wage = r.gross if policy.deduction_base == payroll.DEDUCT_GROSS else r.gross - r.social_insurance - r.housing_fund
            taken = r.fines + r.losses if policy.fines_count else r.losses
            if not policy.fines_count:
                wage -= r.fines
            assert taken <= (wage * policy.deduction_ratio).quantize(FEN, rounding=ROUND_DOWN) or taken == 0
            assert taken == 0 or wage - taken >= policy.min_wage
            assert r.fines + r.fines_waived == r.fines_due and r.losses + r.loss_carry == r.losses_due
            assert r.tax >= 0 and r.tax_cum >= 0
        totals = payroll.payroll_totals(plan.pays)
        assert D(totals["net"]) == sum((r.net for r in plan.pays), D(0))


@given(books())
def test_closing_months_one_by_one_equals_closing_them_with_history_in_memory(example):
    scheme, g = example
    plans = _close_one_by_one(g)
    memory = _in_memory(g)
    for plan, (result, pays) in zip(plans, memory):
        assert _summary(plan.result, plan.pays) == _summary(result, pays), plan.month


# ---------------------------------------------------------------- income tax (DOMAIN §8)
money = st.decimals(min_value=-1000, max_value=2_000_000, places=2)


@given(money, money)
def test_S8_tax_is_non_decreasing_in_income(a, b):
    lo, hi = min(a, b), max(a, b)
    assert cumulative_tax(lo) <= cumulative_tax(hi)


EDGES = [upper for upper, _, _ in TAX_BRACKETS if upper is not None]


@given(st.sampled_from(EDGES), st.decimals(min_value=0, max_value=100, places=2))
def test_S8_tax_is_continuous_at_every_bracket_edge(edge, d):
    # across an edge the tax moves by at most the higher rate × the step (plus the fen of rounding)
    below, at, above = cumulative_tax(edge - d), cumulative_tax(edge), cumulative_tax(edge + d)
    assert 0 <= at - below <= d * D("0.45") + FEN
    assert 0 <= above - at <= d * D("0.45") + FEN


@given(st.integers(0, 60000), st.integers(0, 60000), st.integers(1, 12), st.sampled_from([None, 0, 5000, 30000]))
def test_S8_more_pay_never_means_less_net_or_less_tax(base_pay, extra, months, si_base):
    """A reward on top of the same pay, each month of the year so far: the cumulative tax withheld
    does not fall and neither does the net pay."""
    from tests.test_payroll import line, person, staff, tier
    st_ = staff(si_base=None if si_base is None else D(si_base))
    tr = tier(base=str(base_pay))
    out = []
    for reward in (0, extra):
        prior = []
        for m in range(1, months + 1):
            pr = person(st_, lines=(line("S1", CAT_REWARD, reward),) if reward else ())
            r, probs = payroll.compute_pay(payroll.PayInput(st_, tr, pr, Month(2026, m)),
                                           payroll.PayPolicy(month=Month(2026, m)), tuple(prior))
            prior.append(r.history())
        out.append(r)
    less, more = out
    assert more.tax_cum >= less.tax_cum and more.net >= less.net
    assert more.tax - less.tax <= D(extra) * D("0.45") * months + FEN
