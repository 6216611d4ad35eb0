#!/usr/bin/env python3
"""Writes the seed corpus of fuzz-template: call shapes with templates in
the layout fuzz-template.c reads, accepted ones and ones the rules refuse.

    gen-corpus-template.py DIR
"""
import struct
import sys

# The order of fuzz_tmpl_types in fuzz-template.c.
TYPES = """CLASS KEY_TYPE TOKEN PRIVATE LABEL ID VALUE VALUE_LEN SENSITIVE
EXTRACTABLE MODIFIABLE COPYABLE DESTROYABLE ENCRYPT DECRYPT SIGN VERIFY WRAP
UNWRAP DERIVE LOCAL ALWAYS_SENSITIVE NEVER_EXTRACTABLE KEY_GEN_MECHANISM
UNIQUE_ID TRUSTED WRAP_WITH_TRUSTED ALWAYS_AUTHENTICATE ALLOWED_MECHANISMS
START_DATE END_DATE MODULUS MODULUS_BITS PUBLIC_EXPONENT PRIVATE_EXPONENT
PRIME_1 PRIME_2 EXPONENT_1 EXPONENT_2 COEFFICIENT EC_PARAMS EC_POINT PRIME
BASE PRIME_BITS VALUE_BITS CHECK_VALUE CERTIFICATE_TYPE CERTIFICATE_CATEGORY
SUBJECT ISSUER SERIAL_NUMBER APPLICATION OBJECT_ID URL PUBLIC_KEY_INFO
SIGN_RECOVER VERIFY_RECOVER WRAP_TEMPLATE UNWRAP_TEMPLATE VENDOR_1""".split()
T = {name: i for i, name in enumerate(TYPES)}

# The order of fuzz_tmpl_implied: what the mechanism implies.
NONE, AES_GEN, GENERIC_GEN, DES3_GEN, ECDH_DERIVE, DH_PARAMS = range(6)
RSA_PUB, RSA_PRIV, EC_PUB, EC_PRIV, ED_PUB, X_PRIV, DH_PRIV, ANY_PRIV = range(6, 14)

CREATE, GENERATE, GEN_PUBLIC, GEN_PRIVATE, UNWRAP, DERIVE, SET, COPY, GET = range(9)
STORE_NEW, STORE_CHANGE = 9, 10

CKO_DATA, CKO_CERTIFICATE, CKO_PUBLIC_KEY, CKO_PRIVATE_KEY, CKO_SECRET_KEY = range(5)
CKK_RSA, CKK_EC, CKK_AES = 0, 3, 0x1F
P256 = bytes.fromhex("06082a8648ce3d030107")


def raw(name, value):
    return bytes([T[name], len(value)]) + value


def ulong(name, v):
    if v < 256:
        return bytes([T[name], 0xFE, v])
    return raw(name, struct.pack("<Q", v))


def boolean(name, v):
    return bytes([T[name], 0xFD, v])


def null(name, length):
    return bytes([T[name], 0xFF, length])


def tmpl(*attrs):
    return bytes([len(attrs)]) + b"".join(attrs)


def call(shape, implied=NONE, so=False):
    return bytes([shape, implied << 1 | int(so)])


AES = (ulong("CLASS", CKO_SECRET_KEY), ulong("KEY_TYPE", CKK_AES), raw("VALUE", bytes(range(32))))
AES_SENSITIVE = AES + (boolean("SENSITIVE", 1),)
RSA_PUB_KEY = (ulong("CLASS", CKO_PUBLIC_KEY), ulong("KEY_TYPE", CKK_RSA),
               raw("MODULUS", b"\xc1" * 64), raw("PUBLIC_EXPONENT", b"\x01\x00\x01"))

SEEDS = {
    "create-data.bin": call(CREATE) + tmpl(ulong("CLASS", CKO_DATA), raw("LABEL", b"note"),
                                           raw("APPLICATION", b"app"), raw("VALUE", b"hello")),
    "create-aes.bin": call(CREATE) + tmpl(*AES, boolean("TOKEN", 1), raw("ID", b"\x01")),
    "create-rsa-public.bin": call(CREATE) + tmpl(*RSA_PUB_KEY, boolean("VERIFY", 1)),
    "create-rsa-private.bin": call(CREATE) + tmpl(
        ulong("CLASS", CKO_PRIVATE_KEY), ulong("KEY_TYPE", CKK_RSA), raw("MODULUS", b"\xc1" * 64),
        raw("PUBLIC_EXPONENT", b"\x01\x00\x01"), raw("PRIVATE_EXPONENT", b"\x33" * 64),
        boolean("SENSITIVE", 1), boolean("EXTRACTABLE", 0)),
    "create-cert-trusted-so.bin": call(CREATE, so=True) + tmpl(
        ulong("CLASS", CKO_CERTIFICATE), ulong("CERTIFICATE_TYPE", 0), raw("SUBJECT", b"\x30\x00"),
        raw("VALUE", b"\x30\x03\x02\x01\x01"), boolean("TRUSTED", 1)),
    "create-cert-trusted-user.bin": call(CREATE) + tmpl(
        ulong("CLASS", CKO_CERTIFICATE), ulong("CERTIFICATE_TYPE", 0), raw("SUBJECT", b"\x30\x00"),
        raw("VALUE", b"\x30\x03\x02\x01\x01"), boolean("TRUSTED", 1)),
    "create-local.bin": call(CREATE) + tmpl(*AES, boolean("LOCAL", 1)),
    "create-null-value.bin": call(CREATE) + tmpl(ulong("CLASS", CKO_DATA), null("LABEL", 5)),
    "create-duplicate.bin": call(CREATE) + tmpl(ulong("CLASS", CKO_DATA), raw("LABEL", b"a"),
                                                raw("LABEL", b"b")),
    "create-bad-bool.bin": call(CREATE) + tmpl(*AES, raw("SENSITIVE", b"\x02")),
    "create-dates.bin": call(CREATE) + tmpl(*AES, raw("START_DATE", b"20261206"),
                                            raw("END_DATE", b"2026")),
    "create-allowed-mechs.bin": call(CREATE) + tmpl(
        *AES, raw("ALLOWED_MECHANISMS", struct.pack("<QQ", 0x1081, 0x1082))),
    "create-vendor.bin": call(CREATE) + tmpl(*AES, raw("VENDOR_1", b"v"), raw("WRAP_TEMPLATE", b"")),
    "generate-aes.bin": call(GENERATE, AES_GEN) + tmpl(ulong("VALUE_LEN", 32), boolean("SENSITIVE", 1),
                                                       boolean("EXTRACTABLE", 0)),
    "generate-with-value.bin": call(GENERATE, AES_GEN) + tmpl(ulong("VALUE_LEN", 16), raw("VALUE", b"k" * 16)),
    "generate-dh-params.bin": call(GENERATE, DH_PARAMS) + tmpl(ulong("PRIME_BITS", 2048)),
    "pair-rsa-public.bin": call(GEN_PUBLIC, RSA_PUB) + tmpl(ulong("MODULUS_BITS", 2048),
                                                            raw("PUBLIC_EXPONENT", b"\x01\x00\x01")),
    "pair-rsa-private.bin": call(GEN_PRIVATE, RSA_PRIV) + tmpl(boolean("SENSITIVE", 1), boolean("SIGN", 1),
                                                               boolean("TOKEN", 1)),
    "pair-ec-public.bin": call(GEN_PUBLIC, EC_PUB) + tmpl(raw("EC_PARAMS", P256), boolean("VERIFY", 1)),
    "pair-ec-public-point.bin": call(GEN_PUBLIC, EC_PUB) + tmpl(raw("EC_PARAMS", P256), raw("EC_POINT", b"\x04")),
    "unwrap-aes.bin": call(UNWRAP) + tmpl(ulong("CLASS", CKO_SECRET_KEY), ulong("KEY_TYPE", CKK_AES),
                                          boolean("SENSITIVE", 1), boolean("DECRYPT", 1)),
    "derive-generic.bin": call(DERIVE, ECDH_DERIVE) + tmpl(ulong("KEY_TYPE", 0x10), ulong("VALUE_LEN", 16)),
    "set-label.bin": call(SET) + tmpl(*AES) + tmpl(raw("LABEL", b"renamed")),
    "set-sensitive-back.bin": call(SET) + tmpl(*AES_SENSITIVE) + tmpl(boolean("SENSITIVE", 0)),
    "set-unmodifiable.bin": call(SET) + tmpl(*AES, boolean("MODIFIABLE", 0)) + tmpl(raw("LABEL", b"x")),
    "set-class.bin": call(SET) + tmpl(ulong("CLASS", CKO_DATA)) + tmpl(ulong("CLASS", CKO_SECRET_KEY)),
    "copy-private-public.bin": call(COPY) + tmpl(*AES_SENSITIVE, boolean("PRIVATE", 1))
    + tmpl(boolean("PRIVATE", 0)),
    "copy-token.bin": call(COPY) + tmpl(*RSA_PUB_KEY) + tmpl(boolean("TOKEN", 1), boolean("MODIFIABLE", 0)),
    "copy-uncopyable.bin": call(COPY) + tmpl(*AES, boolean("COPYABLE", 0)) + tmpl(),
    "get-mixed.bin": call(GET) + tmpl(*AES_SENSITIVE, raw("LABEL", b"k")) + tmpl(
        raw("VALUE", bytes(32)), null("LABEL", 0), raw("LABEL", b""), raw("CLASS", b"\0" * 4),
        raw("CLASS", b"\0" * 8), bytes([200, 1, 0])),
    "get-extractable.bin": call(GET) + tmpl(*AES) + tmpl(raw("VALUE", bytes(40)), null("VALUE", 0)),
    "store-new-aes.bin": call(STORE_NEW) + tmpl(*AES, boolean("TOKEN", 1)),
    "store-new-no-token.bin": call(STORE_NEW) + tmpl(*AES),
    "store-new-unknown.bin": call(STORE_NEW) + tmpl(*AES, boolean("TOKEN", 1), bytes([200, 1, 0])),
    "store-new-trusted.bin": call(STORE_NEW) + tmpl(ulong("CLASS", CKO_PUBLIC_KEY), ulong("KEY_TYPE", CKK_RSA),
                                                    boolean("TOKEN", 1), boolean("TRUSTED", 1)),
    "store-change-label.bin": call(STORE_CHANGE) + tmpl(*AES, boolean("TOKEN", 1), boolean("PRIVATE", 1))
    + tmpl(raw("LABEL", b"new")),
    "store-change-no-private.bin": call(STORE_CHANGE) + tmpl(*AES, boolean("TOKEN", 1)) + tmpl(raw("LABEL", b"new")),
    "store-change-class.bin": call(STORE_CHANGE) + tmpl(*AES, boolean("TOKEN", 1))
    + tmpl(ulong("CLASS", CKO_DATA)),
    "store-change-unsensitive.bin": call(STORE_CHANGE) + tmpl(*AES_SENSITIVE, boolean("TOKEN", 1))
    + tmpl(boolean("SENSITIVE", 0)),
}

for name, data in SEEDS.items():
    with open(f"{sys.argv[1]}/{name}", "wb") as f:
        f.write(data)
