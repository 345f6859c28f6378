"""The file shell: workbook files without Excel (zip, calamine reads, surgical writes, atomic saves),
the template, payslip files, the demo data.

May import: everything below it (core … close); never excel or cli.
"""
