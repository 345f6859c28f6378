"""Grids to records: the first stage of every close, check and UDF call; exports/ reads the
shop-platform and attendance exports (kefu-xl import).

May import: core, rules.
"""
