"""The month engine: records in; scores, ranks, lines, flags and problems out. Pure: no I/O, no clock.

May import: core, rules, read (the Book record).
"""
