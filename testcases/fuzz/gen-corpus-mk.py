#!/usr/bin/env python3
"""Writes the seed corpus of fuzz-mk: a selector byte (see fuzz-mk.c: its
two low bits modulo 3 name NVTOK.DAT, MK_SO or MK_USER, bit 2 a sealed
record, bit 3 a wrong frame id) followed by a token file or its body, in
the layouts of usr/lib/tokens/common/store/store_mk.h and store_file.h, valid and
damaged.

    gen-corpus-mk.py DIR
"""
import hashlib
import os
import struct
import sys

NV, SO, USER, SEALED, WRONG_ID = 0, 1, 2, 4, 8


def frame(magic, body, oid=0):
    h = magic + struct.pack(">HHIQQQ", 1, 0, 36, len(body), oid, 0)
    return h + body + hashlib.sha256(h + body).digest()


def nv_body(flags=3, label=b"fuzz token", so=0, user=2, kdf=(0, 0, 0)):
    return (struct.pack(">I", flags) + label.ljust(32, b" ") + struct.pack(">II", so, user)
            + struct.pack(">III", *kdf))


def mk_body(kdf=(8, 1, 1)):
    return bytes(range(16)) + struct.pack(">III", *kdf) + bytes(12) + bytes(range(32)) + bytes(16)


def seed(sel, data):
    return bytes([sel]) + data


RECORD = b"sealed record " + bytes(range(50))

SEEDS = {
    "nv-body.bin": seed(NV, nv_body()),
    "nv-body-kdf.bin": seed(NV, nv_body(kdf=(19456, 2, 1))),
    "nv-file.bin": seed(NV, frame(b"OSNV", nv_body())),
    "nv-bad-flags.bin": seed(NV, nv_body(flags=0x13)),
    "nv-bad-kdf.bin": seed(NV, nv_body(kdf=(1, 0, 0))),
    "nv-short.bin": seed(NV, nv_body()[:55]),
    "nv-wrong-id.bin": seed(NV | WRONG_ID, nv_body()),
    "nv-label-nul.bin": seed(NV, nv_body(label=b"ab  \0cd")),
    "nv-old-flags.bin": seed(NV, nv_body(flags=0xd)),
    "mk-so-body.bin": seed(SO, mk_body()),
    "mk-user-file.bin": seed(USER, frame(b"OSMK", mk_body(), oid=1)),
    "mk-so-file-as-user.bin": seed(USER, frame(b"OSMK", mk_body(), oid=0)),
    "mk-bad-kdf.bin": seed(SO, mk_body(kdf=(4, 1, 1))),
    "mk-costly-kdf.bin": seed(USER, mk_body(kdf=(19456, 2, 1))),
    "mk-wrong-id.bin": seed(SO | WRONG_ID, mk_body()),
    "mk-short.bin": seed(USER, mk_body()[:87]),
    "mt-user-body.bin": seed(USER | SEALED, RECORD),
    "mt-so-file.bin": seed(SO, frame(b"OSMT", RECORD, oid=0)),
    "mt-empty.bin": seed(SO | SEALED, b""),
    "mt-too-long.bin": seed(USER | SEALED, bytes(2049)),
}

for name, data in SEEDS.items():
    with open(os.path.join(sys.argv[1], name), "wb") as f:
        f.write(data)
