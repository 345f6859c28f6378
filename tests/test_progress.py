"""Issue 7: a progress line for closes that take more than a second, silent otherwise."""
import io

from kefu_xl.xlsx.progress import Progress


class Clock:
    def __init__(self):
        self.t = 0.0

    def __call__(self):
        return self.t


def test_progress_appears_after_one_second_and_ends_with_a_newline():
    out, clock = io.StringIO(), Clock()
    p = Progress(out, clock=clock, force=True)
    p.step("读取")
    clock.t = 0.4
    p.step("计算")
    assert out.getvalue() == ""          # fast so far: nothing shown
    clock.t = 1.5
    p.step("写入")
    clock.t = 2.0
    p.step("完成")
    text = out.getvalue()
    assert "月结 [##################------] 写入 1.5s" in text
    assert text.endswith("完成 2.0s\n")


def test_progress_is_silent_when_not_a_terminal():
    out, clock = io.StringIO(), Clock()
    p = Progress(out, clock=clock)
    clock.t = 5
    p.step("完成")
    assert out.getvalue() == ""
