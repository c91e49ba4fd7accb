"""PACE on the card emulator (emrtd_card.py --pace): known answers and whole sessions.

Run from the repository root with Debian's interpreter (it sees python3-pycryptodome and
python3-virtualsmartcard):

    /usr/bin/python3 -m unittest tests/cardemu/test_pace.py -v

- The card's KDF, nonce encryption, Generic Mapping, key agreement and tokens are checked against
  the worked example of ICAO Doc 9303-11 Appendix G.1 (ECDH, brainpoolP256r1,
  id-PACE-ECDH-GM-AES-CBC-CMAC-128, MRZ password), and that example's APDU transcript is replayed
  through EmrtdOS.execute() byte for byte (the chip's nonce and private keys injected).
- A small terminal written here, independently of the card's code (its own curve arithmetic,
  KDF, tokens and secure messaging; only the curve constants are shared, and those are checked
  against G.1 and against pycryptodome's P-256), first reproduces the G.1 transcript with the
  example's keys, then runs complete random PACE sessions (CAN and MRZ; AES-128 on
  brainpoolP256r1 and NIST P-256; 3DES; AES-192; AES-256) and reads DG1 under the new secure
  messaging, as well as BAC on the same card, and the error cases.
"""

import hashlib
import os
import secrets
import sys
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
if HERE not in sys.path:
    sys.path.insert(0, HERE)

import emrtd_card as card_module  # noqa: E402  (also sets up Cryptodome and virtualsmartcard)
from Cryptodome.Cipher import AES, DES, DES3  # noqa: E402
from Cryptodome.Hash import CMAC  # noqa: E402
from Cryptodome.PublicKey import ECC, RSA  # noqa: E402

REPO = os.path.dirname(os.path.dirname(HERE))
CARD_DIR = os.path.join(REPO, "src-tauri", "crates", "bhxh-emrtd", "testdata", "card")

H = bytes.fromhex


def xy(x_hex, y_hex):
    return int(x_hex, 16), int(y_hex, 16)


class G1:
    """ICAO Doc 9303-11 Appendix G.1: ECDH-based example (brainpoolP256r1, AES-128, MRZ)."""

    mrz = ("T22000129", "640812", "101031")
    k_pi = H("89DED1B26624EC1E634C1989302849DD")
    z = H("95A3A016522EE98D01E76CB6B98B42C3")
    s = H("3F00C4D39D153F2B2A214A078D899B22")
    pcd_map_private = 0x7F4EF07B9EA82FD78AD689B38D0BC78CF21F249D953BC46F4C6E19259C010F99
    pcd_map_public = xy("7ACF3EFC982EC45565A4B155129EFBC74650DCBFA6362D896FC70262E0C2CC5E",
                        "544552DCB6725218799115B55C9BAA6D9F6BC3A9618E70C25AF71777A9C4922D")
    picc_map_private = 0x498FF49756F2DC1587840041839A85982BE7761D14715FB091EFA7BCE9058560
    picc_map_public = xy("824FBA91C9CBE26BEF53A0EBE7342A3BF178CEA9F45DE0B70AA601651FBA3F57",
                         "30D8C879AAA9C9F73991E61B58F4D52EB87A0A0C709A49DC63719363CCD13C54")
    shared_h = xy("60332EF2450B5D247EF6D3868397D398852ED6E8CAF6FFEEF6BF85CA57057FD5",
                  "0840CA7415BAF3E43BD414D35AA4608B93A2CAF3A4E3EA4E82C9C13D03EB7181")
    mapped_g = xy("8CED63C91426D4F0EB1435E7CB1D74A46723A0AF21C89634F65A9AE87A9265E2",
                  "8C879506743F8611AC33645C5B985C80B5F09A0B83407C1B6A4D857AE76FE522")
    pcd_eph_private = 0xA73FB703AC1436A18E0CFA5ABB3F7BEC7A070E7A6788486BEE230C4A22762595
    pcd_eph_public = xy("2DB7A64C0355044EC9DF190514C625CBA2CEA48754887122F3A5EF0D5EDD301C",
                        "3556F3B3B186DF10B857B58F6A7EB80F20BA5DC7BE1D43D9BF850149FBB36462")
    picc_eph_private = 0x107CF58696EF6155053340FD633392BA81909DF7B9706F226F32086C7AFF974A
    picc_eph_public = xy("9E880F842905B8B3181F7AF7CAA9F0EFB743847F44A306D2D28C1D9EC65DF6DB",
                         "7764B22277A2EDDC3C265A9F018F9CB852E111B768B326904B59A0193776F094")
    ks_enc = H("F5F0E35C0D7161EE6724EE513A0D9A7F")
    ks_mac = H("FE251C7858B356B24514B3BD5F4297D1")
    token_input_picc = H(
        "7F494F060A04007F000702020402028641049E880F842905B8B3181F7AF7CAA9F0EFB743847F44A306D2D2"
        "8C1D9EC65DF6DB7764B22277A2EDDC3C265A9F018F9CB852E111B768B326904B59A0193776F094")
    t_pcd = H("C2B0BD78D94BA866")
    t_picc = H("3ABB9674BCE93C08")

    @classmethod
    def transcript(cls):
        """(command, answer) pairs of the example, hex."""
        def point(pt):
            return "04%064X%064X" % pt
        return [
            ("0022C1A40F800A04007F00070202040202830101", "9000"),
            ("10860000027C0000", "7C128010%s9000" % cls.z.hex().upper()),
            ("10860000457C438141%s00" % point(cls.pcd_map_public),
             "7C438241%s9000" % point(cls.picc_map_public)),
            ("10860000457C438341%s00" % point(cls.pcd_eph_public),
             "7C438441%s9000" % point(cls.picc_eph_public)),
            ("008600000C7C0A8508%s00" % cls.t_pcd.hex().upper(),
             "7C0A8608%s9000" % cls.t_picc.hex().upper()),
        ]


# --- The terminal's own primitives (independent of emrtd_card.py) -------------------------

def t_pad(data, block):
    data = bytes(data) + b"\x80"
    return data + b"\x00" * (-len(data) % block)


def t_unpad(data):
    i = len(data) - 1
    while data[i] == 0:
        i -= 1
    assert data[i] == 0x80, "bad padding"
    return data[:i]


def t_retail_mac(key, padded):
    state = b"\x00" * 8
    k1 = DES.new(key[:8], DES.MODE_ECB)
    for i in range(0, len(padded), 8):
        state = k1.encrypt(bytes(a ^ b for a, b in zip(state, padded[i:i + 8])))
    state = DES.new(key[8:16], DES.MODE_ECB).decrypt(state)
    return k1.encrypt(state)


def t_cmac8(key, data):
    return CMAC.new(key, data, ciphermod=AES).digest()[:8]


CIPHERS = {  # name: (OID last byte, hash, key length)
    "3des": (1, hashlib.sha1, 16),
    "aes128": (2, hashlib.sha1, 16),
    "aes192": (3, hashlib.sha256, 24),
    "aes256": (4, hashlib.sha256, 32),
}


def t_oid(cipher):
    return H("04007F000702020402") + bytes([CIPHERS[cipher][0]])


def t_kdf(secret, counter, cipher):
    _, digest, length = CIPHERS[cipher]
    return digest(secret + counter.to_bytes(4, "big")).digest()[:length]


def t_len(n):
    if n < 0x80:
        return bytes([n])
    return bytes([0x81, n]) if n < 0x100 else bytes([0x82, n >> 8, n & 0xFF])


def t_do(tag, value):
    tag_bytes = tag.to_bytes(2, "big") if tag > 0xFF else bytes([tag])
    return tag_bytes + t_len(len(value)) + bytes(value)


def t_parse(data):
    """[(tag, value, raw)] of a flat sequence of one-byte-tag DOs."""
    out, i = [], 0
    while i < len(data):
        start, tag = i, data[i]
        n = data[i + 1]
        i += 2
        if n & 0x80:
            k = n & 0x7F
            n = int.from_bytes(data[i:i + k], "big")
            i += k
        out.append((tag, data[i:i + n], data[start:i + n]))
        i += n
    return out


class TCurve:
    """The terminal's curve arithmetic: affine points, Montgomery ladder."""

    def __init__(self, param):
        c = card_module.PACE_CURVES[param]  # the constants (checked by known answers)
        self.p, self.a, self.b, self.n, self.g = c.p, c.a, c.b, c.n, c.g
        self.size = 32

    def _add(self, P, Q):
        if P is None:
            return Q
        if Q is None:
            return P
        p = self.p
        if P[0] == Q[0] and (P[1] + Q[1]) % p == 0:
            return None
        if P == Q:
            m = (3 * P[0] ** 2 + self.a) * pow(2 * P[1], p - 2, p)
        else:
            m = (Q[1] - P[1]) * pow(Q[0] - P[0], p - 2, p)
        x = (m * m - P[0] - Q[0]) % p
        return x, (m * (P[0] - x) - P[1]) % p

    def mul(self, k, P):
        r0, r1 = None, P
        for i in reversed(range(k.bit_length())):
            if (k >> i) & 1:
                r0, r1 = self._add(r0, r1), self._add(r1, r1)
            else:
                r0, r1 = self._add(r0, r0), self._add(r0, r1)
        return r0

    def add(self, P, Q):
        return self._add(P, Q)

    def enc(self, P):
        return b"\x04" + P[0].to_bytes(32, "big") + P[1].to_bytes(32, "big")

    def dec(self, data):
        assert len(data) == 65 and data[0] == 4
        P = (int.from_bytes(data[1:33], "big"), int.from_bytes(data[33:], "big"))
        assert (P[1] ** 2 - P[0] ** 3 - self.a * P[0] - self.b) % self.p == 0, "point off the curve"
        return P


class TerminalSM:
    """The terminal side of secure messaging (3DES or AES)."""

    def __init__(self, ks_enc, ks_mac, ssc, aes):
        self.ks_enc, self.ks_mac, self.ssc, self.aes = ks_enc, ks_mac, ssc, aes
        self.block = 16 if aes else 8

    def _ssc(self):
        return self.ssc.to_bytes(self.block, "big")

    def _cipher(self):
        if self.aes:
            iv = AES.new(self.ks_enc, AES.MODE_ECB).encrypt(self._ssc())
            return AES.new(self.ks_enc, AES.MODE_CBC, iv=iv)
        return DES3.new(self.ks_enc, DES3.MODE_CBC, iv=b"\x00" * 8)

    def _mac(self, data):
        n = t_pad(self._ssc() + data, self.block)
        return t_cmac8(self.ks_mac, n) if self.aes else t_retail_mac(self.ks_mac, n)

    def wrap(self, cla, ins, p1, p2, data=b"", le=None, corrupt_mac=False):
        self.ssc += 1
        header = bytes([cla | 0x0C, ins, p1, p2])
        do87 = b""
        if data:
            enc = self._cipher().encrypt(t_pad(data, self.block))
            do87 = t_do(0x85, enc) if ins & 1 else t_do(0x87, b"\x01" + enc)
        do97 = t_do(0x97, bytes([le & 0xFF])) if le is not None else b""
        mac = self._mac(t_pad(header, self.block) + do87 + do97)
        if corrupt_mac:
            mac = bytes([mac[0] ^ 1]) + mac[1:]
        body = do87 + do97 + t_do(0x8E, mac)
        return header + bytes([len(body)]) + body + b"\x00"

    def unwrap(self, answer, odd=False):
        """(data, sw) of a protected answer; asserts DO'99' and the MAC."""
        self.ssc += 1
        sw = int.from_bytes(answer[-2:], "big")
        dos = t_parse(answer[:-2])
        covered, data, mac, sw99 = b"", b"", None, None
        for tag, value, raw in dos:
            if tag == 0x8E:
                mac = value
                break
            covered += raw
            if tag in (0x85, 0x87):
                assert tag == (0x85 if odd else 0x87), "unexpected DO %02X" % tag
                enc = value if tag == 0x85 else value[1:]
                data = t_unpad(self._cipher().decrypt(enc))
            elif tag == 0x99:
                sw99 = int.from_bytes(value, "big")
        assert mac == self._mac(covered), "bad response MAC"
        assert sw99 == sw, "DO'99' %r vs SW %04X" % (sw99, sw)
        return data, sw


class Terminal:
    """Talks to an EmrtdOS through execute(): PACE, BAC, and reads under secure messaging."""

    def __init__(self, card):
        self.card = card
        self.sm = None
        self.log = []  # (command, answer) bytes

    def send(self, apdu):
        apdu = bytes(apdu)
        answer = self.card.execute(apdu)
        self.log.append((apdu, answer))
        return answer[:-2], int.from_bytes(answer[-2:], "big")

    def ga(self, cla, dos):
        inner = t_do(0x7C, dos)
        data, sw = self.send(bytes([cla, 0x86, 0, 0, len(inner)]) + inner + b"\x00")
        if sw != 0x9000:
            return None, sw
        (tag, value, _), = t_parse(data)
        assert tag == 0x7C
        (tag, value, _), = t_parse(value)
        return (tag, value), sw

    def pace(self, cipher, param, password_ref, secret, send_param=True, map_key=None,
             eph_key=None, forge_token=False):
        """One PACE run; returns the status word of the first step that failed, or 9000.

        `secret` is the CAN (ASCII) or the MRZ information string.
        """
        curve = TCurve(param)
        oid = t_oid(cipher)
        mse = t_do(0x80, oid) + t_do(0x83, bytes([password_ref]))
        if send_param:
            mse += t_do(0x84, bytes([param]))
        _, sw = self.send(bytes([0x00, 0x22, 0xC1, 0xA4, len(mse)]) + mse)
        if sw != 0x9000:
            return sw
        pi = hashlib.sha1(secret.encode()).digest() if password_ref == 1 else secret.encode()
        k_pi = t_kdf(pi, 3, cipher)
        # 1. encrypted nonce
        do, sw = self.ga(0x10, b"")
        if sw != 0x9000:
            return sw
        assert do[0] == 0x80
        if cipher == "3des":
            s = DES3.new(k_pi, DES3.MODE_CBC, iv=b"\x00" * 8).decrypt(do[1])
        else:
            s = AES.new(k_pi, AES.MODE_CBC, iv=b"\x00" * 16).decrypt(do[1])
        # 2. mapping
        sk_map = map_key or 1 + secrets.randbelow(curve.n - 1)
        do, sw = self.ga(0x10, t_do(0x81, curve.enc(curve.mul(sk_map, curve.g))))
        if sw != 0x9000:
            return sw
        assert do[0] == 0x82
        h = curve.mul(sk_map, curve.dec(do[1]))
        g_mapped = curve.add(curve.mul(int.from_bytes(s, "big"), curve.g), h)
        # 3. key agreement
        sk_eph = eph_key or 1 + secrets.randbelow(curve.n - 1)
        pk_pcd = curve.enc(curve.mul(sk_eph, g_mapped))
        do, sw = self.ga(0x10, t_do(0x83, pk_pcd))
        if sw != 0x9000:
            return sw
        assert do[0] == 0x84
        pk_picc = do[1]
        assert pk_picc != pk_pcd
        k = curve.mul(sk_eph, curve.dec(pk_picc))[0].to_bytes(32, "big")
        ks_enc, ks_mac = t_kdf(k, 1, cipher), t_kdf(k, 2, cipher)

        def token(point):
            data = t_do(0x7F49, t_do(0x06, oid) + t_do(0x86, point))
            if cipher == "3des":
                return t_retail_mac(ks_mac, t_pad(data, 8))
            return t_cmac8(ks_mac, data)

        # 4. mutual authentication
        t_pcd = token(pk_picc)
        if forge_token:
            t_pcd = bytes([t_pcd[0] ^ 0x80]) + t_pcd[1:]
        do, sw = self.ga(0x00, t_do(0x85, t_pcd))
        if sw != 0x9000:
            return sw
        assert do == (0x86, token(pk_pcd)), "chip token"
        self.sm = TerminalSM(ks_enc, ks_mac, 0, aes=cipher != "3des")
        return sw

    def bac(self, mrz_info):
        """Basic Access Control (ICAO 9303-11 §4.3) with the MRZ information."""
        def key(seed, c):
            return hashlib.sha1(seed + c.to_bytes(4, "big")).digest()[:16]
        seed = hashlib.sha1(mrz_info.encode()).digest()[:16]
        k_enc, k_mac = key(seed, 1), key(seed, 2)
        rnd_ic, sw = self.send(H("0084000008"))
        assert sw == 0x9000, hex(sw)
        rnd_ifd, k_ifd = os.urandom(8), os.urandom(16)
        e_ifd = DES3.new(k_enc, DES3.MODE_CBC, iv=b"\x00" * 8).encrypt(rnd_ifd + rnd_ic + k_ifd)
        m_ifd = t_retail_mac(k_mac, t_pad(e_ifd, 8))
        data, sw = self.send(H("0082000028") + e_ifd + m_ifd + b"\x28")
        if sw != 0x9000:
            return sw
        r = DES3.new(k_enc, DES3.MODE_CBC, iv=b"\x00" * 8).decrypt(data[:32])
        assert data[32:] == t_retail_mac(k_mac, t_pad(data[:32], 8))
        assert r[:8] == rnd_ic and r[8:16] == rnd_ifd
        seed = bytes(a ^ b for a, b in zip(k_ifd, r[16:32]))
        self.sm = TerminalSM(key(seed, 1), key(seed, 2),
                             int.from_bytes(rnd_ic[4:] + rnd_ifd[4:], "big"), aes=False)
        return sw

    def protected(self, ins, p1, p2, data=b"", le=None, cla=0x00):
        answer = self.card.execute(self.sm.wrap(cla, ins, p1, p2, data, le))
        return self.sm.unwrap(answer, odd=ins & 1 == 1)

    def select_application(self):
        return self.protected(0xA4, 0x04, 0x0C, card_module.AID)[1]

    def read_file(self, fid, chunk=0xDF, odd=False):
        _, sw = self.protected(0xA4, 0x02, 0x0C, fid.to_bytes(2, "big"))
        assert sw == 0x9000, "SELECT %04X: %04X" % (fid, sw)
        content = b""
        while True:
            if odd:
                data, sw = self.protected(0xB1, 0, 0, t_do(0x54, len(content).to_bytes(2, "big")),
                                          le=chunk)
                (tag, data, _), = t_parse(data) if data else [(0x53, b"", b"")]
                assert tag == 0x53
            else:
                data, sw = self.protected(0xB0, len(content) >> 8, len(content) & 0xFF, le=chunk)
            content += data
            if sw != 0x9000:
                assert sw == 0x6282, "READ BINARY %04X: %04X" % (fid, sw)
                return content


# --- The card under test ------------------------------------------------------------------

def card_files():
    return card_module.load_files(CARD_DIR)


def card_mrz_info():
    return card_module.mrz_information(*card_module.mrz_information_from_dg1(card_files()[0x0101]))


def make_card(param=13, cipher="aes128", can=None, aa=False):
    aa_key = None
    if aa:
        with open(os.path.join(CARD_DIR, "aa-key.der"), "rb") as f:
            aa_key = RSA.import_key(f.read())
    return card_module.EmrtdOS(card_files(), card_mrz_info(), aa_key=aa_key,
                               pace_param=param, pace_cipher=cipher, can=can)


def g1_card():
    card = card_module.EmrtdOS({}, card_module.mrz_information(*G1.mrz), pace_param=13,
                               pace_cipher="aes128")
    card.pace_fixed = {"nonce": G1.s, "map_key": G1.picc_map_private,
                       "eph_key": G1.picc_eph_private}
    return card


CAN = "047064"  # the last 6 digits of the test card's ID 001093047064
MSE_CAN = H("0022C1A40F800A04007F00070202040202830102")  # AES-128, CAN, no parameterId


# --- Tests --------------------------------------------------------------------------------

class CurveTest(unittest.TestCase):
    def test_base_points(self):
        for param, curve in card_module.PACE_CURVES.items():
            with self.subTest(curve=curve.name):
                self.assertTrue(curve.on_curve(curve.g))
                self.assertIsNone(curve.mul(curve.n, curve.g))
                minus_g = (curve.g[0], curve.p - curve.g[1])
                self.assertEqual(curve.mul(curve.n - 1, curve.g), minus_g)

    def test_p256_against_pycryptodome(self):
        curve = card_module.PACE_CURVES[12]
        for k in (1, 2, 3, 0xDEADBEEF, secrets.randbelow(curve.n - 1) + 1, curve.n - 2):
            q = ECC.construct(curve="P-256", d=k).pointQ
            self.assertEqual(curve.mul(k, curve.g), (int(q.x), int(q.y)))

    def test_decode_rejects_bad_points(self):
        curve = card_module.PACE_CURVES[13]
        good = curve.encode(curve.g)
        self.assertEqual(curve.decode(good), curve.g)
        for bad in (good[:-1], b"\x02" + good[1:33], b"\x05" + good[1:],
                    good[:-1] + bytes([good[-1] ^ 1]), b"\x04" + b"\xFF" * 64):
            with self.assertRaises(card_module.CardError) as e:
                curve.decode(bad)
            self.assertEqual(e.exception.sw, 0x6A80)


class WorkedExampleG1Test(unittest.TestCase):
    """ICAO 9303-11 Appendix G.1, step by step against the card's functions."""

    curve = card_module.PACE_CURVES[13]

    def test_kdf_and_nonce(self):
        mrz_info = card_module.mrz_information(*G1.mrz)
        pi = hashlib.sha1(mrz_info.encode()).digest()
        k_pi = card_module.pace_kdf(pi, 3, "aes128")
        self.assertEqual(k_pi, G1.k_pi)
        self.assertEqual(card_module.pace_encrypt_nonce(k_pi, G1.s, "aes128"), G1.z)
        self.assertEqual(AES.new(k_pi, AES.MODE_CBC, iv=bytes(16)).decrypt(G1.z), G1.s)

    def test_private_keys_give_the_public_keys(self):
        c = self.curve
        self.assertEqual(c.mul(G1.pcd_map_private, c.g), G1.pcd_map_public)
        self.assertEqual(c.mul(G1.picc_map_private, c.g), G1.picc_map_public)
        self.assertEqual(c.mul(G1.pcd_eph_private, G1.mapped_g), G1.pcd_eph_public)
        self.assertEqual(c.mul(G1.picc_eph_private, G1.mapped_g), G1.picc_eph_public)

    def test_mapping(self):
        c = self.curve
        h = c.mul(G1.picc_map_private, G1.pcd_map_public)
        self.assertEqual(h, G1.shared_h)
        self.assertEqual(c.mul(G1.pcd_map_private, G1.picc_map_public), G1.shared_h)
        g_mapped = c.add(c.mul(int.from_bytes(G1.s, "big"), c.g), h)
        self.assertEqual(g_mapped, G1.mapped_g)
        self.assertTrue(c.on_curve(g_mapped))

    def test_key_agreement(self):
        c = self.curve
        k = c.mul(G1.picc_eph_private, G1.pcd_eph_public)
        self.assertEqual(k, c.mul(G1.pcd_eph_private, G1.picc_eph_public))
        secret = k[0].to_bytes(32, "big")
        self.assertEqual(card_module.pace_kdf(secret, 1, "aes128"), G1.ks_enc)
        self.assertEqual(card_module.pace_kdf(secret, 2, "aes128"), G1.ks_mac)

    def test_tokens(self):
        c = self.curve
        oid = card_module.pace_oid("aes128")
        token_input = card_module.tlv(0x7F49, card_module.tlv(0x06, oid)
                                      + card_module.tlv(0x86, c.encode(G1.picc_eph_public)))
        self.assertEqual(token_input, G1.token_input_picc)
        self.assertEqual(card_module.pace_token(G1.ks_mac, oid, c.encode(G1.picc_eph_public),
                                                "aes128"), G1.t_pcd)
        self.assertEqual(card_module.pace_token(G1.ks_mac, oid, c.encode(G1.pcd_eph_public),
                                                "aes128"), G1.t_picc)

    def test_transcript_through_execute(self):
        card = g1_card()
        for command, answer in G1.transcript():
            with self.subTest(command=command):
                self.assertEqual(card.execute(H(command)).hex().upper(), answer)
        self.assertIsNotNone(card.session)
        self.assertEqual((card.session.ks_enc, card.session.ks_mac, card.session.ssc),
                         (G1.ks_enc, G1.ks_mac, 0))

    def test_terminal_reproduces_the_transcript(self):
        """The test terminal itself, with the example's keys, sends exactly the G.1 APDUs."""
        terminal = Terminal(g1_card())
        sw = terminal.pace("aes128", 13, 1, card_module.mrz_information(*G1.mrz),
                           send_param=False, map_key=G1.pcd_map_private,
                           eph_key=G1.pcd_eph_private)
        self.assertEqual(sw, 0x9000)
        self.assertEqual([(c.hex().upper(), a.hex().upper()) for c, a in terminal.log],
                         G1.transcript())
        self.assertEqual((terminal.sm.ks_enc, terminal.sm.ks_mac), (G1.ks_enc, G1.ks_mac))


class CardAccessTest(unittest.TestCase):
    def test_content(self):
        self.assertEqual(card_module.card_access_content(13, "aes128").hex().upper(),
                         "31143012060A04007F0007020204020202010202010D")
        self.assertEqual(card_module.card_access_content(12, "3des").hex().upper(),
                         "31143012060A04007F0007020204020102010202010C")
        self.assertEqual(card_module.card_access_content(12, "aes256").hex().upper(),
                         "31143012060A04007F0007020204020402010202010C")

    def test_read_without_secure_messaging(self):
        card = make_card()
        content = card_module.card_access_content(13, "aes128")
        terminal = Terminal(card)
        self.assertEqual(terminal.send(H("00B09C00DF")), (content, 0x6282))  # short read
        self.assertEqual(terminal.send(H("00B09C0000")), (b"", 0x6700))  # Le 256 > --max-le
        self.assertEqual(terminal.send(H("00B09C0016")), (content, 0x9000))
        for select in ("00A4020C02011C", "00A4000C02011C", "00A4020002011C"):
            with self.subTest(select=select):
                card.reset()
                self.assertEqual(terminal.send(H(select)), (b"", 0x9000))
                self.assertEqual(terminal.send(H("00B0000016")), (content, 0x9000))
                self.assertEqual(terminal.send(H("00B0000402")), (content[4:6], 0x9000))

    def test_other_files_still_need_access_control(self):
        terminal = Terminal(make_card())
        self.assertEqual(terminal.send(H("00B0810000"))[1], 0x6982)  # DG1 by SFI
        self.assertEqual(terminal.send(H("00A4040C07A0000002471001"))[1], 0x9000)
        self.assertEqual(terminal.send(H("00A4020C020101"))[1], 0x6982)
        self.assertEqual(terminal.send(H("00A4000C023F00"))[1], 0x6D00)  # still no SELECT MF

    def test_readable_under_secure_messaging(self):
        terminal = Terminal(make_card())
        self.assertEqual(terminal.pace("aes128", 13, 2, CAN), 0x9000)
        self.assertEqual(terminal.protected(0xB0, 0x9C, 0x00, le=0x16),
                         (card_module.card_access_content(13, "aes128"), 0x9000))

    def test_absent_without_pace(self):
        card = card_module.EmrtdOS(card_files(), card_mrz_info())
        terminal = Terminal(card)
        self.assertEqual(terminal.send(H("00B09C0000")), (b"", 0x6A82))
        self.assertEqual(terminal.send(H("00A4020C02011C")), (b"", 0x6A82))
        self.assertEqual(terminal.send(H("00A4000C02011C")), (b"", 0x6A82))
        # PACE commands are unknown, as before
        self.assertEqual(terminal.send(MSE_CAN), (b"", 0x6D00))
        self.assertEqual(terminal.send(H("10860000027C0000")), (b"", 0x6D00))
        # and BAC works as before
        self.assertEqual(terminal.send(H("00A4040C07A0000002471001"))[1], 0x9000)
        self.assertEqual(terminal.bac(card_mrz_info()), 0x9000)
        self.assertEqual(terminal.read_file(0x0101), card_files()[0x0101])


class PaceSessionTest(unittest.TestCase):
    """Complete random PACE runs, then the eMRTD application under the new secure messaging."""

    def session(self, param, cipher, password_ref, aa=False):
        card = make_card(param, cipher, aa=aa)
        terminal = Terminal(card)
        secret = CAN if password_ref == 2 else card_mrz_info()
        # Read EF.CardAccess first, like a reader would.
        content, sw = terminal.send(H("00B09C00DF"))
        self.assertEqual((content, sw), (card_module.card_access_content(param, cipher), 0x6282))
        self.assertEqual(terminal.pace(cipher, param, password_ref, secret), 0x9000)
        self.assertEqual(card.session.ssc, 0)
        self.assertEqual(len(card.session.ssc_bytes()), 8 if cipher == "3des" else 16)
        self.assertEqual(terminal.select_application(), 0x9000)
        dg1 = card_files()[0x0101]
        self.assertEqual(terminal.read_file(0x0101), dg1)
        self.assertEqual(terminal.read_file(0x0101, chunk=0x20), dg1)
        self.assertEqual(terminal.read_file(0x0101, odd=True), dg1)
        self.assertEqual(terminal.protected(0xB0, 0x83, 0x00, le=0x10)[1], 0x6982)  # DG3: EAC
        self.assertEqual(terminal.protected(0xA4, 0x02, 0x0C, b"\x01\x05")[1], 0x6A82)
        return card, terminal

    def test_can_aes128_brainpool(self):
        self.session(13, "aes128", 2)

    def test_can_aes128_p256(self):
        self.session(12, "aes128", 2)

    def test_mrz_aes128_brainpool(self):
        self.session(13, "aes128", 1)

    def test_can_3des_brainpool(self):
        self.session(13, "3des", 2)

    def test_mrz_3des_p256(self):
        self.session(12, "3des", 1)

    def test_can_aes192_brainpool(self):
        self.session(13, "aes192", 2)

    def test_can_aes256_p256(self):
        self.session(12, "aes256", 2)

    def test_mrz_aes256_brainpool(self):
        self.session(13, "aes256", 1)

    def test_active_authentication_after_pace(self):
        card, terminal = self.session(13, "aes128", 2, aa=True)
        challenge = os.urandom(8)
        signature, sw = terminal.protected(0x88, 0, 0, challenge, le=0)
        self.assertEqual(sw, 0x9000)
        key = card.aa_key
        k = (key.n.bit_length() + 7) // 8
        f = pow(int.from_bytes(signature, "big"), key.e, key.n).to_bytes(k, "big")
        self.assertEqual((f[0], f[-1]), (0x6A, 0xBC))
        self.assertEqual(f[-21:-1], hashlib.sha1(f[1:-21] + challenge).digest())

    def test_protected_data_groups(self):
        # --protect 15: DG15 is selectable but refused like DG3 (a copy pretending its key is
        # protected), by SELECT + READ BINARY and by short EF identifier; other files stay.
        files = card_files()
        card = card_module.EmrtdOS(files, card_mrz_info(), pace_param=13, pace_cipher="aes128",
                                   protect=[14, 15])
        terminal = Terminal(card)
        self.assertEqual(terminal.pace("aes128", 13, 2, CAN), 0x9000)
        self.assertEqual(terminal.select_application(), 0x9000)
        self.assertEqual(terminal.protected(0xA4, 0x02, 0x0C, b"\x01\x0F")[1], 0x9000)
        self.assertEqual(terminal.protected(0xB0, 0x00, 0x00, le=0x10)[1], 0x6982)
        self.assertEqual(terminal.protected(0xB0, 0x8E, 0x00, le=0x10)[1], 0x6982)  # DG14
        self.assertEqual(terminal.protected(0xB0, 0x83, 0x00, le=0x10)[1], 0x6982)  # DG3
        self.assertEqual(terminal.read_file(0x0101), files[0x0101])

    def test_explicit_can_option(self):
        card = make_card(13, "aes128", can="123456")
        self.assertEqual(Terminal(card).pace("aes128", 13, 2, "123456"), 0x9000)
        self.assertEqual(Terminal(make_card(13, "aes128", can="123456")).pace(
            "aes128", 13, 2, CAN), 0x6300)

    def test_default_can(self):
        self.assertEqual(make_card().can, CAN)
        mrz = card_files()[0x0101][5:]  # 61 5D 5F1F 5A <TD1 MRZ>
        self.assertEqual(mrz[15:27], b"001093047064")  # the 12-digit ID in the optional data

    def test_bac_on_a_pace_card(self):
        card = make_card()
        terminal = Terminal(card)
        self.assertEqual(terminal.send(H("00A4040C07A0000002471001"))[1], 0x9000)
        self.assertEqual(terminal.bac(card_mrz_info()), 0x9000)
        self.assertEqual(terminal.read_file(0x0101), card_files()[0x0101])

    def test_pace_after_bac_and_bac_after_pace(self):
        card = make_card()
        terminal = Terminal(card)
        self.assertEqual(terminal.send(H("00A4040C07A0000002471001"))[1], 0x9000)
        self.assertEqual(terminal.bac(card_mrz_info()), 0x9000)
        self.assertEqual(terminal.pace("aes128", 13, 2, CAN), 0x9000)
        self.assertEqual(terminal.read_file(0x0101), card_files()[0x0101])
        self.assertEqual(terminal.bac(card_mrz_info()), 0x9000)
        self.assertEqual(terminal.read_file(0x0101), card_files()[0x0101])

    def test_mse_ends_the_session(self):
        card = make_card()
        terminal = Terminal(card)
        self.assertEqual(terminal.pace("aes128", 13, 2, CAN), 0x9000)
        self.assertEqual(terminal.send(MSE_CAN), (b"", 0x9000))
        self.assertIsNone(card.session)
        select = terminal.sm.wrap(0, 0xA4, 4, 0x0C, card_module.AID)
        self.assertEqual(card.execute(select), H("6982"))

    def test_bad_mac_ends_the_session(self):
        card = make_card()
        terminal = Terminal(card)
        self.assertEqual(terminal.pace("aes128", 13, 2, CAN), 0x9000)
        self.assertEqual(terminal.select_application(), 0x9000)
        bad = terminal.sm.wrap(0, 0xA4, 2, 0x0C, b"\x01\x01", corrupt_mac=True)
        self.assertEqual(card.execute(bad), H("6988"))
        self.assertIsNone(card.session)
        self.assertEqual(card.execute(terminal.sm.wrap(0, 0xA4, 2, 0x0C, b"\x01\x01")), H("6982"))

    def test_pace_commands_under_secure_messaging(self):
        terminal = Terminal(make_card())
        self.assertEqual(terminal.pace("aes128", 13, 2, CAN), 0x9000)
        mse = H("800A04007F00070202040202830102")
        self.assertEqual(terminal.protected(0x22, 0xC1, 0xA4, mse), (b"", 0x6985))
        self.assertEqual(terminal.select_application(), 0x9000)  # the session survives


class PaceFailureTest(unittest.TestCase):
    def test_wrong_can(self):
        card = make_card()
        terminal = Terminal(card)
        self.assertEqual(terminal.pace("aes128", 13, 2, "000000"), 0x6300)
        self.assertEqual(terminal.log[-1][0][:2], H("0086"))  # failed at step 4
        self.assertEqual([a[-2:] for _, a in terminal.log[:-1]], [H("9000")] * 4)
        self.assertIsNone(card.session)
        self.assertIsNone(card.pace_attempt)
        some_sm = TerminalSM(bytes(16), bytes(16), 0, aes=True)
        self.assertEqual(card.execute(some_sm.wrap(0, 0xA4, 4, 0x0C, card_module.AID)), H("6982"))
        self.assertEqual(terminal.send(H("008600000C7C0A85080000000000000000"))[1], 0x6985)

    def test_wrong_mrz(self):
        terminal = Terminal(make_card())
        wrong = card_module.mrz_information("093047065", "930105", "330105")
        self.assertEqual(terminal.pace("aes128", 13, 1, wrong), 0x6300)

    def test_wrong_can_3des(self):
        terminal = Terminal(make_card(12, "3des"))
        self.assertEqual(terminal.pace("3des", 12, 2, "999999"), 0x6300)

    def test_forged_token(self):
        card = make_card()
        terminal = Terminal(card)
        self.assertEqual(terminal.pace("aes128", 13, 2, CAN, forge_token=True), 0x6300)
        self.assertIsNone(card.session)
        # a new attempt then succeeds
        self.assertEqual(terminal.pace("aes128", 13, 2, CAN), 0x9000)

    def test_steps_out_of_order(self):
        mse = MSE_CAN
        curve = card_module.PACE_CURVES[13]
        step1 = H("10860000027C0000")
        step2 = H("10860000457C438141") + curve.encode(G1.pcd_map_public) + b"\x00"
        step3 = H("10860000457C438341") + curve.encode(G1.pcd_eph_public) + b"\x00"
        step4 = H("008600000C7C0A8508C2B0BD78D94BA86600")
        cases = {
            "step 1 without MSE": [step1],
            "step 2 without MSE": [step2],
            "step 2 first": [mse, step2],
            "step 3 first": [mse, step3],
            "step 4 first": [mse, step4],
            "step 1 twice": [mse, step1, step1],
            "step 3 after step 1": [mse, step1, step3],
            "step 4 after step 2": [mse, step1, step2, step4],
            "step 2 again after step 3": [mse, step1, step2, step3, step2],
        }
        for name, apdus in cases.items():
            with self.subTest(name):
                card = make_card()
                answers = [card.execute(apdu)[-2:] for apdu in apdus]
                self.assertEqual(answers[:-1], [H("9000")] * (len(apdus) - 1))
                self.assertEqual(answers[-1], H("6985"))
                self.assertIsNone(card.pace_attempt)
                # the attempt is over: continuing answers 6985 too
                self.assertEqual(card.execute(step2)[-2:], H("6985"))
        # after a finished PACE, another GENERAL AUTHENTICATE needs a new MSE:Set AT
        card = make_card()
        terminal = Terminal(card)
        self.assertEqual(terminal.pace("aes128", 13, 2, CAN), 0x9000)
        self.assertEqual(card.execute(step1)[-2:], H("6985"))

    def test_mse_errors(self):
        card = make_card()
        oid = "800A04007F00070202040202"
        cases = {
            "another cipher": "800A04007F00070202040204830102",
            "DH OID": "800A04007F00070202040102830102",
            "other parameterId": oid + "830102" + "84010C",
            "long parameterId": oid + "830102" + "8402000D",
            "PIN": oid + "830103",
            "no password": oid,
            "no OID": "830102",
            "truncated": oid + "8301",
            "empty": "",
        }
        for name, data in cases.items():
            with self.subTest(name):
                apdu = H("0022C1A4") + (bytes([len(H(data))]) + H(data) if data else b"")
                self.assertEqual(card.execute(apdu), H("6A80"))
                self.assertIsNone(card.pace_attempt)
        self.assertEqual(card.execute(H("0022C1A40F" + oid + "830102")), H("9000"))
        self.assertEqual(card.execute(H("0022C1A412" + oid + "830102" + "84010D")), H("9000"))
        self.assertEqual(card.execute(H("002241A40F" + oid + "830102")), H("6A86"))

    def test_invalid_points(self):
        curve = card_module.PACE_CURVES[13]
        mse = MSE_CAN
        good = curve.encode(G1.pcd_map_public)
        for name, point in {
            "off the curve": good[:-1] + bytes([good[-1] ^ 1]),
            "compressed": b"\x02" + good[1:33],
            "short": good[:-2],
            "x >= p": b"\x04" + b"\xFF" * 64,
        }.items():
            with self.subTest(name):
                card = make_card()
                card.execute(mse)
                card.execute(H("10860000027C0000"))
                ga = t_do(0x7C, t_do(0x81, point))
                self.assertEqual(card.execute(H("10860000") + bytes([len(ga)]) + ga + b"\x00"),
                                 H("6A80"))
        # step 3 with the chip's own ephemeral key (G.1 keys, so it is known in advance)
        card = g1_card()
        transcript = G1.transcript()
        for command, answer in transcript[:3]:
            self.assertEqual(card.execute(H(command)).hex().upper(), answer)
        ga = t_do(0x7C, t_do(0x83, curve.encode(G1.picc_eph_public)))
        self.assertEqual(card.execute(H("10860000") + bytes([len(ga)]) + ga + b"\x00"), H("6A80"))
        # step 3 with a point off the curve
        card = g1_card()
        for command, answer in transcript[:3]:
            card.execute(H(command))
        bad = curve.encode(G1.pcd_eph_public)
        ga = t_do(0x7C, t_do(0x83, bad[:-1] + bytes([bad[-1] ^ 1])))
        self.assertEqual(card.execute(H("10860000") + bytes([len(ga)]) + ga + b"\x00"), H("6A80"))

    def test_malformed_general_authenticate(self):
        mse = MSE_CAN
        cases = {
            "no data": ("10860000", "6A80"),
            "not 7C": ("10860000027D0000", "6A80"),
            "truncated 7C": ("10860000037C058000", "6A80"),
            "two DOs": ("10860000067C0480008100", "6A80"),
            "unknown DO": ("10860000047C02870000", "6A80"),
            "P1 P2": ("10860100027C0000", "6A86"),
            "trailing bytes": ("10860000047C00000000", "6A80"),
        }
        for name, (apdu, sw) in cases.items():
            with self.subTest(name):
                card = make_card()
                self.assertEqual(card.execute(mse), H("9000"))
                self.assertEqual(card.execute(H(apdu)).hex().upper(), sw)

    def test_random_data_never_crashes(self):
        """Well-framed APDUs with random data for MSE and GENERAL AUTHENTICATE: never 6F00."""
        rng = secrets.SystemRandom()
        card = make_card()
        mse = MSE_CAN
        for _ in range(300):
            card.execute(mse)
            card.execute(H("10860000027C0000"))
            n = rng.randrange(0, 80)
            data = bytes(rng.randrange(256) for _ in range(n))
            if rng.random() < 0.5 and n >= 2:
                data = b"\x7C" + bytes([n - 2]) + data[2:]
            for ins_p in (H("10860000"), H("0022C1A4")):
                apdu = ins_p + (bytes([n]) + data if n else b"")
                self.assertNotEqual(card.execute(apdu)[-2:], H("6F00"), apdu.hex())
        self.assertEqual(Terminal(card).pace("aes128", 13, 2, CAN), 0x9000)


if __name__ == "__main__":
    unittest.main()
