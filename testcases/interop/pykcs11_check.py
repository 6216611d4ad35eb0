#!/usr/bin/python3
"""PyKCS11 against an initialised openslot token.

Usage: pykcs11_check.py LIBRARY OUTDIR

The token in slot 0 must be initialised with SO PIN 87654321 and user PIN
123456.  The checks drive sessions, login, key generation and import,
signatures, encryption, digests, object search and attributes through
PyKCS11, and the return codes the specification asks for on bad input.
Every result the token produces is checked outside it with the
`cryptography` module.  OUTDIR receives an RSA public key (rsa.pem), a
message (data) and its SHA256-RSA-PKCS signature (rsa.sig) for a check
with the openssl command line.  Any failed check ends the run with status 1.
"""

import hashlib
import hmac
import os
import sys
import traceback

import PyKCS11
from PyKCS11 import LowLevel
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, padding, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.asymmetric import padding as apad
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

P = PyKCS11
SLOT = 0
SO_PIN = "87654321"
USER_PIN = "123456"
# DER of the OID of the NIST P-256 curve (CKA_EC_PARAMS)
P256_PARAMS = bytes.fromhex("06082a8648ce3d030107")
MESSAGE = b"signed and encrypted through PyKCS11\n"
# CKR_AEAD_DECRYPT_FAILED of PKCS#11 3.0 (PyKCS11 1.5 predates it)
CKR_AEAD_DECRYPT_FAILED = 0x35


class CheckFailed(Exception):
    """A check did not hold."""


def check(cond, what):
    """Fails the run with `what` unless `cond` holds."""
    if not cond:
        raise CheckFailed(what)


def rv_name(rv):
    """The CKR_ name of a return value, or its number."""
    name = P.CKR.get(rv)
    return name if isinstance(name, str) else hex(rv)


def expect_rv(expected, what, func, *args):
    """Fails the run unless func(*args) raises PyKCS11Error with one of
    the return values `expected` (one value or a tuple)."""
    if not isinstance(expected, tuple):
        expected = (expected,)
    try:
        func(*args)
    except P.PyKCS11Error as err:
        check(err.value in expected, "%s: returned %s, expected %s" %
              (what, rv_name(err.value), " or ".join(rv_name(e) for e in expected)))
        return
    raise CheckFailed("%s: succeeded, expected %s" %
                      (what, " or ".join(rv_name(e) for e in expected)))


def low_rv(expected, what, rv):
    """Fails the run unless a low-level call returned `expected`."""
    check(rv == expected, "%s: returned %s, expected %s" %
          (what, rv_name(rv), rv_name(expected)))


def low_get(session, obj, kind):
    """The return value of C_GetAttributeValue for one attribute, called
    directly: PyKCS11's own call hides CKR_ATTRIBUTE_SENSITIVE and
    CKR_ATTRIBUTE_TYPE_INVALID.  (Its wrapper also turns the length
    CK_UNAVAILABLE_INFORMATION into 0, so the length is not checked here.)"""
    template = LowLevel.ckattrlist(1)
    template[0].SetType(kind)
    return session.lib.C_GetAttributeValue(session.session, obj, template)


def check_sensitive(session, obj, kind, what):
    """The value of a sensitive attribute is refused."""
    low_rv(P.CKR_ATTRIBUTE_SENSITIVE, "C_GetAttributeValue(%s) of %s" % (P.CKA[kind], what),
           low_get(session, obj, kind))


def bad_handle(session, value=0x7ffffff0):
    """An object handle no object has."""
    handle = P.CK_OBJECT_HANDLE(session)
    handle.assign(value)
    return handle


def int_bytes(value):
    """Big-endian bytes of a non-negative integer, as PKCS#11 stores them."""
    return value.to_bytes(max(1, (value.bit_length() + 7) // 8), "big")


def attr(session, obj, kind):
    """One attribute of an object."""
    return session.getAttributeValue(obj, [kind], allAsBinary=False)[0]


def find_one(session, template, what):
    """The single object matching template."""
    found = session.findObjects(template)
    check(len(found) == 1, "%s: %d objects found, expected 1" % (what, len(found)))
    return found[0]


def check_library(lib):
    """Library, slot and token information."""
    info = lib.getInfo()
    check(info.manufacturerID.strip() == "openslot",
          "library manufacturer is '%s'" % info.manufacturerID)
    check(SLOT in lib.getSlotList(tokenPresent=True), "slot 0 has no token")
    tok = lib.getTokenInfo(SLOT)
    check(tok.label.strip() == "interop", "token label is '%s'" % tok.label)
    for flag in ("CKF_TOKEN_INITIALIZED", "CKF_USER_PIN_INITIALIZED",
                 "CKF_LOGIN_REQUIRED", "CKF_RNG"):
        check(tok.flags & getattr(P, flag), "token info lacks %s" % flag)
    mechs = lib.getMechanismList(SLOT)
    for mech in ("CKM_RSA_PKCS_KEY_PAIR_GEN", "CKM_EC_KEY_PAIR_GEN", "CKM_AES_KEY_GEN",
                 "CKM_RSA_PKCS", "CKM_SHA256_RSA_PKCS", "CKM_RSA_PKCS_PSS",
                 "CKM_RSA_PKCS_OAEP", "CKM_ECDSA", "CKM_AES_CBC_PAD", "CKM_AES_GCM",
                 "CKM_SHA256"):
        check(mech in mechs, "mechanism list lacks %s" % mech)
    gen = lib.getMechanismInfo(SLOT, "CKM_RSA_PKCS_KEY_PAIR_GEN")
    check(gen.flags & P.CKF_GENERATE_KEY_PAIR, "RSA key pair generation not flagged")
    check(gen.ulMinKeySize <= 2048 <= gen.ulMaxKeySize,
          "RSA key sizes %d..%d exclude 2048" % (gen.ulMinKeySize, gen.ulMaxKeySize))
    expect_rv(P.CKR_SLOT_ID_INVALID, "C_GetTokenInfo(slot 4711)", lib.getTokenInfo, 4711)
    rv = lib.lib.C_GetMechanismInfo(SLOT, P.CKM_VENDOR_DEFINED | 0x4711,
                                    LowLevel.CK_MECHANISM_INFO())
    low_rv(P.CKR_MECHANISM_INVALID, "C_GetMechanismInfo(vendor mechanism)", rv)


def session_state(session):
    """The state of a session."""
    return session.getSessionInfo().state


def check_sessions(lib):
    """Session states through login and logout; login errors."""
    ro = lib.openSession(SLOT)
    rw = lib.openSession(SLOT, P.CKF_SERIAL_SESSION | P.CKF_RW_SESSION)
    info = ro.getSessionInfo()
    check(info.slotID == SLOT, "RO session reports slot %d" % info.slotID)
    check(not info.flags & P.CKF_RW_SESSION, "RO session flagged read-write")
    check(info.flags & P.CKF_SERIAL_SESSION, "session not flagged serial")
    check(info.state == P.CKS_RO_PUBLIC_SESSION, "RO session state %d" % info.state)
    check(rw.getSessionInfo().flags & P.CKF_RW_SESSION, "RW session not flagged read-write")
    check(session_state(rw) == P.CKS_RW_PUBLIC_SESSION, "RW session not public")
    tok = lib.getTokenInfo(SLOT)
    check(tok.ulSessionCount >= 2 and tok.ulRwSessionCount >= 1,
          "token counts %d sessions, %d RW" % (tok.ulSessionCount, tok.ulRwSessionCount))

    expect_rv(P.CKR_PIN_INCORRECT, "C_Login with a wrong PIN", rw.login, "000000")
    expect_rv(P.CKR_SESSION_READ_ONLY_EXISTS, "SO C_Login with a RO session open",
              rw.login, SO_PIN, P.CKU_SO)
    expect_rv(P.CKR_USER_NOT_LOGGED_IN, "C_Logout before login", rw.logout)
    rw.login(USER_PIN)
    check(session_state(rw) == P.CKS_RW_USER_FUNCTIONS, "RW session not in user state")
    check(session_state(ro) == P.CKS_RO_USER_FUNCTIONS, "login did not reach the RO session")
    expect_rv(P.CKR_USER_ALREADY_LOGGED_IN, "second C_Login", ro.login, USER_PIN)
    expect_rv(P.CKR_SESSION_READ_ONLY, "token object created in a RO session",
              ro.createObject, [(P.CKA_CLASS, P.CKO_DATA), (P.CKA_TOKEN, P.CK_TRUE)])
    rw.logout()
    check(session_state(ro) == P.CKS_RO_PUBLIC_SESSION, "logout did not reach the RO session")
    expect_rv(P.CKR_USER_NOT_LOGGED_IN, "private object created without login",
              rw.createObject, [(P.CKA_CLASS, P.CKO_DATA), (P.CKA_PRIVATE, P.CK_TRUE)])

    ro.closeSession()
    expect_rv(P.CKR_SESSION_HANDLE_INVALID, "C_GetSessionInfo on a closed session",
              ro.getSessionInfo)
    lib.closeAllSessions(SLOT)
    expect_rv(P.CKR_SESSION_HANDLE_INVALID, "session after C_CloseAllSessions",
              rw.getSessionInfo)


def check_set_pin(lib):
    """The user changes the PIN the SO set, then sets it back."""
    s = lib.openSession(SLOT, P.CKF_SERIAL_SESSION | P.CKF_RW_SESSION)
    s.login(USER_PIN)
    expect_rv(P.CKR_PIN_INCORRECT, "C_SetPIN with a wrong old PIN", s.setPin, "000000", "654321")
    s.setPin(USER_PIN, "654321")
    check(not lib.getTokenInfo(SLOT).flags & P.CKF_USER_PIN_TO_BE_CHANGED,
          "CKF_USER_PIN_TO_BE_CHANGED still set after the user changed the PIN")
    s.logout()
    expect_rv(P.CKR_PIN_INCORRECT, "C_Login with the old PIN", s.login, USER_PIN)
    s.login("654321")
    s.setPin("654321", USER_PIN)
    s.logout()
    s.closeSession()


def rsa_public(session, pub):
    """The `cryptography` public key of an RSA public key object."""
    n, e = session.getAttributeValue(pub, [P.CKA_MODULUS, P.CKA_PUBLIC_EXPONENT], True)
    return rsa.RSAPublicNumbers(int.from_bytes(bytes(e), "big"),
                                int.from_bytes(bytes(n), "big")).public_key()


def ec_public(session, pub):
    """The `cryptography` public key of a P-256 public key object."""
    params, point = session.getAttributeValue(pub, [P.CKA_EC_PARAMS, P.CKA_EC_POINT], True)
    check(bytes(params) == P256_PARAMS, "CKA_EC_PARAMS is %s" % bytes(params).hex())
    point = bytes(point)
    # CKA_EC_POINT is the DER OCTET STRING holding the uncompressed point
    check(len(point) == 67 and point[:3] == b"\x04\x41\x04",
          "CKA_EC_POINT is not a DER octet string of an uncompressed point: %s" % point.hex())
    return ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), point[2:])


def generate_rsa(s):
    """An RSA-2048 token key pair."""
    pub_t = [(P.CKA_CLASS, P.CKO_PUBLIC_KEY), (P.CKA_TOKEN, P.CK_TRUE),
             (P.CKA_MODULUS_BITS, 2048), (P.CKA_PUBLIC_EXPONENT, b"\x01\x00\x01"),
             (P.CKA_VERIFY, P.CK_TRUE), (P.CKA_ENCRYPT, P.CK_TRUE),
             (P.CKA_LABEL, "py-rsa"), (P.CKA_ID, b"\x71")]
    priv_t = [(P.CKA_CLASS, P.CKO_PRIVATE_KEY), (P.CKA_TOKEN, P.CK_TRUE),
              (P.CKA_PRIVATE, P.CK_TRUE), (P.CKA_SENSITIVE, P.CK_TRUE),
              (P.CKA_SIGN, P.CK_TRUE), (P.CKA_DECRYPT, P.CK_TRUE),
              (P.CKA_LABEL, "py-rsa"), (P.CKA_ID, b"\x71")]
    pub, priv = s.generateKeyPair(pub_t, priv_t)
    check(attr(s, pub, P.CKA_MODULUS_BITS) == 2048, "RSA public key is not 2048 bits")
    check(len(attr(s, pub, P.CKA_MODULUS)) == 256, "RSA modulus is not 256 bytes")
    for kind, want in ((P.CKA_LOCAL, True), (P.CKA_ALWAYS_SENSITIVE, True),
                       (P.CKA_NEVER_EXTRACTABLE, False), (P.CKA_KEY_TYPE, P.CKK_RSA),
                       (P.CKA_KEY_GEN_MECHANISM, P.CKM_RSA_PKCS_KEY_PAIR_GEN)):
        got = attr(s, priv, kind)
        check(got == want, "generated RSA private key: %s is %r" % (P.CKA[kind], got))
    return pub, priv


def generate_ec(s):
    """A P-256 token key pair."""
    pub_t = [(P.CKA_CLASS, P.CKO_PUBLIC_KEY), (P.CKA_TOKEN, P.CK_TRUE),
             (P.CKA_EC_PARAMS, P256_PARAMS), (P.CKA_VERIFY, P.CK_TRUE),
             (P.CKA_LABEL, "py-ec"), (P.CKA_ID, b"\x72")]
    priv_t = [(P.CKA_CLASS, P.CKO_PRIVATE_KEY), (P.CKA_TOKEN, P.CK_TRUE),
              (P.CKA_PRIVATE, P.CK_TRUE), (P.CKA_SENSITIVE, P.CK_TRUE),
              (P.CKA_SIGN, P.CK_TRUE), (P.CKA_LABEL, "py-ec"), (P.CKA_ID, b"\x72")]
    pub, priv = s.generateKeyPair(pub_t, priv_t, P.MechanismECGENERATEKEYPAIR)
    check(attr(s, priv, P.CKA_KEY_TYPE) == P.CKK_EC, "generated EC key is not CKK_EC")
    check(bytes(attr(s, priv, P.CKA_EC_PARAMS)) == P256_PARAMS,
          "EC private key lacks its CKA_EC_PARAMS")
    return pub, priv


def generate_aes(s):
    """An AES-256 session key that stays sensitive."""
    key = s.generateKey([(P.CKA_CLASS, P.CKO_SECRET_KEY), (P.CKA_KEY_TYPE, P.CKK_AES),
                         (P.CKA_VALUE_LEN, 32), (P.CKA_TOKEN, P.CK_FALSE),
                         (P.CKA_SENSITIVE, P.CK_TRUE), (P.CKA_ENCRYPT, P.CK_TRUE),
                         (P.CKA_DECRYPT, P.CK_TRUE), (P.CKA_LABEL, "py-aes")])
    check(attr(s, key, P.CKA_VALUE_LEN) == 32, "AES key length is not 32")
    check(attr(s, key, P.CKA_TOKEN) is False, "AES session key is a token object")
    return key


def verify_rsa(pub, sig, data, pad, algo, what):
    """Verifies an RSA signature outside the token."""
    try:
        pub.verify(bytes(sig), data, pad, algo)
    except InvalidSignature:
        raise CheckFailed("%s signature does not verify outside the token" % what)


def check_rsa_signatures(s, pub, priv, outdir):
    """RSA signatures made on the token, checked outside and on the token."""
    key = rsa_public(s, pub)
    digest = hashlib.sha256(MESSAGE).digest()
    digest_info = bytes.fromhex("3031300d060960864801650304020105000420") + digest

    sig = s.sign(priv, digest_info, P.Mechanism(P.CKM_RSA_PKCS))
    verify_rsa(key, sig, MESSAGE, apad.PKCS1v15(), hashes.SHA256(), "CKM_RSA_PKCS")
    sig = s.sign(priv, MESSAGE, P.Mechanism(P.CKM_SHA256_RSA_PKCS))
    check(len(sig) == 256, "RSA-2048 signature of %d bytes" % len(sig))
    verify_rsa(key, sig, MESSAGE, apad.PKCS1v15(), hashes.SHA256(), "CKM_SHA256_RSA_PKCS")
    check(s.verify(pub, MESSAGE, sig, P.Mechanism(P.CKM_SHA256_RSA_PKCS)),
          "token rejects its own SHA256-RSA-PKCS signature")
    check(not s.verify(pub, MESSAGE + b"x", sig, P.Mechanism(P.CKM_SHA256_RSA_PKCS)),
          "token accepts a signature over other data")
    with open(os.path.join(outdir, "data"), "wb") as f:
        f.write(MESSAGE)
    with open(os.path.join(outdir, "rsa.sig"), "wb") as f:
        f.write(bytes(sig))
    with open(os.path.join(outdir, "rsa.pem"), "wb") as f:
        f.write(key.public_bytes(serialization.Encoding.PEM,
                                 serialization.PublicFormat.SubjectPublicKeyInfo))

    pss = apad.PSS(mgf=apad.MGF1(hashes.SHA256()), salt_length=32)
    mech = P.RSA_PSS_Mechanism(P.CKM_SHA256_RSA_PKCS_PSS, P.CKM_SHA256, P.CKG_MGF1_SHA256, 32)
    sig = s.sign(priv, MESSAGE, mech)
    verify_rsa(key, sig, MESSAGE, pss, hashes.SHA256(), "CKM_SHA256_RSA_PKCS_PSS")
    check(s.verify(pub, MESSAGE, sig, mech), "token rejects its own PSS signature")
    mech = P.RSA_PSS_Mechanism(P.CKM_RSA_PKCS_PSS, P.CKM_SHA256, P.CKG_MGF1_SHA256, 32)
    sig = s.sign(priv, digest, mech)
    verify_rsa(key, sig, MESSAGE, pss, hashes.SHA256(), "CKM_RSA_PKCS_PSS")


def check_ecdsa(s, pub, priv):
    """ECDSA signatures made on the token, checked outside and on the token."""
    key = ec_public(s, pub)
    for mech, data in ((P.CKM_ECDSA, hashlib.sha256(MESSAGE).digest()),
                       (P.CKM_ECDSA_SHA256, MESSAGE)):
        sig = bytes(s.sign(priv, data, P.Mechanism(mech)))
        check(len(sig) == 64, "P-256 signature of %d bytes" % len(sig))
        der = encode_dss_signature(int.from_bytes(sig[:32], "big"),
                                   int.from_bytes(sig[32:], "big"))
        try:
            key.verify(der, MESSAGE, ec.ECDSA(hashes.SHA256()))
        except InvalidSignature:
            raise CheckFailed("%s signature does not verify outside the token" % P.CKM[mech])
        check(s.verify(pub, data, sig, P.Mechanism(mech)),
              "token rejects its own %s signature" % P.CKM[mech])
    expect_rv(P.CKR_KEY_TYPE_INCONSISTENT, "C_SignInit(CKM_SHA256_RSA_PKCS, EC key)",
              s.sign, priv, MESSAGE, P.Mechanism(P.CKM_SHA256_RSA_PKCS))


def check_rsa_oaep(s, pub, priv):
    """OAEP: the token decrypts what `cryptography` and the token encrypt."""
    key = rsa_public(s, pub)
    for hash_mech, mgf, algo in ((P.CKM_SHA_1, P.CKG_MGF1_SHA1, hashes.SHA1()),
                                 (P.CKM_SHA256, P.CKG_MGF1_SHA256, hashes.SHA256())):
        mech = P.RSAOAEPMechanism(hash_mech, mgf)
        enc = key.encrypt(MESSAGE, apad.OAEP(mgf=apad.MGF1(algo), algorithm=algo, label=None))
        check(bytes(s.decrypt(priv, enc, mech)) == MESSAGE,
              "OAEP-%s decryption of a foreign ciphertext differs" % algo.name)
        enc = s.encrypt(pub, MESSAGE, mech)
        check(len(enc) == 256, "OAEP ciphertext of %d bytes" % len(enc))
        check(bytes(s.decrypt(priv, enc, mech)) == MESSAGE,
              "OAEP-%s round trip on the token differs" % algo.name)


def import_rsa(s):
    """A software RSA key made into session objects; returns the software key
    and the handles of its private and public key objects."""
    soft = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    num = soft.private_numbers()
    pubnum = num.public_numbers
    common = [(P.CKA_KEY_TYPE, P.CKK_RSA), (P.CKA_TOKEN, P.CK_FALSE),
              (P.CKA_MODULUS, int_bytes(pubnum.n)),
              (P.CKA_PUBLIC_EXPONENT, int_bytes(pubnum.e)), (P.CKA_LABEL, "py-import")]
    priv = s.createObject(common + [
        (P.CKA_CLASS, P.CKO_PRIVATE_KEY), (P.CKA_PRIVATE, P.CK_TRUE),
        (P.CKA_SIGN, P.CK_TRUE), (P.CKA_DECRYPT, P.CK_TRUE),
        (P.CKA_PRIVATE_EXPONENT, int_bytes(num.d)), (P.CKA_PRIME_1, int_bytes(num.p)),
        (P.CKA_PRIME_2, int_bytes(num.q)), (P.CKA_EXPONENT_1, int_bytes(num.dmp1)),
        (P.CKA_EXPONENT_2, int_bytes(num.dmq1)), (P.CKA_COEFFICIENT, int_bytes(num.iqmp))])
    pub = s.createObject(common + [(P.CKA_CLASS, P.CKO_PUBLIC_KEY), (P.CKA_VERIFY, P.CK_TRUE)])
    return soft, priv, pub


def check_imported_rsa(s):
    """A key made outside: the token signs for it and checks its signatures."""
    soft, priv, pub = import_rsa(s)
    check(attr(s, priv, P.CKA_LOCAL) is False, "imported key claims CKA_LOCAL")
    check(attr(s, pub, P.CKA_MODULUS_BITS) == 2048, "imported public key lacks its size")
    sig = s.sign(priv, MESSAGE, P.Mechanism(P.CKM_SHA256_RSA_PKCS))
    verify_rsa(soft.public_key(), sig, MESSAGE, apad.PKCS1v15(), hashes.SHA256(),
               "imported key's SHA256-RSA-PKCS")
    foreign = soft.sign(MESSAGE, apad.PKCS1v15(), hashes.SHA256())
    check(s.verify(pub, MESSAGE, foreign, P.Mechanism(P.CKM_SHA256_RSA_PKCS)),
          "token rejects a signature made outside it")
    s.destroyObject(priv)
    s.destroyObject(pub)


def import_aes(s, value):
    """An AES session key with a known value."""
    return s.createObject([(P.CKA_CLASS, P.CKO_SECRET_KEY), (P.CKA_KEY_TYPE, P.CKK_AES),
                           (P.CKA_TOKEN, P.CK_FALSE), (P.CKA_VALUE, value),
                           (P.CKA_ENCRYPT, P.CK_TRUE), (P.CKA_DECRYPT, P.CK_TRUE)])


def soft_cbc_pad(value, iv, data, encrypt):
    """AES-CBC with PKCS#7 padding outside the token."""
    cipher = Cipher(algorithms.AES(value), modes.CBC(iv))
    if encrypt:
        padder = padding.PKCS7(128).padder()
        op = cipher.encryptor()
        return op.update(padder.update(data) + padder.finalize()) + op.finalize()
    op = cipher.decryptor()
    unpadder = padding.PKCS7(128).unpadder()
    plain = op.update(data) + op.finalize()
    return unpadder.update(plain) + unpadder.finalize()


def check_aes(s, generated):
    """CBC_PAD and GCM with a known key against `cryptography`, and with the
    generated sensitive key on the token alone."""
    value = os.urandom(32)
    key = import_aes(s, value)
    iv = os.urandom(16)
    # (PyKCS11 refuses empty input itself, before the library sees it)
    for size in (1, 15, 16, 33):
        data = os.urandom(size)
        mech = P.Mechanism(P.CKM_AES_CBC_PAD, iv)
        enc = bytes(s.encrypt(key, data, mech))
        check(enc == soft_cbc_pad(value, iv, data, True),
              "AES-CBC-PAD ciphertext of %d bytes differs from cryptography's" % size)
        check(bytes(s.decrypt(key, soft_cbc_pad(value, iv, data, True), mech)) == data,
              "AES-CBC-PAD decryption of %d bytes differs" % size)
        check(bytes(s.decrypt(generated, s.encrypt(generated, data, mech), mech)) == data,
              "AES-CBC-PAD round trip with the generated key differs")

    nonce, aad = os.urandom(12), b"header"
    mech = P.AES_GCM_Mechanism(nonce, aad, 128)
    enc = bytes(s.encrypt(key, MESSAGE, mech))
    check(enc == AESGCM(value).encrypt(nonce, MESSAGE, aad),
          "AES-GCM ciphertext and tag differ from cryptography's")
    foreign = AESGCM(value).encrypt(nonce, MESSAGE, aad)
    check(bytes(s.decrypt(key, foreign, mech)) == MESSAGE, "AES-GCM decryption differs")
    forged = foreign[:-1] + bytes([foreign[-1] ^ 1])
    expect_rv((P.CKR_ENCRYPTED_DATA_INVALID, CKR_AEAD_DECRYPT_FAILED),
              "C_Decrypt(CKM_AES_GCM) with a forged tag", s.decrypt, key, forged, mech)
    check(bytes(s.decrypt(generated, s.encrypt(generated, MESSAGE, mech), mech)) == MESSAGE,
          "AES-GCM round trip with the generated key differs")
    check_sensitive(s, generated, P.CKA_VALUE, "a generated sensitive AES key")
    s.destroyObject(key)


def check_digest_hmac(s):
    """Digests one-part and in parts, and HMAC, against Python's own."""
    for mech, name in ((P.CKM_SHA_1, "sha1"), (P.CKM_SHA256, "sha256"),
                       (P.CKM_SHA384, "sha384"), (P.CKM_SHA512, "sha512")):
        got = bytes(s.digest(MESSAGE, P.Mechanism(mech)))
        check(got == hashlib.new(name, MESSAGE).digest(), "%s digest differs" % name)
    parts = s.digestSession(P.Mechanism(P.CKM_SHA256))
    for chunk in (MESSAGE[:5], MESSAGE[5:20], MESSAGE[20:]):
        parts.update(chunk)
    check(bytes(parts.final()) == hashlib.sha256(MESSAGE).digest(),
          "multi-part SHA-256 differs")
    secret = os.urandom(32)
    key = s.createObject([(P.CKA_CLASS, P.CKO_SECRET_KEY),
                          (P.CKA_KEY_TYPE, P.CKK_GENERIC_SECRET), (P.CKA_TOKEN, P.CK_FALSE),
                          (P.CKA_VALUE, secret), (P.CKA_SIGN, P.CK_TRUE),
                          (P.CKA_VERIFY, P.CK_TRUE)])
    mac = bytes(s.sign(key, MESSAGE, P.Mechanism(P.CKM_SHA256_HMAC)))
    check(mac == hmac.new(secret, MESSAGE, hashlib.sha256).digest(), "HMAC-SHA256 differs")
    s.destroyObject(key)


def check_find_and_attributes(lib, s):
    """Search by label, class and id; labels changed; read-only attributes."""
    priv = find_one(s, [(P.CKA_LABEL, "py-rsa"), (P.CKA_CLASS, P.CKO_PRIVATE_KEY)],
                    "private key labelled py-rsa")
    find_one(s, [(P.CKA_ID, b"\x72"), (P.CKA_CLASS, P.CKO_PUBLIC_KEY)], "public key with id 72")
    privs = s.findObjects([(P.CKA_CLASS, P.CKO_PRIVATE_KEY)])
    check(len(privs) == 2, "%d private keys found, expected 2" % len(privs))
    check(len(s.findObjects([(P.CKA_LABEL, "no such label")])) == 0, "unknown label found")
    check(len(s.findObjects([(P.CKA_CLASS, P.CKO_SECRET_KEY)])) == 1,
          "the AES session key is not found")

    s.setAttributeValue(priv, [(P.CKA_LABEL, "py-rsa-renamed")])
    check(attr(s, priv, P.CKA_LABEL) == "py-rsa-renamed", "label not changed")
    find_one(s, [(P.CKA_LABEL, "py-rsa-renamed")], "renamed private key")
    s.setAttributeValue(priv, [(P.CKA_LABEL, "py-rsa")])
    expect_rv(P.CKR_ATTRIBUTE_READ_ONLY, "C_SetAttributeValue(CKA_CLASS)",
              s.setAttributeValue, priv, [(P.CKA_CLASS, P.CKO_DATA)])
    expect_rv(P.CKR_ATTRIBUTE_READ_ONLY, "C_SetAttributeValue(CKA_SENSITIVE = false)",
              s.setAttributeValue, priv, [(P.CKA_SENSITIVE, P.CK_FALSE)])

    check_sensitive(s, priv, P.CKA_PRIVATE_EXPONENT, "a generated RSA key")
    check_sensitive(s, priv, P.CKA_PRIME_1, "a generated RSA key")
    low_rv(P.CKR_ATTRIBUTE_TYPE_INVALID, "C_GetAttributeValue(vendor attribute)",
           low_get(s, priv, P.CKA_VENDOR_DEFINED | 0x4711))

    # a public session sees the public objects only
    pub_s = lib.openSession(SLOT)
    s.logout()
    check(len(pub_s.findObjects([(P.CKA_CLASS, P.CKO_PRIVATE_KEY)])) == 0,
          "private keys visible without login")
    check(len(pub_s.findObjects([(P.CKA_LABEL, "py-rsa")])) == 1,
          "public key not visible without login")
    pub_s.closeSession()
    s.login(USER_PIN)


def check_objects(s):
    """A data object created, read, changed and destroyed."""
    obj = s.createObject([(P.CKA_CLASS, P.CKO_DATA), (P.CKA_TOKEN, P.CK_TRUE),
                          (P.CKA_PRIVATE, P.CK_FALSE), (P.CKA_LABEL, "py-data"),
                          (P.CKA_APPLICATION, "pykcs11_check"), (P.CKA_VALUE, b"\x00payload\xff")])
    value = s.getAttributeValue(obj, [P.CKA_VALUE], True)[0]
    check(bytes(value) == b"\x00payload\xff", "data object value read back differs")
    check(attr(s, obj, P.CKA_APPLICATION) == "pykcs11_check", "CKA_APPLICATION differs")
    s.setAttributeValue(obj, [(P.CKA_VALUE, b"new")])
    check(bytes(s.getAttributeValue(obj, [P.CKA_VALUE], True)[0]) == b"new",
          "changed data object value differs")
    s.destroyObject(obj)
    expect_rv(P.CKR_OBJECT_HANDLE_INVALID, "C_GetAttributeValue on a destroyed object",
              s.getAttributeValue, obj, [P.CKA_LABEL])
    check(len(s.findObjects([(P.CKA_LABEL, "py-data")])) == 0, "destroyed object still found")


def check_errors(s, rsa_priv):
    """Return values for bad handles, incomplete templates and operations
    never started or already running."""
    bad = bad_handle(s)
    expect_rv(P.CKR_OBJECT_HANDLE_INVALID, "C_GetAttributeValue(bad handle)",
              s.getAttributeValue, bad, [P.CKA_LABEL])
    expect_rv(P.CKR_OBJECT_HANDLE_INVALID, "C_DestroyObject(bad handle)", s.destroyObject, bad)
    expect_rv(P.CKR_KEY_HANDLE_INVALID, "C_SignInit(bad handle)",
              s.sign, bad, MESSAGE, P.Mechanism(P.CKM_SHA256_RSA_PKCS))
    expect_rv(P.CKR_KEY_HANDLE_INVALID, "C_EncryptInit(bad handle)",
              s.encrypt, bad, MESSAGE, P.Mechanism(P.CKM_AES_CBC_PAD, bytes(16)))
    expect_rv(P.CKR_MECHANISM_INVALID, "C_SignInit(vendor mechanism)",
              s.sign, rsa_priv, MESSAGE, P.Mechanism(P.CKM_VENDOR_DEFINED | 0x4711))

    expect_rv(P.CKR_TEMPLATE_INCOMPLETE, "C_GenerateKeyPair(RSA) without CKA_MODULUS_BITS",
              s.generateKeyPair, [(P.CKA_TOKEN, P.CK_FALSE)], [(P.CKA_TOKEN, P.CK_FALSE)])
    expect_rv(P.CKR_TEMPLATE_INCOMPLETE, "C_GenerateKey(AES) without CKA_VALUE_LEN",
              s.generateKey, [(P.CKA_CLASS, P.CKO_SECRET_KEY), (P.CKA_KEY_TYPE, P.CKK_AES)])
    expect_rv(P.CKR_TEMPLATE_INCOMPLETE, "C_CreateObject(AES key) without CKA_VALUE",
              s.createObject, [(P.CKA_CLASS, P.CKO_SECRET_KEY), (P.CKA_KEY_TYPE, P.CKK_AES)])
    expect_rv(P.CKR_TEMPLATE_INCOMPLETE, "C_CreateObject(key) without CKA_KEY_TYPE",
              s.createObject, [(P.CKA_CLASS, P.CKO_SECRET_KEY), (P.CKA_VALUE, bytes(32))])

    data, out = P.ckbytelist(MESSAGE), P.ckbytelist()
    low_rv(P.CKR_OPERATION_NOT_INITIALIZED, "C_Sign without C_SignInit",
           s.lib.C_Sign(s.session, data, out))
    low_rv(P.CKR_OPERATION_NOT_INITIALIZED, "C_DigestUpdate without C_DigestInit",
           s.lib.C_DigestUpdate(s.session, data))
    low_rv(P.CKR_OPERATION_NOT_INITIALIZED, "C_DecryptFinal without C_DecryptInit",
           s.lib.C_DecryptFinal(s.session, out))
    low_rv(P.CKR_OPERATION_NOT_INITIALIZED, "C_FindObjects without C_FindObjectsInit",
           s.lib.C_FindObjects(s.session, LowLevel.ckobjlist(1)))
    mech = P.Mechanism(P.CKM_SHA256_RSA_PKCS).to_native()
    low_rv(P.CKR_OK, "C_SignInit", s.lib.C_SignInit(s.session, mech, rsa_priv))
    low_rv(P.CKR_OPERATION_ACTIVE, "second C_SignInit",
           s.lib.C_SignInit(s.session, mech, rsa_priv))
    low_rv(P.CKR_OK, "C_SignUpdate", s.lib.C_SignUpdate(s.session, data))
    sig = P.ckbytelist()
    low_rv(P.CKR_OK, "C_SignFinal (length)", s.lib.C_SignFinal(s.session, sig))
    low_rv(P.CKR_OK, "C_SignFinal", s.lib.C_SignFinal(s.session, sig))
    check(len(sig) == 256, "multi-part signature of %d bytes" % len(sig))
    low_rv(P.CKR_OPERATION_NOT_INITIALIZED, "C_SignFinal after the operation ended",
           s.lib.C_SignFinal(s.session, P.ckbytelist()))


def check_random(s):
    """Random bytes of the requested length, not repeated."""
    a, b = s.generateRandom(32), s.generateRandom(32)
    check(len(a) == 32 and len(b) == 32, "C_GenerateRandom gave the wrong length")
    check(bytes(a) != bytes(b), "two random draws are equal")


def run(libpath, outdir):
    """All checks, in an order that builds on the objects made before."""
    lib = P.PyKCS11Lib()
    lib.load(libpath)
    check_library(lib)
    check_sessions(lib)
    check_set_pin(lib)
    s = lib.openSession(SLOT, P.CKF_SERIAL_SESSION | P.CKF_RW_SESSION)
    s.login(USER_PIN)
    rsa_pub, rsa_priv = generate_rsa(s)
    ec_pub, ec_priv = generate_ec(s)
    aes = generate_aes(s)
    check_rsa_signatures(s, rsa_pub, rsa_priv, outdir)
    check_ecdsa(s, ec_pub, ec_priv)
    check_rsa_oaep(s, rsa_pub, rsa_priv)
    check_imported_rsa(s)
    check_aes(s, aes)
    check_digest_hmac(s)
    check_find_and_attributes(lib, s)
    check_objects(s)
    # handles of private objects need not survive a logout: look it up again
    check_errors(s, find_one(s, [(P.CKA_LABEL, "py-rsa"), (P.CKA_CLASS, P.CKO_PRIVATE_KEY)],
                             "private key labelled py-rsa"))
    check_random(s)
    s.logout()
    s.closeSession()


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: pykcs11_check.py LIBRARY OUTDIR")
    try:
        run(sys.argv[1], sys.argv[2])
    except CheckFailed as err:
        sys.exit("FAIL: %s" % err)
    except P.PyKCS11Error as err:
        traceback.print_exc()
        sys.exit("FAIL: unexpected PKCS#11 error: %s" % err)
    print("PyKCS11 checks: ok")


if __name__ == "__main__":
    main()
