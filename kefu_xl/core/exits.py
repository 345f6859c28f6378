"""Exit statuses of every command (CONTRACT.md): 0 done, 1 input errors (nothing written),
2 refused (month already closed, workbook locked or open elsewhere, unreadable file).

Its own small module so that the command line can name them without importing the close."""
EXIT_OK = 0
EXIT_INPUT = 1
EXIT_REFUSED = 2
