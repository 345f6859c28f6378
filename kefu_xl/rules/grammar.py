"""Rule kinds and the small declarative languages of the 规则 sheet.

A rule row has a kind (类型) and parameters in plain columns.  Nothing the user
types is ever evaluated as code: each column has a tiny grammar, parsed here
into frozen records, with a Chinese problem for anything that does not parse.

Value specs (分值 and 金额 columns) -- one grammar for every per-event rule:

    5            fixed value for each occurrence
    3~10         HR enters the value on the event row, within the range
                 (also 3-10, 3至10; "~" alone means any amount)
    0.5%         a rate applied to the event's 金额 (commission)
    警告;-1      a ladder by occurrence count in the rule's 周期: 1st a warning,
                 from the 2nd on -1 each (the last step repeats)
    10+警告;30;开除   steps may combine a value with words (警告 开除 劝退 …)
    全组100      the value lands on every active member of the offender's group

Money sign comes from the rule's 类别: 罚款/赔偿 amounts are deductions.

参数 (params) is a list separated by ";": items ``key=value`` are options,
items ``a:b`` are mapping entries (bands, ratings, rank awards), and items
``ref op value`` are conditions (``满意度>=98%``, ``扣分次数<=2``).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property
from typing import Dict, Iterable, List, Optional, Sequence, Tuple

from ..core import values
from ..core.model import (CAT_COMMISSION, CAT_FINE, CAT_INFO, CAT_LOSS, CAT_POINTS, CAT_REWARD, ERROR,
                    WARNING, Problem, Rule)
from ..core.metrics import BY_NAME as _METRIC_NAMES
from ..core.schema import norm_text


def is_metric_name(name: str) -> bool:
    """A name of the 指标 sheet's catalogue (询单转化率, 首次响应时长(秒) …): KPI卡 rows may read one directly."""
    return name in _METRIC_NAMES

# canonical kind -> accepted spellings in the 类型 column
KINDS: Dict[str, Tuple[str, ...]] = {
    "event": ("计次", "事件", "奖惩", "event"),
    "rating": ("评级", "rating"),
    "band": ("分档", "band"),
    "metric": ("指标", "metric"),
    "condition": ("条件", "condition"),
    "rank": ("排名", "rank"),
    "streak": ("连续", "streak"),
    "base": ("基础分", "base"),
    "component": ("维度", "component"),
    "cap": ("封顶", "上下限", "cap"),
    "pass": ("合格线", "pass"),
    "grade": ("评定", "grade"),
    "bonus_cut": ("奖金扣减", "bonus_cut"),
    "per_point": ("超额", "per_point"),
    "increase": ("增长", "increase"),
    "exclude": ("排除", "exclude"),
    "shared": ("公共提成", "共享", "shared"),
    "sanction": ("处分", "sanction"),
    "flower": ("小红花", "flower"),
    # kinds of their own modules (engine/addons.py)
    "bank_in": ("积分存入", "bank_in"),
    "bank_out": ("积分兑换", "bank_out"),
    "deadline": ("流程时限", "deadline"),
    "rework": ("返工", "rework"),
    "order": ("订单提成", "order"),
    "weekly": ("周计划", "weekly"),
    "exam": ("考试", "exam"),
    "tenure": ("工龄奖", "tenure"),
    "birthday": ("生日", "birthday"),
    "team": ("团队奖", "team"),
    "kpi": ("KPI卡", "加权评分", "kpi"),
    "weighted": ("综合业绩", "weighted"),
}
_KIND_LOOKUP = {norm_text(name).lower(): k for k, names in KINDS.items() for name in names}

CATEGORIES = {
    "积分": CAT_POINTS, "分": CAT_POINTS, "points": CAT_POINTS,
    "奖金": CAT_REWARD, "奖励": CAT_REWARD, "reward": CAT_REWARD,
    "罚款": CAT_FINE, "绩效扣减": CAT_FINE, "乐捐": CAT_FINE, "fine": CAT_FINE,
    "赔偿": CAT_LOSS, "loss": CAT_LOSS,
    "提成": CAT_COMMISSION, "commission": CAT_COMMISSION,
    "记录": CAT_INFO, "info": CAT_INFO,
}
MONEY_CATEGORIES = (CAT_REWARD, CAT_FINE, CAT_LOSS, CAT_COMMISSION)

# Words a ladder step may carry.  Physical punishment is refused (DOMAIN §9).
FLAG_WORDS = ("警告", "开除", "劝退", "解雇", "辞退", "记过", "通报批评", "留司查看", "乐捐", "赔偿", "调岗", "降薪")
WARNING_WORD = "警告"
PHYSICAL_WORDS = ("下蹲", "体罚", "罚站", "俯卧撑", "深蹲", "罚跑")
SANCTION_WORDS = ("开除", "记过", "警告", "通报批评", "赔偿", "乐捐")
GROUP_WORDS = ("全组",)

WINDOWS = {"": "month", "月": "month", "月度": "month", "每月": "month", "季": "quarter", "季度": "quarter",
           "年": "year", "年度": "year", "累计": "all", "全部": "all", "在职期间": "all"}
SCOPES = {"": "self", "个人": "self", "本人": "self", "全组": "group", "组": "group", "全体": "all", "全员": "all"}


# ---------------------------------------------------------------- value specs
@dataclass(frozen=True)
class Range:
    lo: Optional[Decimal]
    hi: Optional[Decimal]

    def contains(self, v: Decimal) -> bool:
        return (self.lo is None or v >= self.lo) and (self.hi is None or v <= self.hi)

    def describe(self) -> str:
        lo = "" if self.lo is None else _fmt(self.lo)
        hi = "" if self.hi is None else _fmt(self.hi)
        return f"{lo}~{hi}"


@dataclass(frozen=True)
class Rate:
    rate: Decimal


@dataclass(frozen=True)
class Step:
    value: object = None  # Decimal | Range | Rate | None (words only)
    words: Tuple[str, ...] = ()
    group: bool = False

    @property
    def warning_only(self) -> bool:
        return self.value is None and WARNING_WORD in self.words


@dataclass(frozen=True)
class Spec:
    steps: Tuple[Step, ...]
    text: str = ""

    def step(self, occurrence: int) -> Step:
        """The step for the n-th occurrence (1-based); the last one repeats."""
        return self.steps[min(occurrence, len(self.steps)) - 1]

    @property
    def is_ladder(self) -> bool:
        return len(self.steps) > 1


def _fmt(d: Decimal) -> str:
    d = Decimal(d)
    return str(d.quantize(Decimal(1))) if d == d.to_integral_value() else str(d.normalize())


_NUM = r"[+-]?\d+(?:\.\d+)?"
_RANGE = re.compile(rf"^({_NUM})?\s*(?:~|～|至|到|—|–)\s*({_NUM})?$")
_DASH_RANGE = re.compile(r"^(\d+(?:\.\d+)?)-(\d+(?:\.\d+)?)$")
_SPLIT_STEPS = re.compile(r"[;；→,，、]")


def parse_spec(text) -> Optional[Spec]:
    """Parse a 分值/金额 cell; None when blank.  Raises ValueError (Chinese)."""
    s = norm_text(text) if not isinstance(text, (int, float, Decimal)) else values.text(text)
    if not s:
        return None
    if s in ("自定", "自填", "按实际", "~"):
        return Spec((Step(Range(None, None)),), s)
    steps = []
    for part in _SPLIT_STEPS.split(s):
        part = part.strip()
        if not part:
            continue
        steps.append(_parse_step(part, s))
    if not steps:
        return None
    return Spec(tuple(steps), s)


def _parse_step(part: str, whole: str) -> Step:
    group = False
    for w in GROUP_WORDS:
        if part.startswith(w):
            group, part = True, part[len(w):].strip()
    value = None
    words: List[str] = []
    tokens = [t.strip() for t in re.split(r"\+(?=\D)|(?<=\D)\+", part) if t.strip()] if "+" in part else [part]
    for tok in tokens:
        for w in PHYSICAL_WORDS:
            if w in tok:
                raise ValueError(f"「{tok}」属于体罚，本工具不记录体罚类处分（见 DOMAIN §9）")
        if tok in FLAG_WORDS:
            words.append(tok)
            continue
        if tok.startswith("全组"):
            group, tok = True, tok[2:]
        if tok in ("自定", "自填", "按实际"):
            v = Range(None, None)
        else:
            v = _parse_value(tok, whole)
        if value is not None:
            raise ValueError(f"「{whole}」的一个阶梯里只能有一个数值")
        value = v
    return Step(value, tuple(words), group)


def _parse_value(tok: str, whole: str):
    t = tok.replace(" ", "")
    if t.endswith("%"):
        try:
            return Rate(values.decimal(t))
        except ValueError:
            raise ValueError(f"「{whole}」中的比例「{tok}」无法识别") from None
    m = _RANGE.match(t) or _DASH_RANGE.match(t)
    if m:
        lo = Decimal(m.group(1)) if m.group(1) else None
        hi = Decimal(m.group(2)) if m.group(2) else None
        if lo is not None and hi is not None and lo > hi:
            lo, hi = hi, lo
        return Range(lo, hi)
    try:
        return Decimal(t.lstrip("+")) if re.fullmatch(_NUM, t) else _bad(whole, tok)
    except ValueError:
        raise


def _bad(whole, tok):
    raise ValueError(f"「{whole}」中的「{tok}」无法识别：应为数字、范围（3~10）、比例（0.5%）或 警告/开除 等")


# ---------------------------------------------------------------- params
_COND = re.compile(r"^(.+?)\s*(<=|>=|!=|≤|≥|≠|<|>|=|＝)\s*(.+)$")
_OP_NORM = {"≤": "<=", "≥": ">=", "≠": "!=", "＝": "="}


@dataclass(frozen=True)
class Cond:
    ref: str
    op: str
    value: object  # Decimal or str

    def test(self, x) -> bool:
        if x is None:
            return False
        v = self.value
        if isinstance(v, str) or isinstance(x, str):
            x, v = str(x), str(v)
            return (x == v) if self.op == "=" else (x != v) if self.op == "!=" else False
        x = Decimal(x)
        return {"<=": x <= v, ">=": x >= v, "<": x < v, ">": x > v, "=": x == v, "!=": x != v}[self.op]

    raw_hint: str = field(default="", compare=False)


@dataclass(frozen=True)
class Params:
    options: Dict[str, str]
    pairs: Tuple[Tuple[str, str], ...]
    conds: Tuple[Cond, ...]
    words: Tuple[str, ...] = ()

    def get(self, key, default=""):
        return self.options.get(key, default)


_OPTION = re.compile(r"^([^=<>≤≥≠!:：]+?)\s*=\s*(.*)$")
_PAIR = re.compile(r"^(.+?)\s*[:：]\s*(.+)$")


def parse_params(text) -> Params:
    """Split 参数 into options (键=值), pairs (a:b), conditions and bare words."""
    s = norm_text(text)
    options: Dict[str, str] = {}
    pairs: List[Tuple[str, str]] = []
    conds: List[Cond] = []
    words: List[str] = []
    for item in re.split(r"[;；\n]", s):
        item = item.strip()
        if not item:
            continue
        m = _OPTION.match(item)
        if m and m.group(1).strip() in _OPTION_KEYS:
            options[m.group(1).strip()] = m.group(2).strip()
            continue
        m = _PAIR.match(item)
        if m:
            pairs.append((m.group(1).strip(), m.group(2).strip()))
            continue
        m = _COND.match(item)
        if m:
            ref, op, raw = m.group(1).strip(), _OP_NORM.get(m.group(2), m.group(2)), m.group(3).strip()
            value = _cond_value(raw)
            if op not in ("=", "!=") and not isinstance(value, Decimal):
                raise ValueError(f"条件「{item}」中「{raw}」不是数字")
            conds.append(Cond(ref, op, value, raw))
            continue
        if re.fullmatch(r"[\w\u4e00-\u9fff]+", item):
            words.append(item)
            continue
        raise ValueError(f"参数「{item}」无法识别：应为 键=值、 a:b 或 条件（如 满意度>=90%）")
    return Params(options, tuple(pairs), tuple(conds), tuple(words))


# options recognised as key=value rather than as an "=" condition
_OPTION_KEYS = {"月数", "提示", "基数", "比例", "顺序", "汇总", "重复", "满分", "每人每月", "有效月数",
                "组长每月", "其他每月", "岗位", "年度前", "月度奖励", "扣减",
                # issue 18 kinds (engine/addons.py)
                "账户", "记录时限", "审核时限", "公示天数", "异议时限", "超时", "评价", "免审优惠",
                "归属", "科目", "满月数", "发放", "人数", "权重", "领导连带", "合格分", "资格", "周数", "区间",
                "低者优先"}


def _cond_value(raw: str):
    try:
        d = values.decimal(raw)
        return d
    except ValueError:
        return raw


@dataclass(frozen=True)
class Band:
    op: str
    bound: Decimal
    out: object  # Decimal or str (grade label)

    def match(self, x: Decimal) -> bool:
        return Cond("", self.op, self.bound).test(x)


def parse_bands(pairs: Sequence[Tuple[str, str]], *, label_out: bool = False) -> Tuple[Band, ...]:
    """Bands such as ``<=5%:30`` or ``≥90:优秀`` -- first match wins."""
    bands = []
    for left, right in pairs:
        m = re.match(r"^(<=|>=|≤|≥|<|>|=)\s*(.+)$", left.replace(" ", ""))
        if not m:
            raise ValueError(f"分档「{left}:{right}」应写成 <=5%:30 这样的形式")
        op = _OP_NORM.get(m.group(1), m.group(1))
        bound = values.decimal(m.group(2))
        if bound is None:
            raise ValueError(f"分档「{left}」缺少数值")
        out = right if label_out else values.decimal(right)
        bands.append(Band(op, bound, out))
    return tuple(bands)


def band_value(bands: Sequence[Band], x: Decimal):
    for b in bands:
        if b.match(x):
            return b.out
    return None


# ---------------------------------------------------------------- compiled rule
@dataclass(frozen=True)
class Compiled:
    rule: Rule
    kind: str
    points: Optional[Spec]
    amount: Optional[Spec]
    params: Params
    window: str  # month/quarter/year/all or "N" months
    scope: str  # self/group/all
    category: str  # money category for amounts
    bands: Tuple[Band, ...] = ()

    @cached_property  # read for every event: an attribute after the first time
    def code(self) -> str:
        return self.rule.code

    @property
    def is_percent(self) -> bool:
        return self.rule.unit in ("%", "百分比", "percent")

    @property
    def money_sign(self) -> int:
        return -1 if self.category in (CAT_FINE, CAT_LOSS) else 1


def compile_rules(rules: Iterable[Rule], scheme: str) -> Tuple[Dict[str, Compiled], List[Problem]]:
    """Rules of the active scheme (and of no scheme), by code, with problems."""
    out: Dict[str, Compiled] = {}
    problems: List[Problem] = []
    for r in rules:
        if r.scheme and r.scheme != scheme:
            continue
        if not r.enabled:
            continue
        try:
            c = compile_rule(r)
        except ValueError as e:
            problems.append(Problem.at(r.src.at(getattr(e, "column", "")), "E_RULE_PARAM", f"规则「{r.code}」：{e}"))
            continue
        if r.code in out:
            problems.append(Problem.at(r.src.at("代码"), "E_RULE_DUPLICATE",
                                       f"规则代码「{r.code}」在方案「{scheme or '通用'}」中重复"))
            continue
        out[r.code] = c
    problems.extend(_check_references(out))
    return out, problems


def compile_rule(r: Rule) -> Compiled:
    kind = r.kind
    points = _spec(r, "分值", r.points)
    amount = _spec(r, "金额", r.amount)
    params = _in_column("参数", parse_params, r.params)
    window = WINDOWS.get(r.window, None)
    if window is None:
        if re.fullmatch(r"\d+", r.window or ""):
            window = r.window
        else:
            raise RuleParamError("周期", f"周期「{r.window}」应为 月/季/年/累计 或月数")
    scope = SCOPES.get(r.scope)
    if scope is None:
        raise RuleParamError("范围", f"范围「{r.scope}」应为 个人/全组/全体")
    category = CATEGORIES.get(r.category, None) if r.category else None
    if r.category and category is None:
        raise RuleParamError("类别", f"类别「{r.category}」应为 积分/奖金/罚款/赔偿/提成/记录")
    if category is None:
        category = _default_category(amount)
    bands: Tuple[Band, ...] = ()
    if kind in ("band", "grade", "bonus_cut", "rating"):
        if kind == "rating":
            bands = tuple(Band("=", Decimal(0), values.decimal(v)) for _, v in params.pairs)
        else:
            bands = _in_column("参数", parse_bands, params.pairs, label_out=(kind == "grade" or category == CAT_INFO))
        if not params.pairs:
            raise RuleParamError("参数", "参数中没有分档（例如 <=5%:30;<=8%:20）")
    if kind == "rating":
        for label, v in params.pairs:
            if values.decimal(v) is None:
                raise RuleParamError("参数", f"评级「{label}」缺少分值")
    if kind == "event" and points is None and amount is None and not params.options.get("提示"):
        raise RuleParamError("分值", "计次类规则需要在 分值 或 金额 中写明每次的数值")
    if kind in ("rank",) and not params.pairs:
        raise RuleParamError("参数", "排名类规则需要在参数中写名次奖励，例如 1:5;2:3;3:1")
    if kind == "streak" and not params.get("月数"):
        raise RuleParamError("参数", "连续类规则需要参数 月数=N")
    if kind in ("component",) and points is None:
        raise RuleParamError("分值", "维度需要在分值中写基础分（例如 20）")
    _in_column("参数", _check_contradictions, kind, bands, params)
    if r.cap is not None and r.floor is not None and r.cap < r.floor:
        raise RuleParamError("上限", f"上限 {_fmt(r.cap)} 小于下限 {_fmt(r.floor)}")
    return Compiled(r, kind, points, amount, params, window, scope, category, bands)


def _check_contradictions(kind: str, bands: Sequence[Band], params: Params) -> None:
    """Parameters that can never all hold, or bands that can never be reached."""
    if kind in ("band", "grade", "bonus_cut"):
        for i, a in enumerate(bands):
            for b in bands[i + 1:]:
                if _covers(a, b):
                    raise ValueError(f"分档矛盾：「{b.op}{_fmt(b.bound)}」永远用不到，"
                                     f"因为前面的「{a.op}{_fmt(a.bound)}」已包含它（分档按顺序取第一个符合的）")
    if kind == "rating":
        labels = [k for k, _ in params.pairs]
        dup = {x for x in labels if labels.count(x) > 1}
        if dup:
            raise ValueError(f"评级「{'、'.join(sorted(dup))}」重复")
    lo: Dict[str, Decimal] = {}
    hi: Dict[str, Decimal] = {}
    for c in params.conds:
        if not isinstance(c.value, Decimal):
            continue
        if c.op in (">", ">=", "="):
            lo[c.ref] = max(lo.get(c.ref, c.value), c.value)
        if c.op in ("<", "<=", "="):
            hi[c.ref] = min(hi.get(c.ref, c.value), c.value)
        if c.ref in lo and c.ref in hi and lo[c.ref] > hi[c.ref]:
            raise ValueError(f"条件矛盾：「{c.ref}」不可能同时满足这些条件")


def _covers(a: Band, b: Band) -> bool:
    """Every value matching band b also matches the earlier band a."""
    if a.op in ("<", "<=") and b.op in ("<", "<="):
        return b.bound < a.bound or (b.bound == a.bound and (a.op == "<=" or b.op == "<"))
    if a.op in (">", ">=") and b.op in (">", ">="):
        return b.bound > a.bound or (b.bound == a.bound and (a.op == ">=" or b.op == ">"))
    if b.op == "=":
        return a.match(b.bound)
    return False


def _spec(r: Rule, column: str, text) -> Optional[Spec]:
    try:
        return parse_spec(text)
    except ValueError as e:
        raise RuleParamError(column, f"{column}：{e}") from None


class RuleParamError(ValueError):
    """A rule row that cannot be compiled, with the 规则 column at fault (reported at that cell)."""

    def __init__(self, column: str, message: str):
        super().__init__(message)
        self.column = column


def _in_column(column: str, fn, *args, **kw):
    """fn(*args) with its ValueError reported at `column`."""
    try:
        return fn(*args, **kw)
    except RuleParamError:
        raise
    except ValueError as e:
        raise RuleParamError(column, str(e)) from None


def _default_category(amount: Optional[Spec]) -> str:
    if amount is None:
        return CAT_POINTS
    for st in amount.steps:
        if isinstance(st.value, Decimal) and st.value < 0:
            return CAT_FINE
        if isinstance(st.value, Range) and st.value.hi is not None and st.value.hi <= 0:
            return CAT_FINE
        if isinstance(st.value, Rate):
            return CAT_COMMISSION
    return CAT_REWARD


_KIND_REFS = {"weekly": ("完成率",), "order": ("毛利率",)}  # columns of their own sheets
_SPECIAL_REFS = {"得分", "名次", "合格", "扣分次数", "加分次数", "违规次数", "末位", "整月在职"}


def _check_references(rules: Dict[str, Compiled]) -> List[Problem]:
    out = []
    for c in rules.values():
        refs = []
        if c.rule.metric and c.rule.metric not in ("得分",) and not (c.kind == "kpi" and is_metric_name(c.rule.metric)):
            refs.append(("指标", c.rule.metric))
        if c.rule.component:
            refs.append(("维度", c.rule.component))
        own = _KIND_REFS.get(c.kind, ())
        for cond in c.params.conds:
            for ref in cond.ref.split("+"):
                if ref not in _SPECIAL_REFS and ref not in own:
                    refs.append(("参数", ref))
        for column, ref in refs:
            if ref not in rules:
                out.append(Problem.at(c.rule.src.at(column), "E_RULE_REF",
                                      f"规则「{c.code}」引用了不存在的规则代码「{ref}」"))
            elif column == "维度" and rules[ref].kind != "component":
                out.append(Problem.at(c.rule.src.at(column), "E_RULE_REF",
                                      f"规则「{c.code}」的维度「{ref}」不是维度类规则"))
    return out


def kind_of(text) -> Optional[str]:
    return _KIND_LOOKUP.get(norm_text(text).lower())
