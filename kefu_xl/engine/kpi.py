"""A2-2: ranking on several measures together, and the weighted KPI card.

综合业绩 (weighted): one value per person, 0–100, from several measures with the
weights HR sets; a rank rule whose 指标 is this rule's code ranks on it.

    综合业绩  参数 成交金额:50%;转化率:30%;流失率:20%;低者优先=流失率

Each measure is scaled across the people who have a value this month: the best
value scores 100, the worst 0, linearly between (all equal: 100 each); a
measure in 低者优先 is better when lower (churn).  A person without a value
of a measure scores 0 on it (a warning).

KPI卡 (kpi): one row per item of the card, points = weight × item score.

    询单转化率  KPI卡  指标 询单转化率  参数 权重=40%;>=20%:100;>=15%:80;>=10%:60;<10%:0
    首响        KPI卡  指标 首响        参数 权重=10%;区间=60~15

An item is scored by bands (first match, the score 0–100) or linearly on
`区间=a~b` (a scores 0, b scores 100, linear between, clamped; a > b when lower
is better).  Values are read with `month.metric_of`: a metric rule's value
(typed in 事件) or a 指标 row (typed or imported).
"""
from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Dict, List, Optional, Tuple

from ..core import values
from ..core.model import CAT_INFO, CAT_POINTS, WARNING, ZERO, Line
from ..rules.grammar import _fmt, band_value, parse_bands

HUNDRED = Decimal(100)
CENT = Decimal("0.01")


def _r2(d: Decimal) -> Decimal:
    return d.quantize(CENT, rounding=ROUND_HALF_UP).normalize() if d else ZERO


def _name(run, code: str) -> str:
    r = run.rules.get(code)
    return r.rule.name if r is not None else code


def _shown(run, code: str, v: Decimal) -> str:
    from ..core.metrics import is_rate
    r = run.rules.get(code)
    return f"{_fmt(_r2(v * 100))}%" if (r.is_percent if r is not None else is_rate(code)) else _fmt(_r2(v))


def _weights(rule) -> List[Tuple[str, Decimal]]:
    out = []
    for left, right in rule.params.pairs:
        w = values.rate(right)
        if w is None:
            raise ValueError(f"权重「{left}:{right}」应写成 指标:40%")
        out.append((left, w))
    return out


def points(run) -> None:
    from . import month as M
    for rule in run.rules.values():
        if rule.kind == "weighted":
            _weighted(run, rule, M.metric_of)
    for rule in run.rules.values():
        if rule.kind == "kpi":
            _card_item(run, rule, M.metric_of)


def _weighted(run, rule, metric_of) -> None:
    try:
        weights = _weights(rule)
    except ValueError as e:
        run.problem(rule.rule.src.at("参数"), "E_RULE_PARAM", f"规则「{rule.code}」：{e}")
        return
    low = {x.strip() for x in (rule.params.get("低者优先") or "").replace("，", ",").split(",") if x.strip()}
    people = list(run.people.values())
    got: Dict[str, Dict[str, Decimal]] = {}
    for code, _ in weights:
        vals = {p.staff.id: v for p in people if (v := metric_of(run, p, code)) is not None}
        got[code] = vals
    if not any(got.values()):
        return
    for p in people:
        sid = p.staff.id
        total = ZERO
        parts = []
        for code, w in weights:
            vals = got[code]
            v = vals.get(sid)
            if v is None:
                run.problem(None, "W_MISSING_METRIC", f"{p.staff.name}（{sid}）本月没有「{_name(run, code)}」数值，"
                                                      f"该项按 0 计（{rule.rule.source}）", WARNING)
                parts.append(f"{_name(run, code)} 无 → 0")
                continue
            hi, lo = max(vals.values()), min(vals.values())
            s = HUNDRED if hi == lo else (hi - v if code in low else v - lo) / (hi - lo) * HUNDRED
            total += s * w
            parts.append(f"{_name(run, code)} {_shown(run, code, v)} → {_fmt(_r2(s))}×{_fmt(w * 100)}%")
        total = _r2(total)
        p.metrics[rule.code] = total
        p.counters[rule.code] = [Decimal(1), total]
        p.add(Line(sid, rule.code, ZERO, ZERO, CAT_INFO, None, f"{rule.rule.name} {_fmt(total)}：" + "；".join(parts),
                   rule.rule.source))


def _linear(text: str) -> Optional[Tuple[Decimal, Decimal]]:
    for sep in ("~", "～", "至"):
        if sep in text:
            a, b = text.split(sep, 1)
            return values.decimal(a), values.decimal(b)
    return None


def _card_item(run, rule, metric_of) -> None:
    code = rule.rule.metric or rule.code
    weight = values.rate(rule.params.get("权重") or "100%")
    span = _linear(rule.params.get("区间")) if rule.params.get("区间") else None
    try:
        bands = parse_bands(rule.params.pairs) if rule.params.pairs else ()
    except ValueError as e:
        run.problem(rule.rule.src.at("参数"), "E_RULE_PARAM", f"规则「{rule.code}」：{e}")
        return
    if span is None and not bands:
        run.problem(rule.rule.src.at("参数"), "E_RULE_PARAM", f"规则「{rule.code}」需要分档（>=20%:100）或 区间=a~b")
        return
    for sid, p in run.people.items():
        v = metric_of(run, p, code)
        if v is None:
            run.problem(None, "W_MISSING_METRIC", f"{p.staff.name}（{sid}）本月没有「{_name(run, code)}」数值，按 0 分计",
                        WARNING)
            p.add(Line(sid, rule.code, ZERO, ZERO, CAT_POINTS, None, "无数值，按 0 分", rule.rule.source))
            continue
        if span is not None:
            a, b = span
            s = (v - a) / (b - a) * HUNDRED if b != a else HUNDRED
            s = min(HUNDRED, max(ZERO, s))
        else:
            s = Decimal(band_value(bands, v) or 0)
        pts = _r2(s * weight)
        p.add(Line(sid, rule.code, pts, ZERO, CAT_POINTS, None,
                   f"{_name(run, code)} {_shown(run, code, v)} → {_fmt(_r2(s))}分 × {_fmt(weight * 100)}%",
                   rule.rule.source))
        p.count(rule.code, Decimal(1), pts)
