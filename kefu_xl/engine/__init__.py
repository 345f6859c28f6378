"""The month engine: records in; scores, ranks, lines, flags and problems out. Pure: no I/O, no clock.

month.py runs the stages; rule kinds with modules of their own (bank, process, rework, leader, exams,
kpi, orders, weekly, tenure) are called through the one dispatch in addons.py.

May import: core, rules, read (the Book record).
"""
