"""D-11 and C-5: order-level sales and commission after full payment (订单 sheet).

A 订单提成 rule (金额 a rate such as 1%, 参数 免审优惠=30 and optional conditions
on 毛利率) pays commission on each order the month it is paid in full:

- the person is 订单.工号 (blank: the first staff number found in 备注); an
  order whose 备注 does not carry that staff number earns no commission
  (D-11, warning);
- the commission base is 金额 − 优惠 (what the customer paid);
- a discount of 免审优惠 (30) or less must be explained in 备注 (text besides
  the staff number), a larger one needs 审批人: flagged as warnings, the
  commission is still paid;
- commission is paid in the month of 付清日期 (C-5: after full payment); an
  order not yet paid in full is listed and waits, however many months.

Orders stay on the sheet across months; each order is judged in the month of
its 日期 (flags) and paid in the month of its 付清日期, once: 历史 remembers each
paid order (计数 ``#订单:订单号``), so an order whose 付清日期 falls in a month
already closed without it (the date was entered late) is paid in the next
close, with a note and W_CARRIED, and never twice.
"""
from __future__ import annotations

import re
from decimal import Decimal

from ..core.model import CAT_COMMISSION, CAT_INFO, WARNING, ZERO, Line, Month, money
from ..rules.grammar import Rate, _fmt

PAID_KEY = "#订单:"  # 历史 counter of a paid order
UNPAID = ("未付清", "未付款", "部分付款", "待付款", "未付")
PAID = ("", "已付清", "付清", "全额付款", "已付款")


def _rate(rule) -> Decimal:
    st = rule.amount.steps[0].value if rule.amount else None
    return st.rate if isinstance(st, Rate) else ZERO


def _person_of(run, order, ids) -> str:
    if order.staff_id:
        return order.staff_id
    for sid in ids:
        if sid and sid in order.note:
            return sid
    return ""


def end(run) -> None:
    rules = [r for r in run.rules.values() if r.kind == "order"]
    if not run.book.orders:
        return
    month = run.opts.month
    if not rules:
        if any(month.contains(o.date) or (o.paid and month.contains(o.paid)) for o in run.book.orders):
            run.problem(None, "W_ORDER_NO_RULE", f"「订单」表有本月订单，但方案「{run.opts.scheme}」没有订单提成类规则", WARNING)
        return
    ids = sorted((s.id for s in run.book.staff), key=len, reverse=True)
    paid_before = {k for rows in run.by_staff.values() for h in rows for k in h.counters if k.startswith(PAID_KEY)}
    closed = set(run.by_month)
    for o in run.book.orders:
        ordered_now = month.contains(o.date)
        paid_now = o.paid is not None and month.contains(o.paid)
        late = (o.paid is not None and not paid_now and Month.of(o.paid) < month and Month.of(o.paid) in closed
                and PAID_KEY + o.order not in paid_before)
        if not ordered_now and not paid_now and not late:
            continue
        rule = run.rules.get(o.rule) if o.rule else rules[0]
        if rule is None or rule.kind != "order":
            if ordered_now:
                run.problem(o.src.at("规则"), "E_UNKNOWN_RULE", f"订单 {o.order}：「{o.rule}」不是方案中的订单提成规则")
            continue
        sid = _person_of(run, o, ids)
        person = run.people.get(sid)
        if person is None:
            if ordered_now:
                run.problem(o.src.at("工号"), "E_UNKNOWN_STAFF",
                            f"订单 {o.order}：工号「{sid}」不在「员工」表中" if sid else f"订单 {o.order}：没有工号，备注中也找不到工号")
            continue
        limit = Decimal(rule.params.get("免审优惠") or 30)
        noted = bool(sid) and sid in o.note
        if ordered_now:
            if o.paid_status in UNPAID and o.paid is not None:
                run.problem(o.src.at("付清日期"), "E_ORDER_PAID", f"订单 {o.order}：付款状态为「{o.paid_status}」却填写了付清日期")
                continue
            if o.paid_status not in PAID + UNPAID:
                run.problem(o.src.at("付款状态"), "E_BAD_STATUS",
                            f"订单 {o.order}：付款状态「{o.paid_status}」应为 已付清、未付清 或 部分付款")
                continue
            if o.paid_status and o.paid_status not in UNPAID and o.paid is None:
                run.problem(o.src.at("付清日期"), "E_REQUIRED", f"订单 {o.order}：已付清的订单须填写付清日期")
                continue
            if not noted:
                run.problem(o.src.at("备注"), "W_ORDER_NO_ID", f"订单 {o.order}：备注中没有工号 {sid}，不计提成（D-11）", WARNING)
            reason = re.sub(r"\s+", "", o.note.replace(sid, "")) if sid else o.note
            if o.discount and o.discount <= limit and not reason:
                run.problem(o.src.at("备注"), "W_DISCOUNT_NO_NOTE",
                            f"订单 {o.order}：优惠 {_fmt(o.discount)} 元须在备注中说明原因（D-11）", WARNING)
            if o.discount > limit and not o.approver:
                run.problem(o.src.at("审批人"), "W_DISCOUNT_NO_APPROVER",
                            f"订单 {o.order}：优惠 {_fmt(o.discount)} 元超过 {_fmt(limit)} 元，须领导审批（D-11）", WARNING)
            if o.paid is None or Month.of(o.paid) > month:
                person.add(Line(sid, rule.code, ZERO, ZERO, CAT_INFO, o.date,
                                f"订单 {o.order} {_fmt(o.amount)} 元未付清：提成在付清当月计入", rule.rule.source))
        if not (paid_now or late) or not noted or o.paid_status in UNPAID:
            continue
        if not all(c.test(o.margin) for c in rule.params.conds if c.ref == "毛利率"):
            need = "、".join(f"{c.ref}{c.op}{c.raw_hint}" for c in rule.params.conds if c.ref == "毛利率")
            run.problem(o.src.at("毛利率"), "W_ORDER_MARGIN",
                        f"订单 {o.order}：毛利率不满足「{rule.code}」的条件（{need}），不计提成", WARNING)
            continue
        base = o.amount - o.discount
        rate = _rate(rule)
        when = f"{o.date.isoformat()} 下单，{o.paid.isoformat()} 付清"
        if late:
            when += f"；{Month.of(o.paid)} 已月结，计入本月"
            run.problem(o.src.at("付清日期"), "W_CARRIED",
                        f"订单 {o.order} 的付清日期在已月结的 {Month.of(o.paid)}，提成计入 {month}", WARNING)
        person.add(Line(sid, rule.code, ZERO, money(base * rate), CAT_COMMISSION, o.paid,
                        f"订单 {o.order}：实付 {_fmt(base)} × {_fmt(rate * 100)}%（{when}）", rule.rule.source))
        person.count(rule.code, Decimal(1), base)
        person.counters[PAID_KEY + o.order] = [Decimal(1), base]
