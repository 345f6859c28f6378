"""The month close as a pure plan (engine + payroll + seal), and the seals of closed months.

May import: core, rules, read, engine, payroll, write.
"""
