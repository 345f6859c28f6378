"""B-7 and B-4b: the monthly exam, from the 考试 sheet.

A 考试 rule turns each sitting of the month into points (类别 积分, the
default) or money (类别 奖金/罚款) by bands on the share of full marks, first
match wins; 参数 科目=客服 limits it to one subject (blank: every subject).

    考试满分   考试  参数 科目=客服;>=100%:5          B-4b: full marks +5 per sitting
    考试奖金   考试  参数 >=90%:50  类别 奖金          B-7: the result affects the bonus (HR sets it)
"""
from __future__ import annotations

from decimal import Decimal

from ..core.model import CAT_POINTS, ZERO, Line, money
from ..rules.grammar import MONEY_CATEGORIES, _fmt, band_value, parse_bands


def _rows(run):
    m = run.opts.month
    return [ex for ex in run.book.exams if m.contains(ex.date)]


def points(run) -> None:  # phase "points": before conditions and ranking
    rules = [r for r in run.rules.values() if r.kind == "exam"]
    if not run.book.exams:
        return
    rows = _rows(run)
    for ex in rows:
        if ex.staff_id not in run.people:
            run.problem(ex.src.at("工号"), "E_UNKNOWN_STAFF", f"工号「{ex.staff_id}」不在「员工」表中（或本月不在职）")
    for rule in rules:
        try:
            bands = parse_bands(rule.params.pairs)
        except ValueError as e:
            run.problem(rule.rule.src.at("参数"), "E_RULE_PARAM", f"规则「{rule.code}」：{e}")
            continue
        subject = rule.params.get("科目")
        money_out = rule.category in MONEY_CATEGORIES
        for ex in rows:
            person = run.people.get(ex.staff_id)
            if person is None or (subject and ex.subject != subject):
                continue
            share = ex.score / ex.full
            v = band_value(bands, share)
            if v is None:
                continue
            note = f"{ex.subject or '考试'} {_fmt(ex.score)}/{_fmt(ex.full)}（{_fmt(share * 100)}%）"
            if money_out:
                amt = money(Decimal(v) * rule.money_sign)
                person.add(Line(ex.staff_id, rule.code, ZERO, amt, rule.category, ex.date, note, rule.rule.source))
                person.count(rule.code, Decimal(1), amt)
            else:
                person.add(Line(ex.staff_id, rule.code, Decimal(v), ZERO, CAT_POINTS, ex.date, note,
                                rule.rule.source))
                person.count(rule.code, Decimal(1), Decimal(v))
                if v > 0:
                    person.additions += 1
                elif v < 0:
                    person.deductions += 1
