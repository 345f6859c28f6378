"""Results to sheet layouts (SheetOut) and to the contract's JSON; the report sheets. Pure.

May import: core, rules, read, engine, payroll.
"""
