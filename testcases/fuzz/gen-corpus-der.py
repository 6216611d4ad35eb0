#!/usr/bin/env python3
"""Writes the seed corpus of fuzz-der: a selector byte (see fuzz-der.c)
followed by DER OCTET STRINGs, ECDSA-Sig-Values, r || s, CKA_EC_PARAMS and
CKA_EC_POINT values, valid and in encodings that are BER but not DER.

    gen-corpus-der.py DIR
"""
import sys

OCTETS, WRAP, SIG, RS, PARAMS, POINT = range(6)

# DER OIDs of prime256v1, secp384r1 and edwards25519.
P256 = bytes.fromhex("06082a8648ce3d030107")
P384 = bytes.fromhex("06052b81040022")
ED25519 = bytes.fromhex("06032b6570")


def der_len(n):
    if n < 0x80:
        return bytes([n])
    b = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(b)]) + b


def tlv(tag, body):
    return bytes([tag]) + der_len(len(body)) + body


def integer(v):
    b = v.to_bytes(max(1, (v.bit_length() + 7) // 8), "big")
    return tlv(0x02, (b"\0" if b[0] & 0x80 else b"") + b)


def sig(r, s):
    return tlv(0x30, integer(r) + integer(s))


R = int.from_bytes(bytes(range(0x81, 0xA1)), "big")
S = int.from_bytes(bytes(range(0x11, 0x31)), "big")
POINT_P256 = b"\x04" + bytes(range(1, 65))

SEEDS = {
    "octets-empty.bin": bytes([OCTETS]) + tlv(0x04, b""),
    "octets-point.bin": bytes([OCTETS]) + tlv(0x04, POINT_P256),
    "octets-long-form.bin": bytes([OCTETS]) + b"\x04\x81\x03abc",
    "octets-constructed.bin": bytes([OCTETS]) + b"\x24\x80\x04\x02ab\x04\x01c\0\0",
    "octets-trailing.bin": bytes([OCTETS]) + tlv(0x04, b"ab") + b"\0",
    "wrap-short.bin": bytes([WRAP]) + b"xyz",
    "wrap-300.bin": bytes([WRAP]) + bytes(300),
    "sig-p256.bin": bytes([SIG, 32]) + sig(R, S),
    "sig-small.bin": bytes([SIG, 32]) + sig(1, 0),
    "sig-padded-int.bin": bytes([SIG, 32]) + tlv(0x30, tlv(0x02, b"\0\x01") + integer(S)),
    "sig-negative.bin": bytes([SIG, 32]) + tlv(0x30, tlv(0x02, b"\x80") + integer(S)),
    "sig-too-long.bin": bytes([SIG, 16]) + sig(R, S),
    "sig-p521.bin": bytes([SIG, 66]) + sig(R << 264 | 1, S),
    "rs-p256.bin": bytes([RS, 32]) + R.to_bytes(32, "big") + S.to_bytes(32, "big"),
    "rs-leading-zero.bin": bytes([RS, 32]) + bytes(32) + b"\0" + bytes(range(1, 32)),
    "rs-max-n.bin": bytes([RS, 0x7C]) + b"\xff" * 0xF8,
    "params-p256.bin": bytes([PARAMS]) + P256,
    "params-p384.bin": bytes([PARAMS]) + P384,
    "params-ed25519.bin": bytes([PARAMS]) + ED25519,
    "params-name.bin": bytes([PARAMS]) + tlv(0x13, b"edwards25519"),
    "params-nist-name.bin": bytes([PARAMS]) + tlv(0x13, b"P-256"),
    "params-long-form.bin": bytes([PARAMS]) + b"\x06\x81\x08" + P256[2:],
    "params-name-long-form.bin": bytes([PARAMS]) + b"\x13\x81\x05P-256",
    "params-oid-padded.bin": bytes([PARAMS]) + b"\x06\x09\x2a\x80\x86\x48\xce\x3d\x03\x01\x07",
    "params-explicit.bin": bytes([PARAMS]) + tlv(0x30, integer(1) + tlv(0x30, b"")),
    "params-trailing.bin": bytes([PARAMS]) + P256 + b"\0",
    "point-bare.bin": bytes([POINT, 0]) + POINT_P256,
    "point-octets.bin": bytes([POINT, 0]) + tlv(0x04, POINT_P256),
    "point-compressed.bin": bytes([POINT, 0]) + b"\x02" + bytes(range(1, 33)),
    "point-ed25519.bin": bytes([POINT, 5]) + tlv(0x04, bytes(range(32))),
    "point-long-form.bin": bytes([POINT, 0]) + b"\x04\x82\x00\x41" + POINT_P256,
}

for name, data in SEEDS.items():
    with open(f"{sys.argv[1]}/{name}", "wb") as f:
        f.write(data)
