"""Every problem code, in one table: its severity and what it means, in Chinese.

A `model.Problem` carries one of these codes (stable: CONTRACT.md, tests and
HR's own notes refer to them) and a message naming the cell's value.  A new
check adds its code here first; tests/test_problems.py fails on a code used in
kefu_xl/ that this table does not know, and on one it lists that nothing uses.
E_* are errors (nothing is written) and W_* warnings (the close goes on), except
where a message says it was worked around (E_YEAR_GRADE): the Problem's severity decides.
"""
from __future__ import annotations

from typing import Dict

CODES: Dict[str, str] = {
    # ------------------------------------------------------------ sheets and cells
    "E_SHEET_MISSING": "缺少必需的工作表",
    "E_HEADER_MISSING": "找不到表头行",
    "E_COLUMN_MISSING": "缺少必需的列",
    "E_MERGED": "数据区有合并单元格",
    "E_CELL_ERROR": "单元格是错误值（#N/A、#DIV/0! 等）",
    "E_REQUIRED": "必填的单元格为空",
    "E_NOT_NUMBER": "应填数字",
    "E_BAD_DATE": "日期无法识别",
    "E_BAD_MONTH": "月份无法识别",
    "E_BAD_BOOL": "应填 是 或 否",
    "E_OUT_OF_RANGE": "数值超出允许范围",
    # ------------------------------------------------------------ 员工 / 等级
    "E_DUPLICATE_STAFF": "工号重复",
    "E_STAFF_VALUE": "员工信息的值无法使用",
    "W_LEFT_NO_DATE": "已离职但没有离职日期",
    "W_NO_GROUP": "没有填写组别",
    "E_DUPLICATE_TIER": "等级重复",
    "E_TIER_VALUE": "等级表的值无法使用",
    "E_UNKNOWN_TIER": "员工的等级不在「等级」表中",
    "E_PAY_NO_TIER": "等级在「等级」表中没有，基本工资按 0 计算",
    "E_YEAR_GRADE": "年度考核等级无法识别",
    # ------------------------------------------------------------ 事件
    "E_UNKNOWN_STAFF": "工号不在「员工」表中",
    "E_STAFF_LEFT": "事件日期时员工不在职",
    "E_BEFORE_HIRED": "事件日期早于入职日期",
    "E_UNKNOWN_RULE": "规则代码不在本方案中",
    "E_BAD_QTY": "数量不正确",
    "E_BAD_STATUS": "状态无法识别",
    "E_BAD_RATING": "评级无法识别",
    "E_BAD_SANCTION": "处分种类不在允许的范围内",
    "E_PHYSICAL": "体罚类处分一律不允许（DOMAIN §9）",
    "E_DATE_RANGE": "事件日期与考核月份相差过远",
    "E_NO_PUBLISH_DATE": "公示中的事件没有公示日期",
    "E_VALUE_REQUIRED": "本规则需要填写分值或金额",
    "E_VALUE_NOT_ALLOWED": "本规则的分值或金额是固定的，不能手填",
    "E_POINTS_NOT_ALLOWED": "本规则的分值由规则计算，不能手填",
    "W_PENDING": "事件未生效（待审、公示中、异议中），本次不计入",
    "W_RATING_TWICE": "同一评级项本月填写了多次",
    "W_MISSING_RATING": "缺少评级，按 0 分计",
    "W_MISSING_METRIC": "缺少指标值",
    # ------------------------------------------------------------ 订单 / 周计划 / 流程 / 激励券 (issue 18)
    "E_DUPLICATE_ORDER": "订单号重复",
    "E_ORDER_PAID": "付款状态与付清日期不符",
    "W_ORDER_NO_RULE": "有本月订单，但方案没有订单提成类规则",
    "W_ORDER_NO_ID": "订单备注中没有工号，不计提成（D-11）",
    "W_ORDER_MARGIN": "订单毛利率不满足提成规则的条件，不计提成",
    "W_DISCOUNT_NO_NOTE": "订单优惠须在备注中说明原因（D-11）",
    "W_DISCOUNT_NO_APPROVER": "订单优惠超过限额，须领导审批（D-11）",
    "E_DUPLICATE_WEEK": "同一人同一周的周计划重复",
    "E_LATE_STEP": "流程步骤超过时限",
    "W_LATE_STEP": "流程步骤超过时限",
    "W_DECIDED_STILL_DISPUTED": "异议已处理完，状态仍为异议中",
    "E_BANK_OVERDRAFT": "兑换超过余额（E-1）",
    "E_LEADER_NOT_ALLOWED": "规则没有领导连带处罚，不能填写失职领导",
    "E_NO_GROUP": "团队奖按组别发放，但员工没有组别",
    "W_TEAM_AWARD_TWICE": "同一组同一期的团队奖记录了多次",
    "E_RULE_NOT_EVENT": "这条规则不能在「事件」表中记录",
    # ------------------------------------------------------------ 节假日 / 结转
    "E_BAD_DAY_KIND": "「节假日」表的类型应为 班、休 或 调休",
    "W_DAY_TWICE": "同一日期在「节假日」表出现多次",
    "W_CALENDAR_YEAR": "该年的法定节假日不在日历库中，按周一至周五计算",
    "E_CARRY": "「结转」表的行被改坏",
    "W_CARRIED": "已月结月份未计入的事件，本次计入",
    "W_CARRY_STAFF": "结转的事件其员工本月不在职，无法计入",
    # ------------------------------------------------------------ 指标 / 导入映射
    "E_METRIC_DUPLICATE": "「指标」表中同一人同一指标重复",
    "E_METRIC_TWICE": "指标既在「事件」填写，又从「指标」导入",
    "W_METRIC_MAPPED_TWICE": "同一指标由多列导入，只用第一列",
    "E_MAPPING": "导入映射没有指标代码也没有规则",
    "W_MAPPING_CODE": "导入映射的指标代码不是方案的指标类规则",
    # ------------------------------------------------------------ 规则 / 参数
    "E_RULE_KIND": "规则类型无法识别",
    "E_RULE_PARAM": "规则参数无法识别或互相矛盾",
    "E_RULE_REF": "规则引用了不存在的代码或指标",
    "E_RULE_DUPLICATE": "规则代码重复",
    "E_NO_RULES": "方案没有启用的规则",
    "E_NO_MONTH": "没有指定月份",
    "E_NO_SCHEME": "没有选择方案",
    "E_UNKNOWN_SCHEME": "方案不存在",
    "E_SETTING_VALUE": "参数的值无法识别",
    "E_SETTING_RANGE": "参数的值超出合理范围",
    "W_SETTING_DUPLICATE": "同一参数在同一生效月份有多行",
    "W_SETTING_UNUSED": "这一参数已不再使用",
    # ------------------------------------------------------------ 小红花 (C-7)
    "E_FLOWER_ISSUER": "小红花的发放人无法确认",
    "E_FLOWER_QTY": "小红花数量不正确",
    "E_FLOWER_QUOTA": "小红花超出每月限额",
    "W_FLOWER_LEADER": "参数 小红花领导 中的人无法确认",
    "W_FLOWER_SELF": "给自己发小红花",
    # ------------------------------------------------------------ 历史 / 封存 / 工资
    "E_HISTORY": "「历史」表的行被改坏",
    "E_PAY_HISTORY": "「工资历史」表的行被改坏",
    "E_SEALED_EDIT": "已月结月份的事件被修改",
    "W_SEALED_INPUT": "已月结月份用过的输入被修改",
    "E_PAYSLIP_NO_PASSWORD": "无法为工资条设置密码",
    "E_PAYSLIP_ID_TAIL": "身份证后六位不正确，无法设置工资条密码",
    "W_PAYSLIP_WEAK_PASSWORD": "工资条密码过于简单",
    "W_DYNAMIC_ARRAY": "KEFU 函数已不是动态数组公式（文件被其他软件另存过）",
}
