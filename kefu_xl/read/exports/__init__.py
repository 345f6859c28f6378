"""Shop-platform and attendance exports as records: grids in, parsed rows and problems out. Pure.

layout.py: tolerant header names, header rows, periods, values (rates, durations).
sources.py: the exports kefu-xl knows (chitu-presale, chitu-ontime, qianniu, jd, pdd, doudian,
dingtalk-monthly, dingtalk-daily, wecom-monthly), detected from their headers, and the parse.

May import: core.
"""
