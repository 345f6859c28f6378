"""codec: deflate/inflate/CRC-32 of zip members (ISA-L when installed, zlib otherwise)."""
import io
import random
import zipfile
import zlib

import pytest

from kefu_xl.xlsx import codec


def _bytes(n, seed=7):
    rnd = random.Random(seed)
    words = [b"<row r=\"%d\">" % i for i in range(50)] + [rnd.randbytes(3) for _ in range(20)]
    return b"".join(rnd.choice(words) for _ in range(n))[:n]


def test_isal_is_installed_so_the_benchmarked_path_is_the_tested_one():
    assert codec.FAST


@pytest.mark.parametrize("combine", [codec.crc32_combine, codec._crc32_combine])
def test_crc32_of_joined_streams_is_the_crc_of_the_whole(combine):
    rnd = random.Random(7)
    for n1, n2 in ((0, 5), (5, 0), (1, 1), (1000, 12345), (70000, 3)):
        a, b = rnd.randbytes(n1), rnd.randbytes(n2)
        want = zlib.crc32(a + b)
        got = combine(zlib.crc32(a), zlib.crc32(b), len(b)) if n2 else codec.crc32_combine(zlib.crc32(a), 0, 0)
        assert got == want
        assert codec.crc32(b, codec.crc32(a)) == want


@pytest.mark.parametrize("small", [False, True])
def test_sync_flushed_streams_appended_inflate_with_zlib_to_the_whole(small):
    parts = [_bytes(n, seed=n) for n in (100_000, 7, 300_000)]
    packed = b""
    for i, part in enumerate(parts):
        c = codec.compressor(small=small)
        packed += c.compress(part) + c.flush(codec.Z_FINISH if i == len(parts) - 1 else codec.Z_SYNC_FLUSH)
    assert zlib.decompress(packed, -15) == b"".join(parts)


def _zip(members, method):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", method) as z:
        for name, data in members.items():
            z.writestr(name, data)
    return buf


@pytest.mark.parametrize("method", [zipfile.ZIP_DEFLATED, zipfile.ZIP_STORED])
def test_read_member_and_iter_member_give_what_zipfile_gives(method):
    members = {"xl/worksheets/sheet1.xml": _bytes(2_500_000), "empty.xml": b"", "a.xml": b"<a/>"}
    buf = _zip(members, method)
    with zipfile.ZipFile(buf) as z:
        infos = z.infolist()
    for info in infos:
        assert codec.read_member(buf, info) == members[info.filename]
        assert b"".join(codec.iter_member(buf, info, chunk=65536)) == members[info.filename]


def test_a_member_whose_bytes_were_damaged_is_refused_not_returned():
    data = _bytes(200_000)
    buf = _zip({"s.xml": data}, zipfile.ZIP_STORED)
    with zipfile.ZipFile(buf) as z:
        info = z.getinfo("s.xml")
    raw = bytearray(buf.getvalue())
    at = raw.index(data[1000:1040])
    raw[at] ^= 0xFF
    bad = io.BytesIO(bytes(raw))
    with pytest.raises(codec.BadMember):
        codec.read_member(bad, info)
    with pytest.raises(codec.BadMember):
        b"".join(codec.iter_member(bad, info))


def test_without_isal_zlib_does_the_same_work(monkeypatch):
    """Where isal has no wheel, codec falls back to zlib: same members read, same streams inflate."""
    monkeypatch.setattr(codec, "_fast", None)
    monkeypatch.setattr(codec, "_Z", zlib)
    data = _bytes(300_000)
    c = codec.compressor()
    assert zlib.decompress(c.compress(data) + c.flush(), -15) == data
    assert codec.crc32_combine(zlib.crc32(data[:1000]), zlib.crc32(data[1000:]), len(data) - 1000) == zlib.crc32(data)
    buf = _zip({"s.xml": data}, zipfile.ZIP_DEFLATED)
    with zipfile.ZipFile(buf) as z:
        info = z.getinfo("s.xml")
    assert codec.read_member(buf, info) == data
    assert b"".join(codec.iter_member(buf, info, chunk=4096)) == data
