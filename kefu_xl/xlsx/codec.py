"""Deflate, inflate and CRC-32 for the workbook's zip parts.

ISA-L (the `isal` package) when it is installed: at the level the writer
uses for large parts it deflates about four times as fast as zlib, to about
the same size, and inflates about twice as fast (bench/RESULTS.md).  Where it
is not installed, Python's zlib does the same work; the files are valid zips
either way, only the compressed bytes differ.

Streams are raw deflate (wbits -15), as a zip member holds them.
"""
from __future__ import annotations

import struct
import zipfile
import zlib
from typing import BinaryIO, Iterator, List

try:
    from isal import isal_zlib as _fast
except ImportError:  # pragma: no cover - isal is a dependency; zlib is the fallback where it has no wheel
    _fast = None

FAST = _fast is not None
_Z = _fast if _fast is not None else zlib
Z_SYNC_FLUSH = zlib.Z_SYNC_FLUSH
Z_FINISH = zlib.Z_FINISH
error = (zlib.error,) + ((_fast.error,) if _fast is not None else ())


def compressor(small: bool = False):
    """A raw-deflate compressor: fast for large parts; zlib level 6 for small ones (size matters more)."""
    if small or _fast is None:
        return zlib.compressobj(6 if small else 1, zlib.DEFLATED, -15)
    return _fast.compressobj(1, _fast.DEFLATED, -15)


def crc32(data, crc: int = 0) -> int:
    return _Z.crc32(data, crc)


def crc32_combine(crc1: int, crc2: int, len2: int) -> int:
    """CRC-32 of A+B from crc(A), crc(B) and len(B)."""
    if len2 <= 0:
        return crc1
    if _fast is not None:
        return _fast.crc32_combine(crc1, crc2, len2)
    return _crc32_combine(crc1, crc2, len2)


def _gf2_times(mat: List[int], vec: int) -> int:
    total, i = 0, 0
    while vec:
        if vec & 1:
            total ^= mat[i]
        vec >>= 1
        i += 1
    return total


def _crc32_combine(crc1: int, crc2: int, len2: int) -> int:
    """zlib's crc32_combine, which Python's zlib does not offer."""
    odd = [0xEDB88320] + [1 << n for n in range(31)]  # the operator for one zero bit
    even = [_gf2_times(odd, odd[n]) for n in range(32)]  # two zero bits
    odd = [_gf2_times(even, even[n]) for n in range(32)]  # four
    while True:
        even = [_gf2_times(odd, odd[n]) for n in range(32)]
        if len2 & 1:
            crc1 = _gf2_times(even, crc1)
        len2 >>= 1
        if not len2:
            break
        odd = [_gf2_times(even, even[n]) for n in range(32)]
        if len2 & 1:
            crc1 = _gf2_times(odd, crc1)
        len2 >>= 1
        if not len2:
            break
    return crc1 ^ crc2


# ---------------------------------------------------------------- reading members
class BadMember(zipfile.BadZipFile):
    """A member whose data is not what its header says."""


def _data_start(fp: BinaryIO, info: zipfile.ZipInfo) -> int:
    fp.seek(info.header_offset)
    local = fp.read(30)
    if len(local) < 30 or local[:4] != b"PK\x03\x04":
        raise BadMember(f"bad local header: {info.filename}")
    nlen, xlen = struct.unpack("<2H", local[26:30])
    return info.header_offset + 30 + nlen + xlen


def iter_member(fp: BinaryIO, info: zipfile.ZipInfo, chunk: int = 1 << 20) -> Iterator[bytes]:
    """A member's uncompressed bytes, a piece at a time, its CRC checked at the end.
    Stored and deflated members only (what a workbook holds); others go through zipfile."""
    if info.flag_bits & 0x1 or info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
        with zipfile.ZipFile(fp) as z, z.open(info) as f:
            while True:
                piece = f.read(chunk)
                if not piece:
                    return
                yield piece
    fp.seek(_data_start(fp, info))
    left, crc, size = info.compress_size, 0, 0
    inflate = _Z.decompressobj(-15) if info.compress_type == zipfile.ZIP_DEFLATED else None
    limit = max(chunk, 1 << 20)  # bytes inflated at a time: a deflate bomb never fills memory
    try:
        while left > 0:
            raw = fp.read(min(chunk, left))
            if not raw:
                raise BadMember(f"truncated: {info.filename}")
            left -= len(raw)
            while raw:
                if inflate is not None:
                    piece = inflate.decompress(raw, limit)
                    raw = inflate.unconsumed_tail
                else:
                    piece, raw = raw, b""
                if piece:
                    crc, size = _Z.crc32(piece, crc), size + len(piece)
                    if size > info.file_size:
                        raise BadMember(f"{info.filename}: larger than its declared size")
                    yield piece
        if inflate is not None:
            piece = inflate.flush()
            if piece:
                crc, size = _Z.crc32(piece, crc), size + len(piece)
                yield piece
    except error as e:
        raise BadMember(f"{info.filename}: {e}") from None
    if crc != info.CRC or size != info.file_size:
        raise BadMember(f"bad CRC-32 or size: {info.filename}")


def read_member(fp: BinaryIO, info: zipfile.ZipInfo) -> bytes:
    """A member's uncompressed bytes (CRC checked)."""
    if info.flag_bits & 0x1 or info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
        with zipfile.ZipFile(fp) as z:
            return z.read(info)
    start = _data_start(fp, info)
    fp.seek(start)
    raw = fp.read(info.compress_size)
    if len(raw) != info.compress_size:
        raise BadMember(f"truncated: {info.filename}")
    try:
        if info.compress_type == zipfile.ZIP_DEFLATED:  # never more than the declared size (deflate bombs)
            d = _Z.decompressobj(-15)
            data = d.decompress(raw, info.file_size + 1)
            if len(data) > info.file_size or d.unconsumed_tail:
                raise BadMember(f"{info.filename}: larger than its declared size")
            data += d.flush()
        else:
            data = raw
    except error as e:
        raise BadMember(f"{info.filename}: {e}") from None
    if len(data) != info.file_size or _Z.crc32(data) != info.CRC:
        raise BadMember(f"bad CRC-32 or size: {info.filename}")
    return data
