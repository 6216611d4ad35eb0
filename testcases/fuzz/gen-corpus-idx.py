#!/usr/bin/env python3
"""Writes the seed corpus of fuzz-idx: OBJ_IDX files in the layout that
usr/lib/tokens/common/store/store_idx.h specifies (version 2), valid and damaged.

    gen-corpus-idx.py DIR
"""
import struct
import sys
import zlib


def crc(b):
    return struct.pack(">I", zlib.crc32(b) & 0xFFFFFFFF)


def header(version=2, nonce=0x1122334455667788, rec_hdr=32):
    h = b"OSIX" + struct.pack(">HHIIQ", version, 0, 28, rec_hdr, nonce)
    return h + crc(h)


def record(op, oid, gen, frame=b"", private=False):
    flags = (1 if private else 0) | (2 if frame else 0)
    r = b"OSIR" + struct.pack(">BBHIQQ", op, flags, 0, len(frame), oid, gen)
    r += crc(r)
    return r + (frame + crc(frame) if frame else b"")


FRAME = b"OSOB" + bytes(range(40))

SEEDS = {
    "empty-header.bin": header(),
    "add-inline.bin": header() + record(1, 7, 1, FRAME),
    "add-file-only.bin": header() + record(1, 8, 1, private=True),
    "add-update-remove.bin": header() + record(1, 7, 1, FRAME) + record(2, 7, 2, FRAME[:20])
    + record(1, 9, 1) + record(3, 7, 3),
    "bad-record-crc.bin": header() + record(1, 7, 1, FRAME)[:-50] + b"\0"
    + record(1, 7, 1, FRAME)[-49:] + record(1, 10, 1),
    "torn-frame.bin": header() + record(1, 7, 1, FRAME) + record(1, 11, 1, FRAME)[:-3],
    "bad-header.bin": header(version=3),
    "short.bin": header()[:10],
    "legacy-header.bin": header(version=1, rec_hdr=24),
    "id-zero.bin": header() + record(1, 0, 1, FRAME),
}

for name, data in SEEDS.items():
    with open(f"{sys.argv[1]}/{name}", "wb") as f:
        f.write(data)
