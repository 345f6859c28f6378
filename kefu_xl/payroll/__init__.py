"""Payroll: the month's pay of every person, as a pure core.

May import: core.
"""
