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

'' The dashboard sheet (a function: Chinese text cannot be a VBA constant
' once it is written as ChrW calls).
Public Function KefuStatusSheet() As String
    KefuStatusSheet = "看板"
End Function

' The text shown when xlwings or Python is missing.
Public Function KefuMissingMessage() As String
    Dim s As String
    s = "未检测到 xlwings 加载项或 Python。"
    s = s & "请先安装 Python 3，然后在命令行运行：pip install kefu-xl 和 xlwings addin install，再重新打开本工作簿。"
    s = s & "也可以在命令行使用 kefu-xl close 完成月结。"
    KefuMissingMessage = s
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
    Set XLPy = Application.Run("'" & KEFU_ADDIN & "'!XLPy")
End Function

Private Sub KefuRunPython(ByVal command As String)
    If Not KefuXlwingsAvailable() Then
        KefuReport KefuMissingMessage()
        Exit Sub
    End If
    On Error GoTo failed
    Application.Run "'" & KEFU_ADDIN & "'!RunPython", command
    Exit Sub
failed:
    KefuReport KefuMissingMessage() & vbLf & "(" & Err.Description & ")"
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
