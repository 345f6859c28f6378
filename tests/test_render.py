"""tools/render.py --dropdowns: Calc's own drop-down lists, open, in screenshots of a real window under Xvfb."""
import struct

from PIL import Image

from tools import render


def _xwd(width, height, pixels, byte_order=0):
    """An xwd dump of a 24-bit TrueColor screen, as `xwd -root` writes one; pixels are (r, g, b) rows."""
    name = b"root\0"
    header = struct.pack(">25I", 100 + len(name), 7, 2, 24, width, height, 0, byte_order, 32, byte_order, 32, 32,
                         4 * width, 4, 0xFF0000, 0xFF00, 0xFF, 8, 256, 0, width, height, 0, 0, 0)
    body = b"".join(bytes((b, g, r, 0) if byte_order == 0 else (0, r, g, b)) for row in pixels for r, g, b in row)
    return header + name + body


def test_xwd_dump_becomes_a_png_with_the_same_pixels(tmp_path):
    pixels = [[(10 * x, 20 * y, 200) for x in range(5)] for y in range(3)]
    for byte_order in (0, 1):
        width, height, rows = render.xwd_pixels(_xwd(5, 3, pixels, byte_order))
        render.write_png(tmp_path / "p.png", width, height, rows)
        im = Image.open(tmp_path / "p.png").convert("RGB")
        assert im.size == (5, 3)
        assert [[im.getpixel((x, y)) for x in range(5)] for y in range(3)] == pixels


def test_changed_box_is_the_rectangle_of_changed_pixels():
    before = [bytes(3 * 10) for _ in range(6)]
    after = list(before)
    after[2] = bytes(3 * 4) + b"\1\1\1" + bytes(3 * 5)
    after[4] = bytes(3 * 7) + b"\0\0\1" + bytes(3 * 2)
    assert render.changed_box(before, after) == (4, 2, 8, 5)
    assert render.changed_box(before, before) is None


def test_template_dropdowns_open_with_their_chinese_choices_in_a_real_calc_window(tmp_path):
    assert render.missing_for_dropdowns() == []  # tools/test.sh installs them
    targets = render.dropdown_targets(render.TEMPLATE)
    assert {(t["sheet"], t["cell"]) for t in targets} >= {("员工", "C2"), ("员工", "G2"), ("事件", "D2"), ("参数", "B3")}
    shots = render.screenshot_dropdowns(render.TEMPLATE, tmp_path, sheets=["员工"])
    assert [(r["cell"], png.name) for png, r in shots] == [
        ("C2", "workbook_template-dropdown-员工-C2-等级.png"), ("G2", "workbook_template-dropdown-员工-G2-状态.png")]
    lists = {}
    for png, r in shots:
        assert r["ok"] and png.exists()
        im = Image.open(png).convert("L")
        assert im.size == render.SCREEN
        left, top, right, bottom = r["box"]  # what changed on screen when the list opened
        assert 150 < top and right - left > 60
        dark = sum(im.crop((left, top, right, bottom)).histogram()[:100])  # pixels darker than 100
        assert dark > 100, "the open list shows its entries"
        lists[r["cell"]] = bottom - top
    assert lists["C2"] > 2 * lists["G2"]  # 等级's many tiers against 状态's 在职/离职
