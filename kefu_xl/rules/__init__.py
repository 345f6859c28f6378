"""Rule kinds, the 规则 sheet's small declarative grammar, and the shipped schemes (presets).

May import: core (and payroll's setting specs, for the presets' 参数 rows).
"""
