#!/usr/bin/env python3
"""Writes the seed corpus of fuzz-object: attribute encodings
(usr/lib/tokens/common/objects/attrs_codec.c) and object files around them in the
frame layout of usr/lib/tokens/common/store/store_file.h, clear and encrypted
under the test master key of fuzz-object.c, valid and damaged.

    gen-corpus-object.py DIR
"""
import hashlib
import os
import struct
import sys

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

KEY = b"openslot-fuzz-mk" + bytes(range(0, 0x100, 0x11))
CKA_CLASS, CKA_TOKEN, CKA_PRIVATE, CKA_LABEL, CKA_VALUE = 0, 1, 2, 3, 0x11
CKA_KEY_TYPE, CKA_ID, CKA_EC_PARAMS, CKA_EC_POINT = 0x100, 0x102, 0x180, 0x181
P256 = bytes.fromhex("06082a8648ce3d030107")


def ulong(v):
    return struct.pack("<Q", v)


def attrs(items, count=None):
    out = struct.pack(">I", len(items) if count is None else count)
    for t, v in items:
        out += struct.pack(">QI", t, len(v)) + v
    return out


def header(body_len, encrypted, oid, gen, hdr_len=None):
    hdr = 48 if encrypted else 36
    return b"OSOB" + struct.pack(">HHIQQQ", 1, 1 if encrypted else 0, hdr_len or hdr,
                                 body_len, oid, gen)


def clear(body, oid=7, gen=1):
    h = header(len(body), False, oid, gen)
    return h + body + hashlib.sha256(h + body).digest()


def private(body, oid=8, gen=1):
    iv = bytes(range(12))
    h = header(len(body), True, oid, gen) + iv
    return h + AESGCM(KEY).encrypt(iv, body, h)


PUBLIC = attrs([(CKA_CLASS, ulong(2)), (CKA_KEY_TYPE, ulong(3)), (CKA_TOKEN, b"\1"),
                (CKA_PRIVATE, b"\0"), (CKA_LABEL, b"ec key"), (CKA_ID, b""),
                (CKA_EC_PARAMS, P256), (CKA_EC_POINT, b"\x04\x41\x04" + bytes(64))])
SECRET = attrs([(CKA_CLASS, ulong(4)), (CKA_KEY_TYPE, ulong(0x1f)), (CKA_TOKEN, b"\1"),
                (CKA_PRIVATE, b"\1"), (CKA_VALUE, bytes(range(32)))])

SEEDS = {
    # Sealed by the target as an empty private body, which once failed to open.
    "empty.bin": b"",
    "attrs-empty.bin": attrs([]),
    "attrs-public-key.bin": PUBLIC,
    "attrs-secret-key.bin": SECRET,
    "attrs-duplicate.bin": attrs([(CKA_LABEL, b"a"), (CKA_LABEL, b"b")]),
    "attrs-trailing.bin": PUBLIC + b"\0",
    "attrs-count-high.bin": attrs([(CKA_LABEL, b"a")], count=257),
    "attrs-length-overrun.bin": PUBLIC[:-10],
    "file-public.bin": clear(PUBLIC),
    "file-private.bin": private(SECRET),
    "file-empty-body.bin": clear(b""),
    "file-bad-tag.bin": clear(PUBLIC)[:-1] + b"\0",
    "file-bad-version.bin": b"OSOB\0\2" + clear(PUBLIC)[6:],
    "file-short.bin": clear(PUBLIC)[:40],
    "file-private-as-clear.bin": private(SECRET)[:6] + b"\0\0" + private(SECRET)[8:],
}

for name, data in SEEDS.items():
    with open(os.path.join(sys.argv[1], name), "wb") as f:
        f.write(data)
