Attribute VB_Name = "KefuMain"
' kefu-xl: the buttons of the workbook (see kefu_xl/vbabuild.py for how this
' file gets into the template: every string literal that is not plain ASCII is
' rewritten to ChrW(...) at build time, so keep comments in English).
'
' KefuMonthClose and KefuCheck run the Python entry points through the xlwings
' add-in, called late-bound with Application.Run: the workbook has no reference
' to the add-in, so without it nothing fails to compile and the user gets a
' message that says what to install instead of a VBA error.
' XLPy is the name xlwings' generated UDF wrappers (module xlwings_udfs) call;
' here it hands over the add-in's Python server the same late-bound way.
Option Explicit

Public Const KEFU_ADDIN As String = "xlwings.xlam"
Public Const KEFU_STATUS_CELL As String = "B4"

Public Sub KefuMonthClose()
    KefuRunPython "import kefu_xl.macros; kefu_xl.macros.month_close()"
End Sub

Public Sub KefuCheck()
    KefuRunPython "import kefu_xl.macros; kefu_xl.macros.check()"
End Sub

' The import button: a file dialog (several files), then the Python entry
' kefu_xl.macros.import_exports with the chosen paths as a list of raw strings.
Public Sub KefuImport()
    Dim picked As Variant
    Dim i As Long
    Dim arg As String
    picked = Application.GetOpenFilename("导出文件 (*.xlsx;*.xls;*.csv),*.xlsx;*.xls;*.csv", , "选择要导入的导出文件", , True)
    If Not IsArray(picked) Then Exit Sub
    arg = "["
    For i = LBound(picked) To UBound(picked)
        arg = arg & "r & picked(i) & ,"
    Next i
    arg = arg & "]"
    KefuRunPython "import kefu_xl.macros; kefu_xl.macros.import_exports(" & arg & ")"
End Sub

'' The dashboard sheet (a function: Chinese text cannot be a VBA constant
' once it is written as ChrW calls).
Public Function KefuStatusSheet() As String
    KefuStatusSheet = "看板"
End Function

' The real cause, in Chinese, with what to do: the add-in missing, Python (or
' kefu-xl) not found, or another error.
' The text shown when the xlwings add-in is missing.
Public Function KefuMissingMessage() As String
    Dim s As String
    s = "未检测到 xlwings 加载项或 Python。"
    s = s & "请先安装 Python 3，然后在命令行运行：pip install kefu-xl 和 xlwings addin install，再重新打开本工作簿。"
    s = s & "也可以在命令行使用 kefu-xl close 完成月结。"
    KefuMissingMessage = s
End Function

' The add-in is there, but it cannot start Python or import kefu_xl.
Public Function KefuPythonMessage(ByVal detail As String) As String
    Dim s As String
    s = "已找到 xlwings 加载项，但找不到 Python 或 kefu-xl。"
    s = s & "请安装 Python 3 并在命令行运行 pip install kefu-xl；"
    s = s & "如果 Python 装在别处，请在「xlwings.conf」表中加一行 Interpreter，填写 python.exe 的完整路径，然后重新打开本工作簿。"
    KefuPythonMessage = s & vbLf & "（" & detail & "）"
End Function

' Any other error on the way to Python.
Public Function KefuOtherMessage(ByVal detail As String) As String
    Dim s As String
    s = "运行 kefu-xl 时出错。请关闭本工作簿（选择「不保存」）后重新打开再试；"
    s = s & "仍然出错时，请把这段文字和临时文件夹中的 kefu-xl-error.log 发给技术支持。"
    KefuOtherMessage = s & vbLf & "（" & detail & "）"
End Function

' Which of the messages above an error description calls for.
Public Function KefuErrorMessage(ByVal detail As String) As String
    Dim d As String
    d = LCase(detail)
    If InStr(d, "no module named") > 0 Or InStr(d, "interpreter") > 0 Or InStr(d, "cannot find the file") > 0 _
            Or InStr(d, "could not activate python") > 0 Or InStr(d, "python.exe") > 0 _
            Or InStr(d, "pythonw") > 0 Or InStr(d, "找不到指定的文件") > 0 Then
        KefuErrorMessage = KefuPythonMessage(detail)
    Else
        KefuErrorMessage = KefuOtherMessage(detail)
    End If
End Function

' True when the xlwings add-in is loaded (an add-in is found by name in
' Workbooks although For Each does not list it).
Public Function KefuXlwingsAvailable() As Boolean
    Dim wb As Object
    On Error Resume Next
    Set wb = Application.Workbooks(KEFU_ADDIN)
    KefuXlwingsAvailable = (Err.Number = 0) And Not (wb Is Nothing)
    Err.Clear
End Function

' The add-in's Python server, for the UDF wrappers in xlwings_udfs.
Public Function XLPy() As Object
    If Not KefuXlwingsAvailable() Then
        Err.Raise vbObjectError + 1001, "kefu-xl", KefuMissingMessage()
    End If
    On Error GoTo failed
    Set XLPy = Application.Run("'" & KEFU_ADDIN & "'!XLPy")
    Exit Function
failed:
    Dim detail As String
    detail = Err.Description
    On Error GoTo 0
    Err.Raise vbObjectError + 1002, "kefu-xl", KefuErrorMessage(detail)
End Function

' Workbook_Open: start the add-in's Python server in the background (late-bound,
' errors ignored), so the first KEFU_ function does not wait for Python to start.
Public Sub KefuWarmUp()
    On Error Resume Next
    If Not KefuXlwingsAvailable() Then Exit Sub
    Application.OnTime Now, "KefuWarmNow"
End Sub

Public Sub KefuWarmNow()
    Dim py As Object
    On Error Resume Next
    Set py = Application.Run("'" & KEFU_ADDIN & "'!XLPy")
    Err.Clear
End Sub

Private Sub KefuRunPython(ByVal command As String)
    If Not KefuXlwingsAvailable() Then
        KefuReport KefuMissingMessage()
        Exit Sub
    End If
    On Error GoTo failed
    Application.Run "'" & KEFU_ADDIN & "'!RunPython", command
    Exit Sub
failed:
    KefuReport KefuErrorMessage(Err.Description)
End Sub

' A MsgBox; with the environment variable KEFU_XL_NO_DIALOG set (tests,
' unattended runs) the text goes into the status cell of the dashboard instead.
Private Sub KefuReport(ByVal text As String)
    If Len(Environ("KEFU_XL_NO_DIALOG")) > 0 Then
        ThisWorkbook.Worksheets(KefuStatusSheet()).Range(KEFU_STATUS_CELL).Value = text
    Else
        MsgBox text, vbExclamation, "kefu-xl"
    End If
End Sub
