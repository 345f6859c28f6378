"""The command line: kefu-xl demo | init | check | close | import | reopen | payslips.

Exit status (CONTRACT.md): 0 done, 1 input errors (nothing written),
2 refused (month already closed, workbook open in Excel/WPS, bad file).
"""
from __future__ import annotations

import argparse
import sys
import unicodedata
from pathlib import Path
from typing import TYPE_CHECKING, List, Optional, Sequence

from .. import __version__
from ..core.exits import EXIT_INPUT, EXIT_OK, EXIT_REFUSED

if TYPE_CHECKING:  # each command imports what it uses when it runs: `--help` and `--version` stay fast
    from ..core.model import Month, Problem


def _width(s: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in s)


def _pad(s, w: int, right: bool = False) -> str:
    s = "" if s is None else str(s)
    fill = " " * max(0, w - _width(s))
    return fill + s if right else s + fill


def table(headers: Sequence[str], rows: List[Sequence], right: Sequence[int] = ()) -> str:
    widths = [max([_width(str(h))] + [_width("" if r[i] is None else str(r[i])) for r in rows]) for i, h in
              enumerate(headers)]
    out = ["  ".join(_pad(h, widths[i], i in right) for i, h in enumerate(headers))]
    out.append("  ".join("-" * w for w in widths))
    for r in rows:
        out.append("  ".join(_pad(r[i], widths[i], i in right) for i in range(len(headers))))
    return "\n".join(out)


def format_problems(problems: Sequence[Problem]) -> str:
    rows = [("错误" if p.is_error else "提示", p.sheet, p.row or "", p.column, p.message) for p in problems]
    return table(("级别", "工作表", "行", "列", "说明"), rows)


def _month_arg(text: Optional[str]) -> Optional[Month]:
    if text is None:
        return None
    from ..core.values import month as parse_month
    try:
        return parse_month(text)
    except ValueError as e:
        raise argparse.ArgumentTypeError(str(e))


def _fail(msg: str, code: int = EXIT_REFUSED) -> int:
    print(msg, file=sys.stderr)
    return code


def ranking_text(plan) -> str:
    pays = plan.pay_by_id()
    rows = []
    for p in plan.result.people:
        pay = pays.get(p.staff.id)
        rows.append((p.rank or "-", p.staff.id, p.staff.name, p.staff.group, p.score, p.grade or "", 
                     f"{p.bonus_cut * 100:.0f}%" if p.bonus_cut else "", "、".join(p.titles),
                     pay.gross if pay else "", pay.net if pay else ""))
    return table(("名次", "工号", "姓名", "组别", "得分", "评定", "扣奖金", "称号", "应发", "实发"), rows,
                 right=(0, 4, 8, 9))


# ---------------------------------------------------------------- commands
def cmd_close(args) -> int:
    from ..xlsx import files
    from ..xlsx import workbook as xlsxio
    try:
        plan = files.close_file(args.workbook, _month_arg(args.month), dry_run=args.dry_run)
    except xlsxio.WorkbookError as e:
        return _fail(str(e))
    if args.json:
        import json
        print(json.dumps(plan.as_json(), ensure_ascii=False, indent=1))
    else:
        if plan.problems:
            print(format_problems(plan.problems))
        if plan.refused:
            print(plan.refused, file=sys.stderr)
        elif plan.errors:
            print(f"\n有 {len(plan.errors)} 个错误，未写入任何内容。请修正后重新月结。", file=sys.stderr)
        else:
            print(ranking_text(plan))
            verb = "试算完成（--dry-run，未写入）" if args.dry_run else f"已月结并写入 {args.workbook}"
            print(f"\n{plan.month} {verb}")
    return plan.exit_code


def cmd_check(args) -> int:
    from ..xlsx import files
    from ..xlsx import workbook as xlsxio
    try:
        result, problems = files.check_file(args.workbook, _month_arg(args.month))
    except xlsxio.WorkbookError as e:
        return _fail(str(e))
    errors = [p for p in problems if p.is_error]
    if args.json:
        import json
        print(json.dumps([p.as_json() for p in problems], ensure_ascii=False, indent=1))
    elif problems:
        print(format_problems(problems))
        print(f"\n{len(errors)} 个错误，{len(problems) - len(errors)} 条提示")
    else:
        print(f"{result.month} 检查通过：{len(result.people)} 名员工，没有发现问题")
    return EXIT_INPUT if errors else EXIT_OK


def cmd_init(args) -> int:
    from ..xlsx import files
    try:
        path = files.init_workbook(args.path, args.scheme, args.demo, args.month, args.force)
    except (FileExistsError, FileNotFoundError) as e:
        return _fail(str(e))
    print(f"已创建 {path}")
    return EXIT_OK


def cmd_demo(args) -> int:
    from ..xlsx import demo
    from ..xlsx import files
    from ..xlsx import importing, samples
    out = Path(args.dir or "kefu-demo")
    path = out / "客服绩效-演示.xlsm"
    files.init_workbook(path, demo.DEMO_SCHEME, demo=True, force=True, demo_imports=True)
    plan = None
    for m in demo.DEMO_MONTHS:
        if m == demo.IMPORTED_MONTH:  # this month's 业绩 (A2-2) comes from the shops' exports
            staff = files.load_file(path).book.staff
            rows = [{"id": s.id, "name": s.name, "accounts": ",".join(s.extra.get("accounts", ()))} for s in staff]
            exported = samples.demo_exports(out / "导出", rows, m)
            imp = importing.import_file(path, exported, m)
            if imp.exit_code != EXIT_OK:
                print(format_import_problems(imp.problems))
                return imp.exit_code
            for f in imp.files:
                print(f"{m} 已导入 {f.file}（{f.source}）：{f.people} 人，指标 {f.metrics} 行")
        plan = files.close_file(path, m)
        if plan.exit_code != EXIT_OK:
            print(format_problems(plan.problems))
            return plan.exit_code
        print(f"{m} 已月结")
    print()
    print(ranking_text(plan))
    print(f"\n演示工作簿：{path.resolve()}")
    print("可以用 Excel / WPS / LibreOffice 打开查看「结果」「明细」「工资表」「工资条」等工作表。")
    return EXIT_OK


def cmd_payslips(args) -> int:
    from ..xlsx import files
    from ..xlsx import payslips
    from ..xlsx import lock as locking
    from ..xlsx import workbook as xlsxio
    try:
        with locking.workbook_lock(args.workbook, "工资条") as held:
            plan = files.close_file(args.workbook, _month_arg(args.month), dry_run=True, held=held)
            if plan.errors:
                print(format_problems(plan.problems))
                return EXIT_INPUT
            for p in plan.problems:
                if p.code == "W_SEALED_PAY":  # a sealed month: its payslips are its sealed figures
                    print(p.message, file=sys.stderr)
            problems: List[Problem] = []
            try:
                secret = payslips.payslip_secret()
            except (OSError, ValueError) as e:
                return _fail(f"无法读取或创建工资条密钥（{payslips.secret_dir()}）：{e}")
            month = plan.result.month
            scheme = files.settings_of(args.workbook, month).payslip_passwords
            written = payslips.write_payslips(plan.pays, month, args.out, problems=problems, secret=secret,
                                              scheme=scheme, workbook=args.workbook)
            if any(p.is_error for p in problems):
                print(format_problems(problems))
                print("\n有错误，未生成任何工资条。", file=sys.stderr)
                return EXIT_INPUT
            for p in problems:
                print(p.message, file=sys.stderr)
            files.log_action(args.workbook, "工资条", month, f"生成 {len(written)} 份加密工资条到 {args.out}",
                             held=held)
    except xlsxio.WorkbookError as e:
        return _fail(str(e))
    print(f"已生成 {len(written)} 份加密工资条：{Path(args.out).resolve()}")
    print(f"密码和每人的通知消息在单独的清单中：{payslips.password_list_path(args.out, month)}"
          "（请与工资条分开发送，发完后删除）")
    return EXIT_OK


def cmd_reopen(args) -> int:
    from ..xlsx import files
    from ..xlsx import workbook as xlsxio
    month = _month_arg(args.month)
    try:
        plan = files.reopen_file(args.workbook, month, args.reason)
    except xlsxio.WorkbookError as e:
        return _fail(str(e))
    if plan.refused:
        return _fail(plan.refused)
    print(f"{month} 已重开（原结果已冲销并保留在「历史」）。修正后请重新运行 kefu-xl close --month {month}")
    return EXIT_OK


def format_import_problems(problems) -> str:
    rows = [("错误" if fp.problem.is_error else "提示", fp.file, fp.problem.sheet, fp.problem.row or "",
             fp.problem.column, fp.problem.message) for fp in problems]
    return table(("级别", "文件", "工作表", "行", "列", "说明"), rows)


def cmd_import(args) -> int:
    from ..xlsx import importing
    from ..xlsx import workbook as xlsxio
    try:
        plan = importing.import_file(args.workbook, args.files, _month_arg(args.month), dry_run=args.dry_run,
                                     skip_unknown=args.skip_unknown)
    except xlsxio.WorkbookError as e:
        return _fail(str(e))
    if args.json:
        import json
        print(json.dumps(plan.as_json(), ensure_ascii=False, indent=1))
        return plan.exit_code
    if plan.problems:
        print(format_import_problems(plan.problems))
    rows = [(f.file, f.source, f.month, f.rows, f.people, f.metrics, f.events, f.replaced) for f in plan.files]
    print(table(("文件", "数据源", "月份", "行数", "人数", "指标", "事件", "替换"), rows, right=(3, 4, 5, 6, 7)))
    if plan.refused:
        print(plan.refused, file=sys.stderr)
    elif plan.errors:
        print(f"\n有 {len(plan.errors)} 个错误，未写入任何内容。请修正后重新导入（或加 --skip-unknown 只导入能匹配的行）。",
              file=sys.stderr)
    elif args.dry_run:
        print("\n试导入完成（--dry-run，未写入）")
    elif not plan.changes:
        print("\n没有变化：这些数据已经导入过")
    else:
        print(f"\n已导入到 {args.workbook}")
    return plan.exit_code


def build_parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(prog="kefu-xl", description="客服奖惩、绩效与工资月结（无需 Excel 的命令行）")
    ap.add_argument("--version", action="version", version=f"kefu-xl {__version__}")
    sub = ap.add_subparsers(dest="command", required=True)
    p = sub.add_parser("demo", help="用示例数据建一个工作簿、月结并打印排名和工资")
    p.add_argument("dir", nargs="?", help="输出目录（默认 ./kefu-demo）")
    p.set_defaults(func=cmd_demo)
    p = sub.add_parser("init", help="从模板新建工作簿")
    p.add_argument("path")
    p.add_argument("--scheme", help="方案：tmall-1 / tmall-30 / aftersales-130 / classic-100 / incentive")
    p.add_argument("--demo", action="store_true", help="填入示例员工和事件")
    p.add_argument("--month", help="考核月份，如 2026-11")
    p.add_argument("--force", action="store_true", help="覆盖已有文件")
    p.set_defaults(func=cmd_init)
    p = sub.add_parser("check", help="检查输入，列出所有问题")
    p.add_argument("workbook")
    p.add_argument("--month")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_check)
    p = sub.add_parser("close", help="月结")
    p.add_argument("workbook")
    p.add_argument("--month")
    p.add_argument("--json", action="store_true", help="在标准输出打印 JSON 结果")
    p.add_argument("--dry-run", action="store_true", help="只计算，不写入")
    p.set_defaults(func=cmd_close)
    p = sub.add_parser("import", help="导入店铺平台和考勤系统的导出文件到「指标」「事件」")
    p.add_argument("workbook")
    p.add_argument("files", nargs="+", metavar="FILE", help=".xlsx / .xls / .csv 导出文件")
    p.add_argument("--month", help="计入的月份，如 2026-11（默认取文件中的统计期间）")
    p.add_argument("--json", action="store_true", help="在标准输出打印 JSON 结果")
    p.add_argument("--dry-run", action="store_true", help="只检查，不写入")
    p.add_argument("--skip-unknown", action="store_true", help="认不出的账号或行只提示，导入能匹配的行")
    p.set_defaults(func=cmd_import)
    p = sub.add_parser("reopen", help="重开已月结的月份（冲销原结果，保留历史）")
    p.add_argument("workbook")
    p.add_argument("--month", required=True)
    p.add_argument("--reason", required=True, help="重开原因（写入操作记录）")
    p.set_defaults(func=cmd_reopen)
    p = sub.add_parser("payslips", help="为每人生成加密的工资条文件")
    p.add_argument("workbook")
    p.add_argument("--month", required=True)
    p.add_argument("--out", required=True)
    p.set_defaults(func=cmd_payslips)
    return ap


def main(argv: Optional[Sequence[str]] = None) -> int:
    args = build_parser().parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
