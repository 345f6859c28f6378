"""The canonical metric names of the 指标 sheet and how several rows of one combine.

Imported exports (shop platforms, attendance) are written to 指标 under these
names, whatever the platform called the column; rows typed by HR may use them
too, or any other name (kept as written).  Each name has a kind:

    count    people, sessions, times, days (added across accounts)
    amount   money (added)
    rate     a share, stored as a fraction (0.95 = 95%)
    seconds  a duration in seconds (weighted mean across accounts)
    number   any other figure (weighted mean across accounts)

A person with accounts in two shops has one 指标 row per account (import
key); `combine` turns them into one value per person, metric and month:
counts and amounts are added; a rate with a recipe (numerator / denominator
counts, both present on every row's key) is recomputed from the added
counts; any other rate, duration or number is the mean weighted by the
rows' volume (接待人数, else 询单人数, else 会话量 of the same key), else the
plain mean.  Imports nothing else of kefu_xl but the model.
"""
from __future__ import annotations

from decimal import Decimal
from typing import Dict, Iterable, List, Mapping, NamedTuple, Optional, Sequence, Tuple

COUNT = "count"
AMOUNT = "amount"
RATE = "rate"
SECONDS = "seconds"
NUMBER = "number"


class MetricDef(NamedTuple):
    name: str
    kind: str
    numerator: str = ""  # rates: recomputed as numerator / denominator when both are there
    denominator: str = ""


def _d(name, kind, num="", den=""):
    return MetricDef(name, kind, num, den)


CATALOGUE: Tuple[MetricDef, ...] = (
    # shop platforms
    _d("接待人数", COUNT), _d("询单人数", COUNT), _d("下单人数", COUNT), _d("付款人数", COUNT),
    _d("询单转化率", RATE, "付款人数", "询单人数"), _d("询单下单率", RATE, "下单人数", "询单人数"),
    _d("下单付款率", RATE, "付款人数", "下单人数"), _d("客件数", NUMBER), _d("客单价", AMOUNT),
    _d("回复率", RATE), _d("平均响应时长(秒)", SECONDS), _d("首次响应时长(秒)", SECONDS),
    _d("平均接待时长(秒)", SECONDS), _d("销售额", AMOUNT), _d("答问比", NUMBER), _d("慢响应人数", COUNT),
    _d("转出人数", COUNT), _d("退款率", RATE), _d("会话量", COUNT), _d("3分钟回复率", RATE),
    _d("30秒应答率", RATE), _d("3分钟未回复人数", COUNT), _d("满意率", RATE, "满意评价量", "评价量"),
    _d("满意评价量", COUNT), _d("评价量", COUNT), _d("好评量", COUNT), _d("差评量", COUNT),
    _d("好评率", RATE, "好评量", "评价量"),
    # 赤兔 遵时率
    _d("上班天数", COUNT), _d("平均上线时间(秒)", SECONDS), _d("在线时长(秒)", SECONDS),
    _d("服务时长(秒)", SECONDS), _d("挂起时长(秒)", SECONDS),
    # attendance
    _d("出勤天数", COUNT), _d("休息天数", COUNT), _d("工作时长(分钟)", COUNT), _d("迟到次数", COUNT),
    _d("迟到时长(分钟)", COUNT), _d("严重迟到次数", COUNT), _d("旷工迟到天数", COUNT), _d("早退次数", COUNT),
    _d("早退时长(分钟)", COUNT), _d("上班缺卡次数", COUNT), _d("下班缺卡次数", COUNT), _d("缺卡次数", COUNT),
    _d("旷工天数", COUNT), _d("旷工次数", COUNT), _d("事假天数", COUNT), _d("病假天数", COUNT), _d("调休天数", COUNT),
    _d("年假天数", COUNT), _d("婚假天数", COUNT), _d("产假天数", COUNT), _d("丧假天数", COUNT),
    _d("外出天数", COUNT), _d("出差天数", COUNT), _d("加班时长(小时)", COUNT),
)
BY_NAME: Dict[str, MetricDef] = {m.name: m for m in CATALOGUE}
VOLUME = ("接待人数", "询单人数", "会话量")
ADDED = (COUNT, AMOUNT)


def kind_of(name: str) -> str:
    """The kind of a metric name (names outside the catalogue: number)."""
    m = BY_NAME.get(name)
    return m.kind if m else NUMBER


def is_rate(name: str) -> bool:
    return kind_of(name) == RATE


class Part(NamedTuple):
    """One 指标 value of a person, metric and month under one import key."""

    key: str
    value: Decimal


def combine(name: str, parts: Sequence[Part], volumes: Mapping[Tuple[str, str], Decimal]
            ) -> Tuple[Decimal, str]:
    """One value of `name` from the rows of several import keys, and how it was got ("" for one row).

    `volumes` holds (key, metric name) -> value of the same person's rows, for
    recipes and weights.
    """
    if len(parts) == 1:
        return parts[0].value, ""
    kind = kind_of(name)
    if kind in ADDED:
        return sum((p.value for p in parts), Decimal(0)), "合计"
    m = BY_NAME.get(name)
    if m is not None and m.numerator:
        num = [volumes.get((p.key, m.numerator)) for p in parts]
        den = [volumes.get((p.key, m.denominator)) for p in parts]
        if None not in num and None not in den:
            total = sum(den, Decimal(0))
            if total:
                return sum(num, Decimal(0)) / total, f"{m.numerator}/{m.denominator}"
    for vol in VOLUME:
        w = [volumes.get((p.key, vol)) for p in parts]
        if None not in w and sum(w, Decimal(0)):
            return sum((p.value * x for p, x in zip(parts, w)), Decimal(0)) / sum(w, Decimal(0)), f"按{vol}加权"
    return sum((p.value for p in parts), Decimal(0)) / len(parts), "平均"
