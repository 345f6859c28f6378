# The check for the day someone has Excel for Windows with Python, kefu-xl and the xlwings add-in.
#
#   powershell -ExecutionPolicy Bypass -File tools\excel_check.ps1 [-Dir C:\temp\kefu-check]
#
# 1. makes a demo workbook (kefu-xl init --demo) and a copy of it;
# 2. closes the copy with `kefu-xl close --json` (the command line);
# 3. opens the demo in Excel through COM, recalculates, and compares every KEFU_SCORE cell of the
#    函数 sheet (工号 in column A, 得分 in column C) with the score in the JSON;
# 4. runs the 月结 button's macro KefuMonthClose in Excel and saves a copy;
# 5. compares every sheet the close writes in the two files (tools/compare_books.py).
# Exit code 0 when everything agrees.
param([string]$Dir = (Join-Path $env:TEMP "kefu-excel-check"), [string]$Month = "2026-11")
$ErrorActionPreference = "Stop"
$root = Split-Path -Parent $PSScriptRoot
New-Item -ItemType Directory -Force $Dir | Out-Null
$demo = Join-Path $Dir "demo.xlsm"; $cli = Join-Path $Dir "cli.xlsm"; $button = Join-Path $Dir "button.xlsm"
kefu-xl init $demo --demo --month $Month --force | Out-Null
Copy-Item $demo $cli -Force
$json = (kefu-xl close $cli --month $Month --json) | Out-String | ConvertFrom-Json
$want = @{}; foreach ($p in $json.staff) { $want[[string]$p.id] = [double]$p.score }

[Environment]::SetEnvironmentVariable("KEFU_XL_NO_DIALOG", "1", "User")  # the macros write, never wait on a box
$xl = New-Object -ComObject Excel.Application
$failed = 0
try {
    $xl.Visible = $false; $xl.DisplayAlerts = $false
    $wb = $xl.Workbooks.Open($demo)
    $xl.CalculateFull()
    $sheet = $wb.Worksheets.Item("函数")
    for ($i = 0; $i -lt 60 -and -not ([string]$sheet.Range("B2").Value2).Contains(" · "); $i++) {
        Start-Sleep -Seconds 1; $xl.Calculate()  # the UDF server may still be starting
    }
    Write-Host "本月: $($sheet.Range('B2').Value2)"
    $row = 6; $seen = 0
    while ([string]$sheet.Cells.Item($row, 1).Value2 -ne "") {
        $id = [string]$sheet.Cells.Item($row, 1).Value2; $score = $sheet.Cells.Item($row, 3).Value2
        if (-not $want.ContainsKey($id) -or [double]$score -ne $want[$id]) {
            Write-Host "DIFFERENT  KEFU_SCORE($id) = $score, close --json: $($want[$id])"; $failed++
        }
        $seen++; $row++
    }
    Write-Host "KEFU_SCORE cells compared: $seen, different: $failed"
    if ($seen -ne $want.Count) { Write-Host "DIFFERENT  $seen cells for $($want.Count) people"; $failed++ }
    $xl.Run("KefuMonthClose")
    Write-Host "看板!B4: $($wb.Worksheets.Item('看板').Range('B4').Value2)"
    $wb.SaveCopyAs($button)
    $wb.Close($false)
} finally {
    $xl.Quit(); [System.Runtime.InteropServices.Marshal]::ReleaseComObject($xl) | Out-Null
    [Environment]::SetEnvironmentVariable("KEFU_XL_NO_DIALOG", $null, "User")
}
python (Join-Path $root "tools\compare_books.py") $button $cli
if ($LASTEXITCODE -ne 0) { $failed++ }
if ($failed) { Write-Host "FAILED: $failed difference(s)"; exit 1 } else { Write-Host "OK: Excel agrees with kefu-xl close"; exit 0 }
