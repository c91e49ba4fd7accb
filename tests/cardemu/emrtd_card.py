#!/usr/bin/python3
"""An ICAO 9303 eMRTD (BAC; optionally PACE, Chip Authentication) for a virtual PC/SC reader.

Connects to the vpcd driver of pcscd (Debian package ``vsmartcard-vpcd``; TCP port 35963 for
``Virtual PCD 00 00``) and answers APDUs like a Vietnamese CCCD chip would, from a directory of
LDS files:

    com.bin (EF.COM, 011E)   sod.bin (EF.SOD, 011D)   dg1.bin (0101)   dg2.bin (0102)
    dg13.bin (010D)          dg14.bin (010E)          dg15.bin (010F)  (any dgN.bin: 0100+N)

It builds on Debian's ``python3-virtualsmartcard`` (vsmartcard 3.3): the ``SmartcardOS`` base
class, the ATR builder, the APDU parser and the vpcd control codes come from there. Its ePass
card itself is not used, because as shipped it does not work for this purpose (see
/work/shared/notes/cccd-chip.md): Python 2 code answering 6988 to every SM command, an SSC
encoded without leading zeros, no DO'99' in responses, the BAC key taken from TD3 offsets only,
and no access control. This card:

- derives the BAC key from the TD1 MRZ in dg1.bin (document number, birth date, expiry with
  their check digits), or from --document-number/--birth/--expiry;
- enforces "BAC required": SELECT EF / READ BINARY without secure messaging answer 6982;
- wraps every answer to a protected command in DO'87'/DO'85', DO'99' and DO'8E' with an 8-byte
  big-endian SSC;
- answers SELECT MF with 6D00 (as Vietnamese chips do), DG3 READ BINARY with 6982 (EAC; also
  any data group named with --protect N, for a copy pretending its keys are protected),
  missing files with 6A82, offsets past the end with 6B00, short reads with 6282, Le above
  --max-le with 6700;
- supports READ BINARY with SFI, and odd INS B1 (DO'54' offset, DO'53' data);
- answers INTERNAL AUTHENTICATE (Active Authentication, ICAO 9303-11 §6.1) with the RSA key in
  aa-key.der (PKCS#1 DER, or --aa-key): ISO/IEC 9796-2 scheme 1, SHA-1, trailer BC, as most
  chips do; without a key it answers 6D00. A "cloned chip" is the same files with another key;
- with --pace, also offers PACE (ICAO 9303-11 §4.4): ECDH Generic Mapping on brainpoolP256r1
  (--pace-param 13, the default) or NIST P-256 (12), with 3DES or AES-128/192/256 secure
  messaging (--pace-cipher), passwords CAN (--can, default the last 6 digits of the document
  number) and MRZ; EF.CardAccess (011C, SFI 1C) is then readable without secure messaging.
  BAC keeps working on such a card, as on real chips;
- with an EC private key (ca-key.der in the card directory, or --ca-key; PKCS#8 or SEC1, DER or
  PEM, brainpoolP256r1 or P-256), answers Chip Authentication (ICAO 9303-11 §6.2) under secure
  messaging: version 2 (MSE:Set AT 41A4 with id-CA-ECDH-3DES/AES-128/192/256, then GENERAL
  AUTHENTICATE) and version 1 (MSE:Set KAT 41A6, 3DES), then restarts secure messaging with the
  keys from K = x(SK_chip · PK_terminal). DG14 (with the matching public key) is one of the
  card's files, not made here; a "cloned chip" is the same files with another key;
- sets TCP_QUICKACK on its socket (vpcd writes each APDU in two parts; without it every APDU
  waits for a delayed ACK, ~40 ms).

Usage: emrtd_card.py --card-dir DIR [--aa-key FILE] [--ca-key FILE | --no-ca] [--protect N ...]
                     [--pace [--pace-param 12|13] [--pace-cipher 3des|aes128|aes192|aes256]
                     [--can DIGITS]]
                     [--host 127.0.0.1] [--port 35963] [--verbose]
"""

import argparse
import base64
import hashlib
import hmac
import os
import secrets
import socket
import struct
import sys
import time

# Debian installs vsmartcard off sys.path, and pycryptodome as "Cryptodome" where vsmartcard
# imports "Crypto".
VSMARTCARD_PATH = "/usr/lib/python3/site-packages/virtualsmartcard"
if VSMARTCARD_PATH not in sys.path:
    sys.path.insert(0, VSMARTCARD_PATH)
import Cryptodome  # noqa: E402
import Cryptodome.Cipher  # noqa: E402
from Cryptodome.Cipher import AES, DES, DES3  # noqa: E402
from Cryptodome.Hash import CMAC  # noqa: E402
from Cryptodome.PublicKey import RSA  # noqa: E402

sys.modules.setdefault("Crypto", Cryptodome)
sys.modules.setdefault("Crypto.Cipher", Cryptodome.Cipher)

from virtualsmartcard import VirtualSmartcard as vs  # noqa: E402
from virtualsmartcard.VirtualSmartcard import Iso7816OS, SmartcardOS  # noqa: E402
from virtualsmartcard.utils import C_APDU  # noqa: E402

AID = bytes.fromhex("A0000002471001")
FILE_NAMES = {0x011E: "com.bin", 0x011D: "sod.bin"}
for _n in range(1, 17):
    FILE_NAMES[0x0100 + _n] = "dg%d.bin" % _n
EAC_PROTECTED = {0x0103, 0x0104}  # DG3 fingerprints, DG4 iris
CARD_ACCESS = 0x011C  # EF.CardAccess (SFI 1C), in the MF, only with --pace

SW_OK = 0x9000


class CardError(Exception):
    def __init__(self, sw):
        super().__init__("%04X" % sw)
        self.sw = sw


# --- 3DES secure messaging (ICAO 9303-11 §9.8) ---------------------------------------------

def pad(data, block=8):
    """ISO/IEC 9797-1 padding method 2 to a multiple of `block` bytes."""
    data = bytes(data) + b"\x80"
    while len(data) % block:
        data += b"\x00"
    return data


def unpad(data):
    end = data.rstrip(b"\x00")
    if not end.endswith(b"\x80"):
        raise CardError(0x6988)
    return end[:-1]


def tdes_enc(key, data):
    return DES3.new(key, DES3.MODE_CBC, iv=b"\x00" * 8).encrypt(data)


def tdes_dec(key, data):
    return DES3.new(key, DES3.MODE_CBC, iv=b"\x00" * 8).decrypt(data)


def retail_mac(key, padded):
    """ISO 9797-1 MAC algorithm 3 (single DES CBC, 3DES on the last block)."""
    k1, k2 = key[:8], key[8:16]
    h = DES.new(k1, DES.MODE_CBC, iv=b"\x00" * 8).encrypt(padded)[-8:]
    h = DES.new(k2, DES.MODE_ECB).decrypt(h)
    return DES.new(k1, DES.MODE_ECB).encrypt(h)


def derive_key(seed, counter):
    d = hashlib.sha1(seed + struct.pack(">I", counter)).digest()[:16]
    out = bytearray()
    for b in d:
        b &= 0xFE
        out.append(b | (bin(b).count("1") % 2 == 0))
    return bytes(out)


def check_digit(s):
    weights = (7, 3, 1)
    total = 0
    for i, c in enumerate(s):
        if c.isdigit():
            v = ord(c) - 48
        elif "A" <= c <= "Z":
            v = ord(c) - 55
        else:
            v = 0
        total += v * weights[i % 3]
    return str(total % 10)


def tlv(tag, value):
    value = bytes(value)
    n = len(value)
    if n < 0x80:
        length = bytes([n])
    elif n < 0x100:
        length = bytes([0x81, n])
    else:
        length = bytes([0x82, n >> 8, n & 0xFF])
    tag_bytes = tag.to_bytes((tag.bit_length() + 7) // 8 or 1, "big")
    return tag_bytes + length + value


def parse_tlvs(data):
    """Yields (tag, value, raw) for a flat BER-TLV sequence."""
    i = 0
    while i < len(data):
        start = i
        tag = data[i]
        i += 1
        if tag & 0x1F == 0x1F:
            while True:
                b = data[i]
                tag = (tag << 8) | b
                i += 1
                if not b & 0x80:
                    break
        n = data[i]
        i += 1
        if n & 0x80:
            k = n & 0x7F
            n = int.from_bytes(data[i:i + k], "big")
            i += k
        value = data[i:i + n]
        if len(value) != n:
            raise CardError(0x6988)
        i += n
        yield tag, value, data[start:i]


def mrz_information_from_dg1(dg1):
    """Document number, birth date, expiry (with check digits) from a TD1 or TD3 DG1."""
    mrz = None
    for tag, value, _ in parse_tlvs(dg1):
        if tag == 0x61:
            for t, v, _ in parse_tlvs(value):
                if t == 0x5F1F:
                    mrz = v.decode("ascii")
    if mrz is None:
        raise SystemExit("dg1.bin has no MRZ (5F1F)")
    if len(mrz) == 90:  # TD1: the ID card layout
        l1, l2 = mrz[0:30], mrz[30:60]
        number = l1[5:14]
        if l1[14] == "<":  # long document number continues in the optional data
            number += l1[15:30].split("<")[0][:-1]
        dob, doe = l2[0:6], l2[8:14]
    elif len(mrz) == 88:  # TD3: passport
        l2 = mrz[44:88]
        number, dob, doe = l2[0:9], l2[13:19], l2[21:27]
    else:
        raise SystemExit("unsupported MRZ length %d" % len(mrz))
    return number.rstrip("<"), dob, doe


def mrz_information(number, dob, doe):
    number = number + "<" * max(0, 9 - len(number))
    return number + check_digit(number) + dob + check_digit(dob) + doe + check_digit(doe)


class SecureMessaging:
    """One secure messaging session (ICAO 9303-11 §9.8): its keys and send sequence counter.

    3DES (after BAC, or PACE or Chip Authentication with 3DES): 8-byte blocks and SSC, 3DES-CBC
    with a zero IV, the retail MAC. AES (after PACE or CA with AES): 16-byte blocks and SSC,
    AES-CBC with IV = AES-ECB(KS_enc, SSC), AES-CMAC truncated to 8 bytes. Both pad with ISO/IEC
    9797-1 method 2, for the data and for the MAC input; the MAC covers pad(SSC || data).
    """

    def __init__(self, ks_enc, ks_mac, ssc=0, aes=False):
        self.ks_enc = ks_enc
        self.ks_mac = ks_mac
        self.ssc = ssc
        self.aes = aes
        self.block = 16 if aes else 8

    def ssc_bytes(self):
        bits = 8 * self.block
        return (self.ssc & ((1 << bits) - 1)).to_bytes(self.block, "big")  # always full width

    def pad(self, data):
        return pad(data, self.block)

    def _cipher(self):
        if self.aes:
            iv = AES.new(self.ks_enc, AES.MODE_ECB).encrypt(self.ssc_bytes())
            return AES.new(self.ks_enc, AES.MODE_CBC, iv=iv)
        return DES3.new(self.ks_enc, DES3.MODE_CBC, iv=b"\x00" * 8)

    def encrypt(self, padded):
        return self._cipher().encrypt(padded)

    def decrypt(self, data):
        if not data or len(data) % self.block:
            raise CardError(0x6988)
        return self._cipher().decrypt(data)

    def mac(self, data):
        """The 8-byte MAC over pad(SSC || data)."""
        n = self.pad(self.ssc_bytes() + data)
        if self.aes:
            return CMAC.new(self.ks_mac, n, ciphermod=AES).digest()[:8]
        return retail_mac(self.ks_mac, n)


# --- PACE (ICAO 9303-11 §4.4): ECDH, Generic Mapping ------------------------------------------

class Curve:
    """A short Weierstrass curve y^2 = x^3 + ax + b over GF(p) with a base point G of order n.

    Plain integer arithmetic on affine points (x, y); None is the point at infinity. Not
    constant-time: this is a test card.
    """

    def __init__(self, name, p, a, b, gx, gy, n):
        self.name, self.p, self.a, self.b, self.n = name, p, a, b, n
        self.g = (gx, gy)
        self.size = (p.bit_length() + 7) // 8  # bytes of a coordinate

    def on_curve(self, pt):
        if pt is None:
            return False
        x, y = pt
        p = self.p
        return 0 <= x < p and 0 <= y < p and (y * y - x * x * x - self.a * x - self.b) % p == 0

    def add(self, pt1, pt2):
        if pt1 is None:
            return pt2
        if pt2 is None:
            return pt1
        p = self.p
        (x1, y1), (x2, y2) = pt1, pt2
        if x1 == x2:
            if (y1 + y2) % p == 0:
                return None
            slope = (3 * x1 * x1 + self.a) * pow(2 * y1 % p, -1, p) % p
        else:
            slope = (y2 - y1) * pow((x2 - x1) % p, -1, p) % p
        x3 = (slope * slope - x1 - x2) % p
        return x3, (slope * (x1 - x3) - y1) % p

    def mul(self, k, pt):
        """k·pt by double-and-add (k ≥ 0)."""
        result = None
        for bit in bin(k)[2:]:
            result = self.add(result, result)
            if bit == "1":
                result = self.add(result, pt)
        return result

    def encode(self, pt):
        """Uncompressed point 04 || X || Y."""
        x, y = pt
        return b"\x04" + x.to_bytes(self.size, "big") + y.to_bytes(self.size, "big")

    def decode(self, data):
        """A received uncompressed point; anything else, or a point off the curve, is 6A80."""
        data = bytes(data)
        if len(data) != 1 + 2 * self.size or data[0] != 0x04:
            raise CardError(0x6A80)
        size = self.size
        pt = (int.from_bytes(data[1:1 + size], "big"), int.from_bytes(data[1 + size:], "big"))
        if not self.on_curve(pt):
            raise CardError(0x6A80)
        return pt

    def random_scalar(self):
        return 1 + secrets.randbelow(self.n - 1)


# ICAO 9303-11 §9.5.1 standardized domain parameters (RFC 5639, SEC 2 / FIPS 186-4).
PACE_CURVES = {
    12: Curve(
        "NIST P-256 (secp256r1)",
        p=0xFFFFFFFF00000001000000000000000000000000FFFFFFFFFFFFFFFFFFFFFFFF,
        a=0xFFFFFFFF00000001000000000000000000000000FFFFFFFFFFFFFFFFFFFFFFFC,
        b=0x5AC635D8AA3A93E7B3EBBD55769886BC651D06B0CC53B0F63BCE3C3E27D2604B,
        gx=0x6B17D1F2E12C4247F8BCE6E563A440F277037D812DEB33A0F4A13945D898C296,
        gy=0x4FE342E2FE1A7F9B8EE7EB4A7C0F9E162BCE33576B315ECECBB6406837BF51F5,
        n=0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551),
    13: Curve(
        "brainpoolP256r1",
        p=0xA9FB57DBA1EEA9BC3E660A909D838D726E3BF623D52620282013481D1F6E5377,
        a=0x7D5A0975FC2C3057EEF67530417AFFE7FB8055C126DC5C6CE94A4B44F330B5D9,
        b=0x26DC5C6CE94A4B44F330B5D9BBD77CBF958416295CF7E1CE6BCCDC18FF8C07B6,
        gx=0x8BD2AEB9CB7E57CB2C4B482FFC81B7AFB9DE27E1E3BD23C23A4453BD9ACE3262,
        gy=0x547EF835C3DAC4FD97F8461A14611DC9C27745132DED8E545C1D54C72F046997,
        n=0xA9FB57DBA1EEA9BC3E660A909D838D718C397AA3B561A6F7901E0E82974856A7),
}

ID_PACE_ECDH_GM = bytes.fromhex("04007F000702020402")  # 0.4.0.127.0.7.2.2.4.2
# --pace-cipher: (last OID arc, key bytes, KDF hash, block bytes)
PACE_CIPHERS = {
    "3des": (1, 16, hashlib.sha1, 8),      # id-PACE-ECDH-GM-3DES
    "aes128": (2, 16, hashlib.sha1, 16),   # id-PACE-ECDH-GM-AES-CBC-CMAC-128
    "aes192": (3, 24, hashlib.sha256, 16),  # id-PACE-ECDH-GM-AES-CBC-CMAC-192
    "aes256": (4, 32, hashlib.sha256, 16),  # id-PACE-ECDH-GM-AES-CBC-CMAC-256
}
PACE_PASSWORD_MRZ = 0x01
PACE_PASSWORD_CAN = 0x02


def pace_oid(cipher):
    """The DER content of id-PACE-ECDH-GM-<cipher>."""
    return ID_PACE_ECDH_GM + bytes([PACE_CIPHERS[cipher][0]])


def pace_kdf(secret, counter, cipher):
    """ICAO 9303-11 §9.7.1: H(secret || counter as 4 bytes), cut to the key length.

    SHA-1 for 3DES and AES-128, SHA-256 for AES-192/256. A 3DES key is the 2-key 3DES key
    K1 || K2 (DES ignores the parity bits, so they are not adjusted).
    """
    _, length, digest, _ = PACE_CIPHERS[cipher]
    return digest(bytes(secret) + struct.pack(">I", counter)).digest()[:length]


def pace_encrypt_nonce(k_pi, nonce, cipher):
    """z = E(K_pi, s): CBC with a zero IV (one or two blocks)."""
    if cipher == "3des":
        return DES3.new(k_pi, DES3.MODE_CBC, iv=b"\x00" * 8).encrypt(nonce)
    return AES.new(k_pi, AES.MODE_CBC, iv=b"\x00" * 16).encrypt(nonce)


def pace_token(ks_mac, oid, public_point, cipher):
    """The authentication token: MAC over the public key data object 7F49 { 06 OID, 86 point }.

    AES: AES-CMAC truncated to 8 bytes (CMAC pads itself); 3DES: the retail MAC over the
    method-2 padded input.
    """
    data = tlv(0x7F49, tlv(0x06, oid) + tlv(0x86, public_point))
    if cipher == "3des":
        return retail_mac(ks_mac, pad(data))
    return CMAC.new(ks_mac, data, ciphermod=AES).digest()[:8]


def card_access_content(param_id, cipher):
    """EF.CardAccess: SecurityInfos { PACEInfo { protocol, version 2, parameterId } }."""
    pace_info = tlv(0x06, pace_oid(cipher)) + tlv(0x02, b"\x02") + tlv(0x02, bytes([param_id]))
    return tlv(0x31, tlv(0x30, pace_info))


def dynamic_authentication_data(data):
    """The data objects inside '7C' of a GENERAL AUTHENTICATE command, as [(tag, value)].

    Anything but exactly one '7C' holding at most one data object is 6A80.
    """
    try:
        outer = list(parse_tlvs(bytes(data)))
        if len(outer) != 1 or outer[0][0] != 0x7C:
            raise CardError(0x6A80)
        inner = [(tag, value) for tag, value, _ in parse_tlvs(outer[0][1])]
    except (CardError, IndexError):
        raise CardError(0x6A80)
    if len(inner) > 1:
        raise CardError(0x6A80)
    return inner


# --- Chip Authentication (ICAO 9303-11 §6.2): ECDH ------------------------------------------

ID_CA_ECDH = bytes.fromhex("04007F000702020302")  # 0.4.0.127.0.7.2.2.3.2
# id-CA-ECDH-<cipher>: last OID arc -> the cipher of the new secure messaging (a PACE_CIPHERS key)
CA_CIPHERS = {1: "3des", 2: "aes128", 3: "aes192", 4: "aes256"}
OID_EC_PUBLIC_KEY = bytes.fromhex("2A8648CE3D0201")  # 1.2.840.10045.2.1 id-ecPublicKey
OID_PRIME_FIELD = bytes.fromhex("2A8648CE3D0101")  # 1.2.840.10045.1.1 prime-field
CURVE_OIDS = {
    bytes.fromhex("2A8648CE3D030107"): PACE_CURVES[12],  # 1.2.840.10045.3.1.7 prime256v1
    bytes.fromhex("2B2403030208010107"): PACE_CURVES[13],  # 1.3.36.3.3.2.8.1.1.7 brainpoolP256r1
}


def ca_oid(cipher):
    """The DER content of id-CA-ECDH-<cipher> (cipher: a PACE_CIPHERS key)."""
    return ID_CA_ECDH + bytes([{v: k for k, v in CA_CIPHERS.items()}[cipher]])


class ChipAuthenticationKey:
    """The chip's static EC key pair for Chip Authentication: `curve` (a Curve), `d`, `public`."""

    def __init__(self, curve, d):
        if not 1 <= d < curve.n:
            raise ValueError("the private key is not in [1, n-1]")
        self.curve, self.d = curve, d
        self.public = curve.mul(d, curve.g)

    def public_bytes(self):
        """The public key as an uncompressed point 04 || X || Y."""
        return self.curve.encode(self.public)


def _der(data):
    """[(tag, value)] of a sequence of DER elements; ValueError if malformed."""
    try:
        return [(tag, value) for tag, value, _ in parse_tlvs(bytes(data))]
    except (CardError, IndexError):
        raise ValueError("malformed DER")


def _der_int(item):
    tag, value = item
    if tag != 0x02 or not value:
        raise ValueError("expected an INTEGER")
    return int.from_bytes(value, "big")


def _curve_from_parameters(tag, value):
    """ECParameters: a named curve OID, or explicit parameters equal to one of the known curves."""
    if tag == 0x06:
        curve = CURVE_OIDS.get(bytes(value))
        if curve is None:
            raise ValueError("unsupported curve (OID %s); use brainpoolP256r1 or prime256v1"
                             % bytes(value).hex().upper())
        return curve
    if tag != 0x30:
        raise ValueError("no named curve or explicit EC parameters")
    # SpecifiedECDomain: version, fieldID { prime-field, p }, curve { a, b [, seed] }, base, order
    items = _der(value)
    if len(items) < 5:
        raise ValueError("truncated explicit EC parameters")
    field = _der(items[1][1])
    coefficients = _der(items[2][1])
    if len(field) != 2 or field[0] != (0x06, OID_PRIME_FIELD) or len(coefficients) < 2:
        raise ValueError("unsupported explicit EC parameters")
    p = _der_int(field[1])
    a, b = (int.from_bytes(v, "big") for _, v in coefficients[:2])
    base, n = items[3][1], _der_int(items[4])
    for curve in CURVE_OIDS.values():
        if (p, a, b, n) == (curve.p, curve.a, curve.b, curve.n) and \
                bytes(base) == curve.encode(curve.g):
            return curve
    raise ValueError("explicit EC parameters of an unsupported curve")


def _pem_private_key(text):
    """The DER of the (EC) PRIVATE KEY block of a PEM file (skipping e.g. EC PARAMETERS)."""
    lines = text.decode("ascii", "replace").splitlines()
    label, body = None, []
    for line in lines:
        line = line.strip()
        if line.startswith("-----BEGIN "):
            label, body = line[11:].rstrip("-").strip(), []
        elif line.startswith("-----END "):
            if label in ("PRIVATE KEY", "EC PRIVATE KEY"):
                return base64.b64decode("".join(body), validate=True)
            if label == "ENCRYPTED PRIVATE KEY":
                raise ValueError("the private key is encrypted")
            label = None
        elif label is not None:
            if ":" in line:
                raise ValueError("the private key is encrypted")
            body.append(line)
    raise ValueError("no PRIVATE KEY or EC PRIVATE KEY block")


def load_ca_key(data):
    """A ChipAuthenticationKey from an EC private key file's bytes.

    DER or PEM, PKCS#8 (PrivateKeyInfo { 0, { id-ecPublicKey, curve }, OCTET STRING
    ECPrivateKey }) or SEC1 (ECPrivateKey { 1, OCTET STRING d, [0] curve, [1] public key }), on
    brainpoolP256r1 or prime256v1 (a named curve or the same curve as explicit parameters).
    pycryptodome's ECC.import_key does not know brainpool, hence this small DER walk. A public
    key in the file must match the private key. Anything else: ValueError.
    """
    data = bytes(data)
    if data.lstrip().startswith(b"-----"):
        data = _pem_private_key(data)
    items = _der(data)
    if len(items) == 2 and items[0][0] == 0x06:
        items = items[1:]  # ECParameters first, as `openssl ecparam -genkey` writes them in PEM
    if len(items) != 1 or items[0][0] != 0x30:
        raise ValueError("not a DER private key")
    fields = _der(items[0][1])
    if len(fields) < 2:
        raise ValueError("not an EC private key")
    curve = None
    if fields[1][0] == 0x30:  # PKCS#8 (version 0, or 1 = OneAsymmetricKey)
        algorithm = _der(fields[1][1])
        if not algorithm or algorithm[0] != (0x06, OID_EC_PUBLIC_KEY):
            raise ValueError("not an EC key (the algorithm is not id-ecPublicKey)")
        if len(algorithm) < 2:
            raise ValueError("no curve parameters")
        curve = _curve_from_parameters(*algorithm[1])
        if len(fields) < 3 or fields[2][0] != 0x04:
            raise ValueError("no privateKey OCTET STRING")
        inner = _der(fields[2][1])
        if len(inner) != 1 or inner[0][0] != 0x30:
            raise ValueError("the privateKey is not an ECPrivateKey")
        fields = _der(inner[0][1])
    if len(fields) < 2 or _der_int(fields[0]) != 1 or fields[1][0] != 0x04:
        raise ValueError("not an EC private key (ECPrivateKey version 1)")
    d = int.from_bytes(fields[1][1], "big")
    public = None
    for tag, value in fields[2:]:
        if tag == 0xA0:
            inner = _der(value)
            if len(inner) != 1:
                raise ValueError("bad [0] parameters")
            named = _curve_from_parameters(*inner[0])
            if curve is not None and named is not curve:
                raise ValueError("PKCS#8 and ECPrivateKey name different curves")
            curve = named
        elif tag == 0xA1:
            inner = _der(value)
            if len(inner) != 1 or inner[0][0] != 0x03 or inner[0][1][:1] != b"\x00":
                raise ValueError("bad [1] public key")
            public = bytes(inner[0][1][1:])
    if curve is None:
        raise ValueError("no curve parameters")
    key = ChipAuthenticationKey(curve, d)
    if public is not None:
        x, y = key.public
        size = curve.size
        if public[:1] in (b"\x02", b"\x03"):
            same = public == bytes([2 + (y & 1)]) + x.to_bytes(size, "big")
        else:
            same = public == key.public_bytes()
        if not same:
            raise ValueError("the public key in the file does not match the private key")
    return key


def load_ca_key_file(path):
    with open(path, "rb") as f:
        return load_ca_key(f.read())


class EmrtdOS(SmartcardOS):
    """The card: eMRTD application, BAC, optionally PACE and Chip Authentication, secure
    messaging, transparent EFs.

    PACE is on when `pace_param` is given (12 = NIST P-256, 13 = brainpoolP256r1), with
    `pace_cipher` (a PACE_CIPHERS key) and the CAN `can` (default: the last 6 characters of the
    document number in `mrz_info`). Tests can make a PACE run deterministic through
    `pace_fixed`: {"nonce": bytes, "map_key": int, "eph_key": int} replace the chip's random
    nonce s and its mapping and ephemeral private keys.

    Chip Authentication is on when `ca_key` (a ChipAuthenticationKey) is given.
    """

    def __init__(self, files, mrz_info, max_le=0xDF, verbose=False, aa_key=None,
                 pace_param=None, pace_cipher="aes128", can=None, ca_key=None, protect=()):
        self.files = dict(files)
        # Selectable, but READ BINARY answers 6982: DG3/DG4 (EAC) and the data groups in
        # `protect` (numbers), whether or not the card directory has them.
        self.protected = set(EAC_PROTECTED) | {0x0100 + n for n in protect}
        self.aa_key = aa_key  # Cryptodome RSA private key, or None
        self.ca_key = ca_key  # ChipAuthenticationKey, or None
        self.max_le = max_le
        self.verbose = verbose
        self.mrz_info = mrz_info
        seed = hashlib.sha1(mrz_info.encode("ascii")).digest()[:16]
        self.k_enc = derive_key(seed, 1)
        self.k_mac = derive_key(seed, 2)
        self.pace_param = pace_param
        self.pace_cipher = pace_cipher
        self.pace_fixed = {}
        if pace_param is not None:
            if pace_param not in PACE_CURVES:
                raise ValueError("PACE parameterId %r: only 12 and 13 are supported" % pace_param)
            if pace_cipher not in PACE_CIPHERS:
                raise ValueError("PACE cipher %r: one of %s"
                                 % (pace_cipher, ", ".join(PACE_CIPHERS)))
            if can is None:
                can = mrz_info[:-15].rstrip("<")[-6:]
            self.can = can
            self.curve = PACE_CURVES[pace_param]
            self.pace_oid = pace_oid(pace_cipher)
            self.files[CARD_ACCESS] = card_access_content(pace_param, pace_cipher)
        else:
            self.can = None
            self.files.pop(CARD_ACCESS, None)
        self.atr = Iso7816OS.makeATR(T=1, directConvention=True, TA1=0x13,
                                     histChars=b"\x80\x31\x80\x65\xb0\x83\x11\x00\x00\x83\x00\x90\x00")
        self.apdus = 0
        self.reset()

    # SmartcardOS interface ------------------------------------------------------------------
    def getATR(self):
        return self.atr

    def powerUp(self):
        self.reset()

    def powerDown(self):
        self.reset()

    def reset(self):
        self.app_selected = False
        self.current = None
        self.challenge = None
        self.session = None  # a SecureMessaging once BAC, PACE or Chip Authentication succeeded
        self.pace_attempt = None  # the PACE run in progress (after MSE:Set AT), a dict
        # After a CA MSE:Set AT: (the session it was sent in, the cipher of its OID)
        self.ca_attempt = None
        self.next_session = None  # set by Chip Authentication: the keys after this answer

    def execute(self, msg):
        self.apdus += 1
        self.log_note = None
        try:
            if len(msg) >= 1 and msg[0] & 0x0C == 0x0C:
                out = self.execute_protected(msg)
            else:
                data, sw = self.execute_plain(C_APDU(msg), protected=False)
                out = data + sw.to_bytes(2, "big")
        except CardError as e:
            out = e.sw.to_bytes(2, "big")
        except Exception as e:  # never let a malformed APDU kill the card
            if self.verbose:
                print("emrtd_card: %r on %s" % (e, msg.hex()), file=sys.stderr)
            out = b"\x6F\x00"
        if self.verbose:
            print("emrtd_card: > %s\n            < %s" % (msg.hex(), out.hex()), file=sys.stderr)
            if self.log_note:
                print("emrtd_card: " + self.log_note, file=sys.stderr)
        return out

    # Secure messaging -----------------------------------------------------------------------
    def execute_protected(self, msg):
        self.next_session = None
        sm = self.session
        if sm is None:
            raise CardError(0x6982)
        header = bytes(msg[0:4])
        if len(msg) < 6:
            self.session = None
            raise CardError(0x6988)
        lc = msg[4]
        body = bytes(msg[5:5 + lc])
        data = b""
        le = None
        mac = None
        covered = b""
        odd = header[1] & 1 == 1
        for tag, value, raw in parse_tlvs(body):
            if tag == 0x8E:
                mac = value
                break
            covered += raw
            if tag == 0x87:
                if value[:1] != b"\x01":
                    raise CardError(0x6988)
                data = value[1:]
            elif tag == 0x85:
                data = value
            elif tag == 0x97:
                le = int.from_bytes(value, "big") or 256
        sm.ssc += 1
        if mac is None or not hmac.compare_digest(mac, sm.mac(sm.pad(header) + covered)):
            # ICAO 9303-11: an SM error ends the session; answer without SM.
            self.session = None
            raise CardError(0x6988)
        plain = unpad(sm.decrypt(data)) if data else b""
        apdu = bytes([header[0] & 0xF0, header[1], header[2], header[3]])
        if plain:
            apdu += bytes([len(plain)]) + plain
        if le is not None:
            apdu += bytes([le & 0xFF])
        try:
            rdata, sw = self.execute_plain(C_APDU(apdu), protected=True)
        except CardError as e:
            rdata, sw = b"", e.sw
        sm.ssc += 1
        dos = b""
        if rdata:
            enc = sm.encrypt(sm.pad(rdata))
            dos += tlv(0x85, enc) if odd else tlv(0x87, b"\x01" + enc)
        dos += tlv(0x99, sw.to_bytes(2, "big"))
        dos += tlv(0x8E, sm.mac(dos))
        if self.next_session is not None:
            # Chip Authentication: this answer is protected with the old keys, everything after
            # it with the new ones.
            self.session, self.next_session = self.next_session, None
            self.log_note = "Chip Authentication: from now on secure messaging with new %s " \
                "keys, SSC 0" % ("AES" if self.session.aes else "3DES")
        return dos + sw.to_bytes(2, "big")

    # Plain command semantics ----------------------------------------------------------------
    def execute_plain(self, c, protected):
        ins = c.ins
        if ins == 0xA4:
            return self.select(c, protected)
        if ins == 0x84:
            return self.get_challenge(c)
        if ins == 0x82:
            return self.external_authenticate(c)
        if ins == 0x22:
            if (c.p1, c.p2) in ((0x41, 0xA4), (0x41, 0xA6)):
                if self.ca_key is not None:
                    return self.ca_mse(c, protected)
                if protected:
                    raise CardError(0x6D00)  # no Chip Authentication
            if self.pace_param is not None:
                return self.mse_set_at(c, protected)
            raise CardError(0x6D00 if self.ca_key is None else 0x6A86)
        if ins == 0x86:
            if protected:
                if self.ca_key is None:
                    raise CardError(0x6D00)  # no Chip Authentication
                return self.ca_general_authenticate(c)
            if self.pace_param is not None:
                return self.general_authenticate(c, protected)
            raise CardError(0x6D00 if self.ca_key is None else 0x6982)
        if ins == 0x88:
            if not protected:
                raise CardError(0x6982)  # BAC required
            return self.internal_authenticate(c)
        if ins in (0xB0, 0xB1):
            if not protected and not self.reads_card_access(c):
                raise CardError(0x6982)  # BAC required
            return self.read_binary(c)
        raise CardError(0x6D00)

    def reads_card_access(self, c):
        """Whether a READ BINARY addresses EF.CardAccess (free to read, even without PACE)."""
        if c.ins == 0xB0 and c.p1 & 0x80:
            return c.p1 & 0x1F == 0x1C
        return self.current == CARD_ACCESS

    def select(self, c, protected):
        if c.p1 in (0x00, 0x02) and bytes(c.data) == CARD_ACCESS.to_bytes(2, "big"):
            # EF.CardAccess lives in the MF and is readable without secure messaging; Vietnamese
            # chips select it directly even though SELECT MF answers 6D00.
            if CARD_ACCESS not in self.files:
                raise CardError(0x6A82)
            self.current = CARD_ACCESS
            return b"", SW_OK
        if c.p1 == 0x04:
            if bytes(c.data) == AID:
                self.app_selected = True
                self.current = None
                return b"", SW_OK
            raise CardError(0x6A82)
        if c.p1 == 0x00:
            raise CardError(0x6D00)  # Vietnamese chips: no SELECT MF
        if c.p1 == 0x02:
            if not self.app_selected:
                raise CardError(0x6A82)
            if not protected:
                raise CardError(0x6982)  # BAC required
            if len(c.data) != 2:
                raise CardError(0x6A87)
            fid = int.from_bytes(bytes(c.data), "big")
            if fid not in self.files and fid not in self.protected:
                raise CardError(0x6A82)
            self.current = fid
            return b"", SW_OK
        raise CardError(0x6A86)

    def get_challenge(self, c):
        if not self.app_selected:
            raise CardError(0x6985)
        self.challenge = os.urandom(8)
        return self.challenge, SW_OK

    def external_authenticate(self, c):
        data = bytes(c.data)
        if self.challenge is None:
            raise CardError(0x6985)
        if len(data) != 40:
            raise CardError(0x6700)
        rnd_ic, self.challenge = self.challenge, None
        e_ifd, m_ifd = data[:32], data[32:]
        if retail_mac(self.k_mac, pad(e_ifd)) != m_ifd:
            raise CardError(0x6300)
        s = tdes_dec(self.k_enc, e_ifd)
        rnd_ifd, rnd_ic2, k_ifd = s[0:8], s[8:16], s[16:32]
        if rnd_ic2 != rnd_ic:
            raise CardError(0x6300)
        k_ic = os.urandom(16)
        r = rnd_ic + rnd_ifd + k_ic
        e_ic = tdes_enc(self.k_enc, r)
        m_ic = retail_mac(self.k_mac, pad(e_ic))
        seed = bytes(a ^ b for a, b in zip(k_ifd, k_ic))
        self.pace_attempt = None
        self.session = SecureMessaging(derive_key(seed, 1), derive_key(seed, 2),
                                       int.from_bytes(rnd_ic[4:] + rnd_ifd[4:], "big"))
        return e_ic + m_ic, SW_OK

    # PACE -----------------------------------------------------------------------------------
    def mse_set_at(self, c, protected):
        """MSE:Set AT for PACE (00 22 C1 A4): '80' protocol OID, '83' password, '84' parameterId.

        Starts a fresh PACE attempt and ends any secure messaging session. The OID and the
        parameterId (optional) must be the ones EF.CardAccess offers; the password is 01 (MRZ)
        or 02 (CAN). Anything else is 6A80.
        """
        if protected:
            raise CardError(0x6985)  # PACE runs unprotected
        if (c.p1, c.p2) != (0xC1, 0xA4):
            raise CardError(0x6A86)
        self.pace_attempt = None
        self.session = None
        try:
            dos = {tag: value for tag, value, _ in parse_tlvs(bytes(c.data))}
        except (CardError, IndexError):
            raise CardError(0x6A80)
        oid, ref, param = dos.get(0x80), dos.get(0x83), dos.get(0x84)
        if oid != self.pace_oid:
            raise CardError(0x6A80)
        if param is not None and (len(param) != 1 or param[0] != self.pace_param):
            raise CardError(0x6A80)
        if ref == bytes([PACE_PASSWORD_MRZ]):
            password = hashlib.sha1(self.mrz_info.encode("ascii")).digest()
        elif ref == bytes([PACE_PASSWORD_CAN]):
            password = self.can.encode("ascii")
        else:
            raise CardError(0x6A80)
        self.pace_attempt = {"step": 1, "k_pi": pace_kdf(password, 3, self.pace_cipher)}
        return b"", SW_OK

    def general_authenticate(self, c, protected):
        """GENERAL AUTHENTICATE (x0 86 00 00), the four PACE steps, in order.

        1. '7C 00'          -> '80' encrypted nonce z = E(K_pi, s)
        2. '81' PK_map,PCD  -> '82' PK_map,PICC; G' = s·G + SK_map,PICC·PK_map,PCD
        3. '83' PK_eph,PCD  -> '84' PK_eph,PICC (on G'); KS_enc, KS_mac from x(SK_eph·PK_eph,PCD)
        4. '85' T_PCD       -> '86' T_PICC, and secure messaging starts (SSC 0)

        Without MSE:Set AT, or out of order: 6985. A malformed or invalid point: 6A80. A wrong
        terminal token (e.g. a wrong CAN): 6300. Any error ends the attempt.
        """
        if protected:
            raise CardError(0x6985)  # PACE runs unprotected
        attempt, self.pace_attempt = self.pace_attempt, None
        if attempt is None:
            raise CardError(0x6985)
        if c.p1 != 0 or c.p2 != 0:
            raise CardError(0x6A86)
        dos = dynamic_authentication_data(c.data)
        tag = dos[0][0] if dos else None
        step = {None: 1, 0x81: 2, 0x83: 3, 0x85: 4}.get(tag)
        if step is None:
            raise CardError(0x6A80)
        if step != attempt["step"]:
            raise CardError(0x6985)
        value = dos[0][1] if dos else b""
        curve, cipher, fixed = self.curve, self.pace_cipher, self.pace_fixed
        if step == 1:
            block = PACE_CIPHERS[cipher][3]
            s = fixed.get("nonce") or os.urandom(block)
            attempt["s"] = int.from_bytes(s, "big")
            out = tlv(0x80, pace_encrypt_nonce(attempt.pop("k_pi"), s, cipher))
        elif step == 2:
            pk_pcd = curve.decode(value)
            sk = fixed.get("map_key") or curve.random_scalar()
            shared = curve.mul(sk, pk_pcd)
            g_mapped = curve.add(curve.mul(attempt.pop("s"), curve.g), shared)
            if shared is None or g_mapped is None:
                raise CardError(0x6A80)
            attempt["g"] = g_mapped
            out = tlv(0x82, curve.encode(curve.mul(sk, curve.g)))
        elif step == 3:
            pk_pcd = curve.decode(value)
            sk = fixed.get("eph_key") or curve.random_scalar()
            pk_picc = curve.mul(sk, attempt.pop("g"))
            if pk_pcd == pk_picc:
                raise CardError(0x6A80)
            shared = curve.mul(sk, pk_pcd)
            if shared is None:
                raise CardError(0x6A80)
            k = shared[0].to_bytes(curve.size, "big")
            attempt["ks_enc"] = pace_kdf(k, 1, cipher)
            attempt["ks_mac"] = pace_kdf(k, 2, cipher)
            attempt["pk_pcd"] = curve.encode(pk_pcd)
            attempt["pk_picc"] = curve.encode(pk_picc)
            out = tlv(0x84, attempt["pk_picc"])
        else:
            expected = pace_token(attempt["ks_mac"], self.pace_oid, attempt["pk_picc"], cipher)
            if not hmac.compare_digest(bytes(value), expected):
                raise CardError(0x6300)
            t_picc = pace_token(attempt["ks_mac"], self.pace_oid, attempt["pk_pcd"], cipher)
            self.session = SecureMessaging(attempt["ks_enc"], attempt["ks_mac"], 0,
                                           aes=cipher != "3des")
            return tlv(0x7C, tlv(0x86, t_picc)), SW_OK
        attempt["step"] = step + 1
        self.pace_attempt = attempt
        return tlv(0x7C, out), SW_OK

    # Chip Authentication ----------------------------------------------------------------------
    def ca_mse(self, c, protected):
        """MSE:Set AT (x0 22 41 A4, version 2) or MSE:Set KAT (x0 22 41 A6, version 1).

        Set AT: '80' id-CA-ECDH-<cipher> (any of the four), optional '84' keyId; then GENERAL
        AUTHENTICATE brings the terminal's key. Set KAT: '91' the terminal's ephemeral public key,
        optional '84' keyId; the keys change right after this answer (3DES). Only under secure
        messaging (6982). Any keyId is accepted. Anything else in the data: 6A80.
        """
        if not protected:
            raise CardError(0x6982)
        self.ca_attempt = None
        try:
            dos = [(tag, value) for tag, value, _ in parse_tlvs(bytes(c.data))]
        except (CardError, IndexError):
            raise CardError(0x6A80)
        tags = [tag for tag, _ in dos]
        dos = dict(dos)
        if len(dos) != len(tags) or (0x84 in dos and not dos[0x84]):
            raise CardError(0x6A80)
        if c.p2 == 0xA4:
            oid = dos.get(0x80)
            if set(dos) - {0x80, 0x84} or oid is None or len(oid) != len(ID_CA_ECDH) + 1 \
                    or oid[:-1] != ID_CA_ECDH or oid[-1] not in CA_CIPHERS:
                raise CardError(0x6A80)
            self.ca_attempt = (self.session, CA_CIPHERS[oid[-1]])
            return b"", SW_OK
        if set(dos) - {0x91, 0x84} or 0x91 not in dos:
            raise CardError(0x6A80)
        self.ca_key_agreement(dos[0x91], "3des")
        return b"", SW_OK

    def ca_general_authenticate(self, c):
        """GENERAL AUTHENTICATE (x0 86 00 00) of Chip Authentication version 2.

        '7C { 80 the terminal's ephemeral public key }' -> '7C 00', and the keys change right
        after this answer. Without a CA MSE:Set AT in this session: 6985 (a finished or failed
        run needs a new one); P1-P2 not 0000: 6A86; anything malformed or a point not on the
        chip key's curve: 6A80.
        """
        attempt, self.ca_attempt = self.ca_attempt, None
        if attempt is None or attempt[0] is not self.session:
            raise CardError(0x6985)
        if c.p1 != 0 or c.p2 != 0:
            raise CardError(0x6A86)
        dos = dynamic_authentication_data(c.data)
        if len(dos) != 1 or dos[0][0] != 0x80:
            raise CardError(0x6A80)
        self.ca_key_agreement(dos[0][1], attempt[1])
        return tlv(0x7C, b""), SW_OK

    def ca_key_agreement(self, point, cipher):
        """K = x(SK_chip · PK_terminal); the secure messaging after this answer uses
        KS_enc = KDF(K, 1), KS_mac = KDF(K, 2) (the PACE KDF of `cipher`) and SSC 0."""
        key = self.ca_key
        pk = key.curve.decode(point)  # 6A80 unless an uncompressed point on the curve
        shared = key.curve.mul(key.d, pk)
        if shared is None:
            raise CardError(0x6A80)
        k = shared[0].to_bytes(key.curve.size, "big")
        self.next_session = SecureMessaging(pace_kdf(k, 1, cipher), pace_kdf(k, 2, cipher), 0,
                                            aes=cipher != "3des")

    # Active Authentication, files -----------------------------------------------------------
    def internal_authenticate(self, c):
        """Active Authentication: ISO/IEC 9796-2 scheme 1 (partial recovery), SHA-1, trailer BC.

        F = 6A || M1 || SHA-1(M1 || challenge) || BC with a random M1 filling the modulus;
        the answer is F^d mod n.
        """
        if self.aa_key is None:
            raise CardError(0x6D00)
        if not self.app_selected:
            raise CardError(0x6985)
        challenge = bytes(c.data)
        if len(challenge) != 8 or c.p1 != 0 or c.p2 != 0:
            raise CardError(0x6700 if len(challenge) != 8 else 0x6A86)
        key = self.aa_key
        k = (key.n.bit_length() + 7) // 8
        m1 = os.urandom(k - 1 - 20 - 1)
        f = b"\x6A" + m1 + hashlib.sha1(m1 + challenge).digest() + b"\xBC"
        return pow(int.from_bytes(f, "big"), key.d, key.n).to_bytes(k, "big"), SW_OK

    def read_binary(self, c):
        le = c.le if c.le is not None else 256
        if le == 0:
            le = 256
        if c.ins == 0xB0:
            if c.p1 & 0x80:
                sfi = c.p1 & 0x1F
                fid = 0x0100 + sfi if sfi <= 0x10 else None
                if sfi == 0x1E:
                    fid = 0x011E
                elif sfi == 0x1D:
                    fid = 0x011D
                elif sfi == 0x1C:
                    fid = CARD_ACCESS
                if fid not in self.files and fid not in self.protected:
                    raise CardError(0x6A82)
                self.current = fid
                offset = c.p2
            else:
                offset = ((c.p1 & 0x7F) << 8) | c.p2
        else:
            offset = None
            for tag, value, _ in parse_tlvs(bytes(c.data)):
                if tag == 0x54:
                    offset = int.from_bytes(value, "big")
            if offset is None:
                raise CardError(0x6A80)
        if self.current is None:
            raise CardError(0x6986)
        if self.current in self.protected:
            raise CardError(0x6982)
        if le > self.max_le + (4 if c.ins == 0xB1 else 0):
            raise CardError(0x6700)
        content = self.files[self.current]
        if offset > len(content):
            raise CardError(0x6B00)
        if c.ins == 0xB1:
            chunk = content[offset:offset + max(0, le - 4)]
            return tlv(0x53, chunk), (SW_OK if len(chunk) == le - 4 else 0x6282)
        chunk = content[offset:offset + le]
        return chunk, (SW_OK if len(chunk) == le else 0x6282)


def load_files(directory):
    files = {}
    for fid, name in FILE_NAMES.items():
        path = os.path.join(directory, name)
        if os.path.exists(path):
            with open(path, "rb") as f:
                files[fid] = f.read()
    return files


QUICKACK = True


def quickack(sock):
    if QUICKACK and hasattr(socket, "TCP_QUICKACK"):
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_QUICKACK, 1)


def recv_exact(sock, n):
    buf = b""
    while len(buf) < n:
        quickack(sock)
        part = sock.recv(n - len(buf))
        if not part:
            raise ConnectionError("vpcd closed the connection")
        buf += part
    return buf


class Faults:
    """Faults of a real card at the counter, for tests: `drop_after` APDUs answered, then the
    card leaves the reader (the emulator closes its connection to vpcd, so the reader sees the
    card removed, and exits) instead of answering the next one; `delay_ms` milliseconds of
    chip work before every answer (a slow card)."""

    def __init__(self, drop_after=None, delay_ms=0):
        if drop_after is not None and drop_after < 0:
            raise ValueError("--drop-after must be 0 or more")
        if delay_ms < 0:
            raise ValueError("--delay-ms must be 0 or more")
        self.drop_after = drop_after
        self.delay_ms = delay_ms
        self.answered = 0

    def before_answer(self):
        """Called when an APDU has come in: False when the card leaves now, unanswered."""
        if self.drop_after is not None and self.answered >= self.drop_after:
            return False
        if self.delay_ms:
            time.sleep(self.delay_ms / 1000.0)
        return True

    def answered_one(self):
        self.answered += 1


class CardLeft(Exception):
    """The card left the reader (`--drop-after`)."""


def serve(card, host, port, connect_timeout, faults=None):
    faults = faults or Faults()
    deadline = time.monotonic() + connect_timeout
    while True:
        try:
            sock = socket.create_connection((host, port))
            break
        except OSError:
            if time.monotonic() > deadline:
                raise SystemExit("emrtd_card: cannot connect to vpcd at %s:%d" % (host, port))
            time.sleep(0.1)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    quickack(sock)
    print("emrtd_card: connected to vpcd at %s:%d" % (host, port), file=sys.stderr, flush=True)
    try:
        while True:
            (size,) = struct.unpack("!H", recv_exact(sock, 2))
            msg = recv_exact(sock, size) if size else b""
            if size == vs.VPCD_CTRL_LEN:
                code = msg[0]
                if code == vs.VPCD_CTRL_OFF:
                    card.powerDown()
                elif code == vs.VPCD_CTRL_ON:
                    card.powerUp()
                elif code == vs.VPCD_CTRL_RESET:
                    card.reset()
                elif code == vs.VPCD_CTRL_ATR:
                    atr = card.getATR()
                    sock.sendall(struct.pack("!H", len(atr)) + atr)
                continue
            if not faults.before_answer():
                print("emrtd_card: leaving the reader after %d APDUs (--drop-after)"
                      % faults.answered, file=sys.stderr, flush=True)
                raise CardLeft()
            answer = card.execute(msg)
            sock.sendall(struct.pack("!H", len(answer)) + answer)
            faults.answered_one()
            quickack(sock)
    finally:
        sock.close()


def can_digits(value):
    if not value.isdigit() or not value.isascii():
        raise argparse.ArgumentTypeError("a CAN is digits, e.g. 047064")
    return value


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--card-dir", required=True, help="directory with com.bin, sod.bin, dgN.bin")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=35963, help="vpcd port (35963 = Virtual PCD 00 00)")
    p.add_argument("--document-number", help="BAC document number (default: from dg1.bin)")
    p.add_argument("--birth", help="BAC date of birth YYMMDD (default: from dg1.bin)")
    p.add_argument("--expiry", help="BAC date of expiry YYMMDD (default: from dg1.bin)")
    p.add_argument("--aa-key", help="Active Authentication RSA private key, PKCS#1/PKCS#8 DER or PEM "
                   "(default: aa-key.der in --card-dir, if present)")
    ca = p.add_mutually_exclusive_group()
    ca.add_argument("--ca-key", help="Chip Authentication EC private key (brainpoolP256r1 or "
                    "P-256; PKCS#8 or SEC1, DER or PEM) (default: ca-key.der in --card-dir, if "
                    "present)")
    ca.add_argument("--no-ca", action="store_true",
                    help="no Chip Authentication, even if --card-dir has a ca-key.der")
    p.add_argument("--pace", action="store_true",
                   help="also offer PACE (ECDH Generic Mapping) and serve EF.CardAccess")
    p.add_argument("--pace-param", type=int, choices=sorted(PACE_CURVES),
                   help="PACE parameterId: 12 = NIST P-256, 13 = brainpoolP256r1 (default 13)")
    p.add_argument("--pace-cipher", choices=list(PACE_CIPHERS),
                   help="PACE cipher and secure messaging (default aes128)")
    p.add_argument("--can", type=can_digits,
                   help="PACE card access number (default: the last 6 digits of the document "
                   "number in dg1.bin, i.e. of the 12-digit ID on a CCCD)")
    p.add_argument("--protect", type=int, action="append", default=[], metavar="N",
                   choices=range(1, 17),
                   help="data group N answers READ BINARY with 6982, as DG3 does (repeatable)")
    p.add_argument("--max-le", type=lambda s: int(s, 0), default=0xDF)
    p.add_argument("--connect-timeout", type=float, default=10.0)
    p.add_argument("--drop-after", type=int, metavar="N",
                   help="answer N APDUs, then leave the reader (the card is pulled out) at the "
                   "next one, unanswered, and exit")
    p.add_argument("--delay-ms", type=int, default=0, metavar="M",
                   help="wait M ms before every answer (a slow card)")
    p.add_argument("--verbose", action="store_true", help="log every APDU to stderr")
    p.add_argument("--no-quickack", action="store_true",
                   help="diagnostics: leave TCP_QUICKACK off (every APDU then costs ~40 ms)")
    args = p.parse_args()
    if not args.pace and (args.pace_param or args.pace_cipher or args.can):
        p.error("--pace-param, --pace-cipher and --can need --pace")
    global QUICKACK
    QUICKACK = not args.no_quickack
    try:
        faults = Faults(args.drop_after, args.delay_ms)
    except ValueError as e:
        p.error(str(e))

    files = load_files(args.card_dir)
    if 0x0101 not in files and not (args.document_number and args.birth and args.expiry):
        raise SystemExit("emrtd_card: no dg1.bin and no --document-number/--birth/--expiry")
    number, dob, doe = (None, None, None)
    if 0x0101 in files:
        number, dob, doe = mrz_information_from_dg1(files[0x0101])
    can = args.can or (number or args.document_number)[-6:]
    number = args.document_number or number
    dob = args.birth or dob
    doe = args.expiry or doe
    aa_path = args.aa_key or os.path.join(args.card_dir, "aa-key.der")
    aa_key = None
    if os.path.exists(aa_path):
        with open(aa_path, "rb") as f:
            aa_key = RSA.import_key(f.read())
        if not aa_key.has_private():
            raise SystemExit("emrtd_card: %s holds no private key" % aa_path)
    if args.ca_key and not os.path.exists(args.ca_key):
        raise SystemExit("emrtd_card: --ca-key %s: no such file" % args.ca_key)
    ca_path = args.ca_key or os.path.join(args.card_dir, "ca-key.der")
    ca_key = None
    if not args.no_ca and os.path.exists(ca_path):
        try:
            ca_key = load_ca_key_file(ca_path)
        except ValueError as e:
            raise SystemExit("emrtd_card: %s: %s" % (ca_path, e))
    pace_param = (args.pace_param or 13) if args.pace else None
    pace_cipher = args.pace_cipher or "aes128"
    card = EmrtdOS(files, mrz_information(number, dob, doe), args.max_le, args.verbose, aa_key,
                   pace_param=pace_param, pace_cipher=pace_cipher, can=can, ca_key=ca_key,
                   protect=args.protect)
    pace = "off"
    if args.pace:
        pace = "ECDH-GM-%s on %s, CAN %s" % (
            pace_cipher.upper(), PACE_CURVES[pace_param].name, card.can)
    ca = "off"
    if ca_key is not None:
        x = ca_key.public[0].to_bytes(ca_key.curve.size, "big")
        ca = "ECDH on %s (%s; its public key is %s dg14.bin)" % (
            ca_key.curve.name, ca_path,
            "in" if x in files.get(0x010E, b"") else "NOT in")
    print("emrtd_card: %d files from %s; Active Authentication %s; PACE %s; "
          "Chip Authentication %s" % (
              len(files), args.card_dir, ("RSA-%d" % aa_key.n.bit_length()) if aa_key else "off",
              pace, ca),
          file=sys.stderr, flush=True)
    try:
        serve(card, args.host, args.port, args.connect_timeout, faults)
    except (ConnectionError, KeyboardInterrupt, CardLeft):
        pass


if __name__ == "__main__":
    main()
