"""Results to sheet layouts (SheetOut) and to the contract's JSON; the report sheets; `layout`, the one
description of a written sheet that both the file writer and the Excel writer render. Pure.

May import: core, rules, read, engine, payroll.
"""
