"""Grids to records: the first stage of every close, check and UDF call.

May import: core, rules.
"""
