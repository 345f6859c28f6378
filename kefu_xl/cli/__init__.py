"""The command line: kefu-xl demo | init | check | close | reopen | payslips.

May import: anything.
"""
