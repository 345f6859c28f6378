"""The Excel shell: xlwings UDFs, the buttons' macros, the VBA project.

May import: everything below it, xlsx included; never cli.
"""
