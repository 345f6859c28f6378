"""The one vocabulary: records (model), plain grids, sheet and column names (schema), cell values.

Imports nothing else of kefu_xl.
"""
