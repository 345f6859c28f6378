"""The shipped schemes: every rule of the policy documents as a 规则 row.

Each row cites the DOMAIN.md rule ID it implements in 来源 (several IDs are
separated by commas).  Rows are plain dicts keyed by the schema column keys,
so the template builder writes them as they are and HR can edit them.

Schemes (参数 方案, or ``kefu-xl init --scheme``):

    tmall-1         天猫方案一: 激励券 points, sanctions, group fines (A1-*)
    tmall-30        天猫方案二: 30 points a month, warnings, bonus cuts (A2-*)
    aftersales-130  售后 130 分 KPI (K-*), pass line 70%
    classic-100     2011 版 100 分制: base 80, cap 100 (B-*)
    incentive       激励与纪律: pay-linked incentives and discipline from the
                    C, D and E documents (C-1…C-8, D-4…D-11, E-2, E-3, E-5)
"""
from __future__ import annotations

from typing import Dict, List

from ..core.settings import SPECS

SCHEMES = {
    "tmall-1": "天猫方案一（激励券与处分）",
    "tmall-30": "天猫方案二（每月30分制）",
    "aftersales-130": "售后客服130分KPI",
    "classic-100": "客服绩效评分标准2011版（100分制）",
    "incentive": "激励与纪律（提成、排名奖、违纪阶梯）",
    "kpi-card": "售前KPI考核卡（加权评分）",
}
DEFAULT_SCHEME = "tmall-30"


def R(scheme, code, name, kind, source, points="", amount="", params="", metric="", component="", window="",
      scope="", cap=None, floor=None, title="", category="", unit="", note="", enabled="是") -> Dict:
    return {"scheme": scheme, "code": code, "name": name, "kind": kind, "points": points, "amount": amount,
            "params": params, "metric": metric, "component": component, "window": window, "scope": scope,
            "cap": cap, "floor": floor, "title": title, "category": category, "unit": unit, "enabled": enabled,
            "source": source, "note": note}


_T1 = "tmall-1"
_T30 = "tmall-30"
_K = "aftersales-130"
_B = "classic-100"
_I = "incentive"
_C = "kpi-card"

RULES: List[Dict] = [
    # ------------------------------------------------------------ 天猫方案一 (A1)
    R(_T1, "业绩", "店铺业绩（成交金额）", "指标", "A1-1", note="每月每人一行，金额=业绩"),
    R(_T1, "连续第一", "业绩连续两个月第一", "连续", "A1-1", metric="业绩", category="记录",
      params="月数=2;名次=1;提示=连续两个月业绩第一：可选任意一天带薪休假"),
    R(_T1, "表现突出", "工作表现突出", "计次", "A1-2", amount="自定", category="奖金",
      params="提示=工作表现突出：奖金或提干机会", note="金额由 HR 决定，可为 0（仅记录提干机会）"),
    R(_T1, "建议采纳", "意见建议被采纳", "计次", "A1-3", points="3~10", note="激励券 3–10 分，HR 在分值列填写"),
    R(_T1, "案例分享", "周会分享销售案例", "计次", "A1-4", points="3~10"),
    R(_T1, "积极回复", "部门群内积极回复", "计次", "A1-5", points="3~5"),
    R(_T1, "日常及时", "日常工作及时有效完成（每周）", "计次", "A1-6", points="3~5"),
    R(_T1, "周计划达标", "周计划连续四周完成80%以上", "周计划", "A1-7", amount="200", category="奖金",
      params="完成率>=80%;周数=4;归属=周四",
      note="读「周计划」表；连续4周（跨月连续计算）发一次；跨月的周归周四所在月份；金额示例，HR 设定"),
    R(_T1, "特殊贡献", "其他特殊贡献", "计次", "A1-8", amount="自定", category="奖金"),
    R(_T1, "处分种类", "允许的处分种类", "处分", "A1-9", params="开除;记过;警告;通报批评;赔偿;乐捐",
      note="事件的评价列可填处分种类；下蹲等体罚一律拒绝（DOMAIN §9）"),
    R(_T1, "未落实要求", "客户要求未落实", "计次", "A1-10", amount="自定", category="罚款",
      note="评价列填处分种类，金额列填乐捐/赔偿金额（可空）"),
    R(_T1, "服务怠慢", "服务怠慢导致退款或中差评", "计次", "A1-11", amount="自定", category="罚款"),
    R(_T1, "触犯红线", "触及天猫警戒线", "计次", "A1-12", points="通报批评", amount="自定", category="罚款",
      note="不论是否造成影响：通报批评并乐捐"),
    R(_T1, "红线赔偿", "触及警戒线造成不良影响的赔偿", "计次", "A1-12", amount="自定", category="赔偿"),
    R(_T1, "失职", "未履行或不正确履行职责、上班娱乐", "计次", "A1-13", amount="自定", category="罚款"),
    R(_T1, "拖延处理", "售前售后问题长期拖延", "计次", "A1-14", amount="自定", category="罚款"),
    R(_T1, "售后放任", "售后问题放任不管导致无法解决", "计次", "A1-15", amount="全组100;全组100;全组100+劝退",
      window="累计", category="罚款", note="每次全组组员各罚100元；累计3次劝退"),
    R(_T1, "售后未跟进", "售后问题不跟进或不上报", "计次", "A1-16", amount="100;100;全组200", window="累计",
      category="罚款", note="每次罚100元；累计第3次起全组组员各罚200元"),

    # ------------------------------------------------------------ 天猫方案二 (A2)
    R(_T30, "基础分", "每月基础分", "基础分", "A2-1", points="30"),
    R(_T30, "业绩", "月度绩效（接单成交金额等）", "指标", "A2-2", note="按成交金额、转化率、流失率综合后的业绩值"),
    R(_T30, "业绩排名", "月底业绩前三名", "排名", "A2-2", metric="业绩", params="1:5;2:3;3:1", title="金牌客服"),
    R(_T30, "少扣分", "一个月扣分不超过2次", "条件", "A2-3", points="3", params="扣分次数<=2", title="月度表彰"),
    R(_T30, "成交金额", "接单成交金额", "指标", "A2-2"),
    R(_T30, "转化率", "询单转化率", "指标", "A2-2", unit="%"),
    R(_T30, "流失率", "客户流失率", "指标", "A2-2", unit="%"),
    R(_T30, "综合业绩", "三项业绩加权（成交金额、转化率、流失率）", "综合业绩", "A2-2",
      params="成交金额:50%;转化率:30%;流失率:20%;低者优先=流失率",
      note="每项按本月最好100、最差0线性折算后加权；权重 HR 设定"),
    R(_T30, "综合排名", "月底综合业绩前三名", "排名", "A2-2", metric="综合业绩", params="1:5;2:3;3:1", title="金牌客服",
      enabled="否", note="启用此行并停用「业绩排名」，即按三项指标综合排名（代替手填的一个业绩值）"),
    R(_T30, "好评表扬", "客户在好评中着重表扬", "计次", "A2-4", points="3"),
    R(_T30, "汇报问题", "及时汇报重大问题", "计次", "A2-5", points="5"),
    R(_T30, "好建议", "好的建议及解决措施", "计次", "A2-6", points="3"),
    R(_T30, "超分奖金", "25分以上每分奖金比例", "超额", "A2-7", metric="得分", params="基数=25;比例=1%",
      note="每超过1分加当月奖金的百分比，比例由 HR 设定"),
    R(_T30, "态度投诉", "服务态度不好或说话轻浮被投诉", "计次", "A2-8", points="警告;-1"),
    R(_T30, "备注不清", "没有备注清楚导致售后问题", "计次", "A2-9", points="警告;-1"),
    R(_T30, "私自降价", "为转化率私自大幅降价", "计次", "A2-10", points="警告;-2"),
    R(_T30, "推卸责任", "推卸责任或转交自己的售后争议", "计次", "A2-11", points="警告;-1"),
    R(_T30, "奖金扣减", "低分扣奖金", "奖金扣减", "A2-12", params="<15:100%;<20:30%;<25:10%",
      note="低于25扣10%；20到15扣30%；低于15奖金取消（20–25之间按10%）"),
    R(_T30, "重大失误", "重大错误导致公司重大损失", "计次", "A2-13", points="-10+留司查看"),

    # ------------------------------------------------------------ 售后130分 (K)
    R(_K, "合格线", "总分130，低于70%（91分）不合格", "合格线", "K-1", params="满分=130;合格分=91",
      note="两份文件都写总分130、70%即91分（所列项目合计不足130）：按原文保留，HR 可改"),
    R(_K, "评定", "考核等级", "评定", "D-6", params=">=117:优秀;>=104:良好;>=91:合格;<91:不合格"),
    R(_K, "客服素质", "售后客服素质", "评级", "K-2a", params="优:20;良:15;中:10;差:0"),
    R(_K, "投诉处理", "投诉、维权、举报、退款纠纷处理", "评级", "K-2b", params="优:20;良:15;中:10;差:0"),
    R(_K, "配合度", "配合度", "评级", "K-2c", params="优:20;良:15;中:10;差:0"),
    R(_K, "执行力", "执行力", "评级", "K-2d", params="优:20;良:15;中:10;差:0"),
    R(_K, "退款率", "退款率", "分档", "K-3", unit="%", params="<=5%:30;<=8%:20;<=11%:10;>11%:0",
      note="≤5%得30；5%<X≤8%得20；8%<X≤11%得10；11%以上0"),
    R(_K, "出勤", "出勤率", "维度", "K-4", points="20", cap=20, floor=0, note="全勤20分，扣完为止"),
    R(_K, "迟到", "迟到", "计次", "K-4", points="-5", component="出勤"),
    R(_K, "请假", "请假", "计次", "K-4", points="-5", component="出勤"),
    R(_K, "旷工", "旷工", "计次", "K-4", points="-10", component="出勤"),
    R(_K, "低质评价", "售后原因导致低质评价", "计次", "K-5", points="-5"),
    R(_K, "客户投诉", "客户投诉（查实）", "计次", "K-6", points="-20~-5", note="HR 视情况填写 5–20"),
    R(_K, "客户表扬", "客户表扬", "计次", "K-7", points="2"),
    R(_K, "表现突出", "表现突出（态度、进步、学习）", "计次", "K-7b", points="2~5"),

    # ------------------------------------------------------------ 100分制 2011 (B)
    R(_B, "基础分", "每月基础积分", "基础分", "B-1", points="80"),
    R(_B, "满分", "每月满分100，超过按100计", "封顶", "B-1", cap=100),
    R(_B, "评定", "考核等级", "评定", "D-6", params=">=90:优秀;>=80:良好;>=60:合格;<60:不合格"),
    R(_B, "末位预警", "连续两个月最后一名且低于60分", "连续", "B-2", category="记录",
      params="月数=2;名次=末位;得分<60;重复=每月;提示=连续两个月最后一名且低于60分：公司可解雇、调岗或降薪培训"),
    R(_B, "销售额", "销售额", "指标", "B-3"),
    R(_B, "销售第一", "销售额第一名优秀奖（根据扣加分结果）", "排名", "B-3", metric="销售额", params="1:300;得分>=60",
      category="奖金", title="优秀奖", note="在扣加分结果合格（得分≥60）的人中按销售额排第一；条件 HR 可改"),
    R(_B, "主管扣分", "主管按扣分标准扣分", "计次", "B-1", points="-20~-1", note="主管根据扣加分标准打分，HR 填写 1–20"),
    R(_B, "额外工作", "非客服本职工作（每工作单）", "计次", "B-4", points="1~5"),
    R(_B, "考试满分", "客服考试满分（每次5分）", "考试", "B-4b,B-7", params="科目=客服;>=100%:5",
      note="读「考试」表：科目为客服且满分的每次考试 +5"),
    R(_B, "考试奖金", "考试成绩影响绩效奖金", "考试", "B-7", params=">=90%:50", category="奖金", enabled="否",
      note="示例：得分率90%以上奖50元；文件未给金额，HR 设定后启用"),
    R(_B, "主动顶班", "人手不够时主动顶班", "计次", "B-4c", points="5"),
    R(_B, "零成本售后", "客户满意且零成本处理售后", "计次", "B-4d", points="5"),
    R(_B, "额外任务", "完成上级额外工作", "计次", "B-4e", points="5"),
    R(_B, "满意度", "客户满意度（满意及以上）", "指标", "B-4f", unit="%"),
    R(_B, "满意度奖", "满意度90%以上", "条件", "B-4f", points="5", params="满意度>=90%"),
    R(_B, "管理建议", "客服团队管理合理化建议（试行有效）", "计次", "B-4g", points="10"),
    R(_B, "难题处理", "难缠客户处理意见被采纳", "计次", "B-4h", points="5"),
    R(_B, "订单礼品", "订单金额送礼品（对客户，仅记录）", "分档", "B-6", category="记录",
      params=">=2000:礼品C类;>=1000:礼品B类;>=500:礼品A类", note="金额=订单金额；不计分，仅说明应送礼品"),
    R(_B, "流程时限", "打分公示与异议时限", "流程时限", "B-5", params="超时=警告",
      note="公示后1天内可提出异议（参数表 异议天数）；公示天数按参数表；记录、审核时限按默认（24小时、3工作日）"),
    R(_B, "迟到早退", "迟到或早退（记录）", "计次", "B-4i", points="0", note="只记录次数，用于全勤判断"),
    R(_B, "请假", "请假（记录）", "计次", "B-4i", points="0", note="数量=天数；只记录，用于全勤判断"),
    R(_B, "旷工", "旷工（记录）", "计次", "B-4i", points="0", note="数量=天数；只记录，用于全勤判断"),
    R(_B, "全勤", "无迟到早退全勤", "条件", "B-4i", points="5", params="整月在职=1;迟到早退=0;请假=0;旷工=0",
      note="整月在职且无迟到、早退、请假、旷工记录；分值由 HR 设定"),

    # ------------------------------------------------------------ 激励与纪律 (C, D, E)
    R(_I, "基础分", "每月基础分", "基础分", "D-6", points="80", note="示例基础分，HR 可改"),
    R(_I, "满分", "每月满分100", "封顶", "D-6", cap=100, floor=0),
    R(_I, "考核扣分", "主管按考核标准扣分", "计次", "D-6", points="-20~-1", note="主管根据考核标准打分，HR 填写 1–20"),
    R(_I, "评定", "五级考核", "评定", "D-6", params=">=95:优秀;>=85:良好;>=70:合格;>=60:基本合格;<60:不合格"),
    R(_I, "合格线", "考核及格线", "合格线", "D-7", points="60"),
    R(_I, "连续第一", "连续3个月考核排名第一", "连续", "D-7", amount="200", category="奖金",
      params="月数=3;名次=1", note="一次性200元；每连续满3个月发一次"),
    R(_I, "连续不及格", "连续2个月考核不及格", "连续", "D-7", category="记录",
      params="月数=2;合格=否;重复=每月;提示=连续两个月考核不及格：按制度自动请辞，请 HR 处理"),
    R(_I, "缺岗天数", "考评期内未到岗天数", "排除", "D-8", window="季", params="缺岗天数>60",
      note="金额列填当月缺岗天数；本季累计超过60天（2个月）不参与考核排名"),
    R(_I, "个人销售", "个人销售额（订单备注工号）", "计次", "D-4,D-11", amount="1%", category="提成",
      note="金额=销售额；未备注工号的订单不计提成（D-11）；比例示例，HR 可改"),
    R(_I, "公共销售", "公共销售提成", "公共提成", "D-5", amount="0.5%", note="工号填「全体」，金额=公共销售总额"),
    R(_I, "无关事务", "上班做与工作无关的事（QQ、私聊、视频、游戏、装软件）", "计次", "D-10",
      amount="警告+10;30;开除", window="累计", category="罚款", params="领导连带=同等",
      note="事件的失职领导列填写发现未处理的领导工号：领导受同等处罚"),
    R(_I, "视频游戏", "上班看视频、玩游戏", "计次", "D-10b,D-10", amount="警告;30", window="累计", category="罚款",
      params="领导连带=同等"),
    R(_I, "拒不遵守", "违纪后拒不遵守", "计次", "D-10b", points="开除", note="开除处理，由 HR 执行"),
    R(_I, "零食喧哗", "上班吃零食或大声谈论无关事情", "计次", "D-10c,D-10", amount="警告;10", window="累计",
      category="罚款", params="领导连带=同等"),
    R(_I, "服务投诉", "因服务原因被客户投诉", "计次", "D-10d", amount="30;60;开除", window="累计", category="罚款",
      note="第一次30元，第二次翻倍，第三次开除"),
    R(_I, "销售增长", "阶段目标：销售额增长奖励", "增长", "C-1", metric="个人销售", category="奖金",
      params="基数=10000;2000:100", note="比上月（无历史时比基数）增长2000元以上奖励100元"),
    R(_I, "服务积分", "服务积分（出差项目）", "指标", "C-2"),
    R(_I, "超额积分", "服务积分超过17分每分270元", "超额", "C-2", metric="服务积分", amount="270", category="奖金",
      params="基数=17;扣减=安全事故×2", note="每次安全事故从当月服务积分中扣2分后再计超额（C-3）"),
    R(_I, "安全事故", "安全事故（扣2个服务积分）", "计次", "C-3", points="0", note="扣的是服务积分，见 超额积分 的 扣减"),
    R(_I, "返工", "本人原因造成二次服务", "返工", "C-9", metric="服务积分", params="评价=本人返工",
      note="服务积分按每次上门记一行；本人原因的二次上门在评价列填「本人返工」，该次不计工分"),
    R(_I, "季度排名", "季度考核前3名1500元，第4–8名1000元", "排名", "C-4", metric="得分", window="季",
      params="1-3:1500;4-8:1000", category="奖金"),
    R(_I, "备件35", "备件销售提成（毛利≥35%）", "计次", "C-5", amount="3%", category="提成", note="全额付款后"),
    R(_I, "备件50", "备件销售提成（毛利≥50%）", "计次", "C-5", amount="5%", category="提成", note="全额付款后"),
    R(_I, "订单提成", "订单提成（备注工号、付清后计）", "订单提成", "D-11,C-5", amount="1%", params="免审优惠=30",
      note="读「订单」表：备注须有工号；优惠≤30须备注说明，>30须审批人；付清当月计提成；比例示例"),
    R(_I, "备件订单35", "备件订单提成（毛利≥35%）", "订单提成", "C-5", amount="3%", params="毛利率>=35%",
      note="订单的规则列填此代码；全额付款当月按实付的3%提成"),
    R(_I, "备件订单50", "备件订单提成（毛利≥50%）", "订单提成", "C-5", amount="5%", params="毛利率>=50%"),
    R(_I, "成本节约", "核实的成本节约", "计次", "C-6", amount="200~500", category="奖金"),
    R(_I, "无返工", "项目半年无返工", "计次", "C-6b", amount="30", category="奖金"),
    R(_I, "缺记录单", "未签收服务记录单", "计次", "C-6c", amount="100", category="罚款"),
    R(_I, "个人原因投诉", "个人原因导致客户投诉或强烈不满", "计次", "C-6d", amount="200", category="罚款"),
    R(_I, "小红花", "小红花", "小红花", "C-7", amount="100",
      params="组长每月=2;其他每月=30;有效月数=3;年度前=3", note="每月每位领导发2朵，其他管理人员共30朵；3个月有效"),
    R(_I, "工龄奖", "满一年后每月工龄工资", "工龄奖", "C-8", amount="100", category="奖金", params="满月数=12",
      note="入职满12个月（以月末计）起每月100元；与等级表的工龄工资二选一，避免重复"),
    R(_I, "生日", "生日礼金", "生日", "C-8", amount="100", category="奖金", note="员工表出生日期所在月份发100元"),
    R(_I, "办公室奖", "最美办公室（每季度团队经费）", "团队奖", "C-8", amount="300", category="奖金", params="发放=平分",
      window="季",
      note="每季度评一次：事件填获奖组任一成员；发放=平分 分给该组在职成员，=团队经费 只记录不发个人"),
    R(_I, "满意度", "客户满意度", "指标", "E-2,C-8", unit="%"),
    R(_I, "及时率", "工单处理及时率", "指标", "E-2", unit="%"),
    R(_I, "最佳服务", "满意度100%最佳服务奖", "条件", "C-8", category="记录", params="满意度>=100%;提示=最佳服务奖：100元商品"),
    R(_I, "服务之星", "月度服务之星", "条件", "E-2", points="5", title="服务之星",
      params="满意度>=98%;及时率>=100%;服务投诉=0;个人原因投诉=0", note="任何有效投诉（D-10d、C-6d）都不能评选"),
    R(_I, "创新案例", "创新服务案例", "计次", "E-3", points="0", note="季度服务标兵的条件之一"),
    R(_I, "服务标兵", "季度服务标兵", "条件", "E-3", points="10", amount="800", category="奖金", window="季",
      title="服务标兵", params="服务之星>=1;创新案例>=1", note="季末：本季度至少一次服务之星且有创新服务案例"),
    R(_I, "客户致谢", "客户主动致谢案例（锦旗、长信）", "计次", "E-4", points="0"),
    R(_I, "服务楷模", "年度服务楷模", "条件", "E-4", window="年", title="服务楷模", category="记录",
      params="服务之星>=1;客户致谢>=2;服务投诉=0;个人原因投诉=0;提示=年度服务楷模：晋升优先资格、年度旅游名额"),
    R(_I, "特别贡献", "特别贡献奖", "计次", "E-5", amount="2000~5000", category="奖金"),

    # ------------------------------------------------------------ 售前 KPI 考核卡 (the common Excel template, A2-2)
    R(_C, "KPI转化", "询单转化率（权重40%）", "KPI卡", "A2-2", metric="询单转化率", params="权重=40%;区间=30%~50%",
      note="30%得0分，50%及以上得100分，之间按比例；读「指标」表或事件中的同名指标"),
    R(_C, "KPI支付", "支付率（权重25%）", "KPI卡", "A2-2", metric="下单付款率", params="权重=25%;区间=80%~95%"),
    R(_C, "KPI客单", "落实客单价（权重5%）", "KPI卡", "A2-2", metric="客单价", params="权重=5%;区间=100~200"),
    R(_C, "KPI首响", "首次响应时间（权重10%）", "KPI卡", "A2-2", metric="首次响应时长(秒)",
      params="权重=10%;区间=30~10", note="越短越好：30秒0分，10秒及以内100分"),
    R(_C, "KPI平响", "平均响应时间（权重10%）", "KPI卡", "A2-2", metric="平均响应时长(秒)",
      params="权重=10%;区间=60~25"),
    R(_C, "主管评分", "主管评分（其余10%）", "计次", "A2-2", points="0~10", note="其余10分由主管评定，HR 在分值列填写"),
    R(_C, "评定", "KPI等级", "评定", "D-6", params=">=90:优秀;>=80:良好;>=60:合格;<60:不合格"),
    R(_C, "合格线", "KPI合格线", "合格线", "D-6", points="60"),
    R(_I, "优质服务", "经核实的优质服务（可兑换积分）", "积分存入", "E-1", points="10~50", params="账户=兑换积分",
      note="积分存入个人账户，不计入当月得分；跨月累计"),
    R(_I, "积分兑换", "积分兑换（培训、调休、商品）", "积分兑换", "E-1", points="自定", params="账户=兑换积分",
      note="分值填兑换的积分；超过余额报错，余额不会为负"),
    R(_I, "小礼品", "日常小礼品", "计次", "E-1", amount="50~200", category="奖金"),
    R(_I, "流程时限", "奖惩流程时限", "流程时限", "E-6,B-5",
      params="记录时限=24小时;审核时限=3工作日;异议时限=3工作日;超时=警告",
      note="记录24小时内、审核3个工作日内、公示期（参数表 公示天数，3个工作日）内可提异议；可加 公示天数=N工作日 只用于本方案；超时=错误 时月结停止"),
]

def M(scheme, column, source_id, metric="", rule="", factor=None, source="", note="") -> Dict:
    return {"scheme": scheme, "source": source, "column": column, "metric": metric, "rule": rule, "factor": factor,
            "status": "", "source_id": source_id, "note": note}


# 导入映射: how the 指标 names of imported exports reach each scheme's rules (HR can edit).  A 指标 name
# equal to a metric rule's code needs no row (退款率 in aftersales-130).
IMPORT_MAP: List[Dict] = [
    M(_T1, "销售额", "A1-1", metric="业绩", note="店铺业绩取导出的销售额"),
    M(_T30, "销售额", "A2-2", metric="业绩", note="月度绩效取导出的销售额"),
    M(_K, "退款率", "K-3", metric="退款率", note="赤兔售前明细等的退款率"),
    M(_K, "迟到次数", "K-4", rule="迟到", factor=1, note="每次迟到一条事件（−5）"),
    M(_K, "事假天数", "K-4", rule="请假", factor=1, note="每天事假一条请假（−5）"),
    M(_K, "病假天数", "K-4", rule="请假", factor=1, note="每天病假一条请假（−5）"),
    M(_K, "旷工天数", "K-4", rule="旷工", factor=1, note="每天旷工一条事件（−10）"),
    M(_K, "旷工次数", "K-4", rule="旷工", factor=1, note="企业微信：每次旷工一条事件（−10）"),
    M(_B, "销售额", "B-3", metric="销售额"),
    M(_B, "满意率", "B-4f", metric="满意度", note="平台的满意率即满意及以上的比例"),
    M(_B, "迟到次数", "B-4i", rule="迟到早退", factor=1, note="全勤判断：迟到早退=0"),
    M(_B, "早退次数", "B-4i", rule="迟到早退", factor=1),
    M(_B, "事假天数", "B-4i", rule="请假", factor=1, note="全勤判断：请假=0（数量=天数）"),
    M(_B, "病假天数", "B-4i", rule="请假", factor=1),
    M(_B, "旷工天数", "B-4i", rule="旷工", factor=1, note="全勤判断：旷工=0"),
    M(_B, "旷工次数", "B-4i", rule="旷工", factor=1),
    M(_I, "满意率", "E-2,C-8", metric="满意度"),
]


def import_map_rows(scheme: str = "") -> List[Dict]:
    """Preset 导入映射 rows, of one scheme or of all."""
    return [dict(r) for r in IMPORT_MAP if not scheme or r["scheme"] == scheme]


TIERS: List[Dict] = [
    {"tier": "实习", "base_pay": 3000, "bonus_rate": "10%", "promote_to": "初级", "promote_months": 3},
    {"tier": "初级", "base_pay": 4000, "bonus_rate": "15%", "seniority_step": 50, "seniority_cap": 500,
     "promote_to": "中级", "promote_months": 3},
    {"tier": "中级", "base_pay": 5000, "bonus_rate": "25%", "skill_allowance": 1000, "seniority_step": 50,
     "seniority_cap": 500, "promote_to": "高级", "promote_months": 12},
    {"tier": "高级", "base_pay": 6000, "bonus_rate": "25%", "skill_allowance": 1500, "seniority_step": 50,
     "seniority_cap": 500, "promote_to": "资深", "promote_months": 24},
    {"tier": "资深", "base_pay": 7000, "bonus_rate": "30%", "skill_allowance": 2000, "seniority_step": 50,
     "seniority_cap": 500},
    {"tier": "普通售后", "base_pay": 2000, "bonus_rate": "20%", "promote_to": "高级售后", "promote_months": 12},
    {"tier": "高级售后", "base_pay": 2500, "bonus_rate": "20%", "promote_to": "售后组长", "promote_months": 24},
    {"tier": "售后组长", "base_pay": 3000, "bonus_rate": "20%"},
]



def rule_rows(scheme: str = "") -> List[Dict]:
    """Preset rule rows, of one scheme or of all."""
    return [dict(r) for r in RULES if not scheme or r["scheme"] == scheme]


def tier_rows() -> List[Dict]:
    return [dict(t) for t in TIERS]


def setting_rows(scheme: str = DEFAULT_SCHEME, month: str = "2026-11") -> List[Dict]:
    """The 参数 rows of a new workbook: 月份, 方案, then every listed setting at its default."""
    rows = [
        {"key": "月份", "value": month, "note": "本次月结的月份，如 2026-11"},
        {"key": "方案", "value": scheme, "note": "、".join(f"{k} {v}" for k, v in SCHEMES.items())},
    ]
    for spec in SPECS:
        if spec.listed:
            row = {"key": spec.key, "value": spec.default, "note": spec.note}
            if spec.key == "最低工资":
                row["since"] = "2024-01"  # the Zhejiang figure's date
            rows.append(row)
    return rows
