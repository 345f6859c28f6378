"""Issue 5 property: random workbooks never make check or close raise, and a
workbook that check accepts always closes."""
import datetime as dt
from decimal import Decimal

from hypothesis import HealthCheck, given, settings, strategies as st

from kefu_xl.close import plan as closing
from kefu_xl.core.grid import CellError, Grid
from tests.bad_inputs import base

SCHEMES = ("tmall-30", "tmall-1", "aftersales-130", "classic-100", "incentive")
CODES = ("态度投诉", "业绩", "建议采纳", "客户投诉", "配合度", "退款率", "主管扣分", "满意度", "服务投诉", "公共销售",
         "售后放任", "乱码", "", None)
cell = st.one_of(
    st.none(), st.integers(-5, 100000), st.floats(allow_nan=False, allow_infinity=False, width=32),
    st.text(max_size=6), st.sampled_from(["#N/A", "#REF!", "全体", "K01", "K02", "优", "良", "差", "公示中", "待审",
                                          "2026/11/3", "11月5日", "１０", " 5% ", "-", "=1+1", "@x", "下蹲"]),
    st.dates(dt.date(2025, 1, 1), dt.date(2027, 12, 31)).map(lambda d: dt.datetime(d.year, d.month, d.day)),
    st.just(CellError("#VALUE!")),
)
event = st.fixed_dictionaries({
    "日期": st.one_of(st.dates(dt.date(2026, 11, 1), dt.date(2026, 11, 30)).map(
        lambda d: dt.datetime(d.year, d.month, d.day)), cell),
    "工号": st.one_of(st.sampled_from(["K01", "K02", "K03", "全体"]), cell),
    "规则": st.one_of(st.sampled_from(CODES), cell),
    "数量": st.one_of(st.none(), st.integers(1, 4), cell),
    "分值": st.one_of(st.none(), st.integers(-25, 25), cell),
    "金额": st.one_of(st.none(), st.integers(0, 200000), st.sampled_from([0.03, "4.5%", 12.5]), cell),
    "评价": st.one_of(st.none(), st.sampled_from(["优", "良", "中", "差", "警告", "记过"]), cell),
    "状态": st.one_of(st.none(), st.sampled_from(["已批准", "待审", "驳回"]), cell),
})


def _grids(scheme, events, staff_edits):
    book = base(scheme)
    header = book["事件"][0]
    for e in events:
        row = [None] * len(header)
        for k, v in e.items():
            row[header.index(k)] = v
        book["事件"].append(row)
    for (r, c, v) in staff_edits:
        book["员工"][1 + r % 3][c % len(book["员工"][0])] = v
    return {name: Grid.of(name, rows) for name, rows in book.items()}


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scheme=st.sampled_from(SCHEMES), events=st.lists(event, max_size=12),
       staff_edits=st.lists(st.tuples(st.integers(0, 2), st.integers(0, 8), cell), max_size=2))
def test_check_and_close_never_raise_and_accepted_books_close(scheme, events, staff_edits):
    loaded = closing.load(_grids(scheme, events, staff_edits))
    result, pays, problems = closing.compute(loaded)        # what `check` runs
    plan = closing.plan_close(loaded)                        # what `close` runs
    errors = [p for p in problems if p.is_error]
    for p in problems:
        assert p.message and p.code
    if not errors:
        assert plan.exit_code == 0, plan.problems
        assert plan.sheets
        assert len(plan.pays) == len(plan.result.people)
        for person in plan.result.people:
            assert sum(ln.points for ln in person.lines) == person.score
    else:
        assert plan.exit_code == 1 and plan.sheets == ()


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(scheme=st.sampled_from(SCHEMES), events=st.lists(event, max_size=8))
def test_random_workbook_files_check_and_close_without_raising(tmp_path_factory, scheme, events):
    from kefu_xl.xlsx import files
    from tests.workbooks import save
    path = save(_grids(scheme, events, []), tmp_path_factory.mktemp("p") / "book.xlsx")
    before = path.read_bytes()
    result, problems = files.check_file(path)
    plan = files.close_file(path)
    if any(p.is_error for p in problems):
        assert plan.exit_code == 1 and path.read_bytes() == before
    else:
        assert plan.exit_code == 0, plan.problems
        assert files.load_file(path).book.history  # the close was written and reads back


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.one_of(st.characters(), st.sampled_from(" \t\n\r\x0b\x0c\x1c\x1f\x85\xa0\u3000\u2028　ＡＢ１"))))
def test_norm_text_is_nfkc_with_white_space_folded_and_stripped(s):
    """norm_text splits on str white space; the regular expression \\s it replaced matches the same
    characters, so cells read the same as before."""
    import re
    import unicodedata
    from kefu_xl.core.schema import norm_text

    assert norm_text(s) == re.sub(r"\s+", " ", unicodedata.normalize("NFKC", s)).strip()


@settings(max_examples=100, deadline=None)
@given(st.tuples(st.integers(2020, 2030), st.integers(1, 12)), st.text(max_size=5), st.decimals(allow_nan=False,
       allow_infinity=False, places=2), st.one_of(st.none(), st.integers(1, 500)), st.booleans(), st.booleans(),
       st.dictionaries(st.text(max_size=4), st.tuples(st.integers(0, 9).map(Decimal), st.integers(0, 9).map(Decimal))))
def test_new_history_row_is_the_dataclass_made_without_its_init(ym, text, score, rank, passed, excluded, counters):
    """The 历史 reader builds rows with new_history_row: equal, hashed and printed as HistoryRow(*values)."""
    from kefu_xl.core.model import HistoryRow, Month, Source, new_history_row

    values = (Month(*ym), "K" + text, text, text, score, rank, 7, text, passed, excluded, counters, 2, "d" + text,
              "有效", text, Source("历史", 5))
    made, built = HistoryRow(*values), new_history_row(values)
    assert made == built and hash(made) == hash(built) and repr(made) == repr(built)
    assert made.__dict__ == built.__dict__
