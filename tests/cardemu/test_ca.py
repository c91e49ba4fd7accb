"""Chip Authentication on the card emulator (emrtd_card.py with ca-key.der / --ca-key).

Run from the repository root with Debian's interpreter (it sees python3-pycryptodome and
python3-virtualsmartcard); the `openssl` command makes the keys:

    /usr/bin/python3 -m unittest tests/cardemu/test_ca.py -v

- Key files: brainpoolP256r1 and P-256 keys made by `openssl genpkey` / `openssl ecparam -genkey`
  / `openssl pkcs8 -topk8` (SEC1 and PKCS#8, DER and PEM, named and explicit curves) load with
  the right curve, and their public key equals the one `openssl pkey -pubout` prints; other keys
  are refused.
- Sessions: BAC, or PACE, then Chip Authentication version 2 (id-CA-ECDH-3DES/AES-128/192/256)
  or version 1 (MSE:Set KAT, 3DES), run by the test terminal of test_pace.py (its own curve
  arithmetic, KDF and secure messaging) from the chip's PUBLIC key as openssl derives it; then
  DG1 is read under the new keys and compared with the file. For P-256 the terminal's shared
  secret is also checked against pycryptodome's point multiplication.
- A cloned chip (the same files, another private key) answers MSE and GENERAL AUTHENTICATE with
  9000, but the first command after it fails: the terminal's keys are not the chip's.
- Errors: off-curve points 6A80, CA without secure messaging 6982, GENERAL AUTHENTICATE without
  MSE:Set AT 6985, unknown OID 6A80, a command with the old keys after CA 6988, no key 6D00.
"""

import os
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
if HERE not in sys.path:
    sys.path.insert(0, HERE)

import emrtd_card as card_module  # noqa: E402  (also sets up Cryptodome and virtualsmartcard)
import test_pace as tp  # noqa: E402  (the terminal; a module, so its tests are not run twice)
from Cryptodome.PublicKey import ECC, RSA  # noqa: E402

H = bytes.fromhex
t_do, t_parse, t_kdf = tp.t_do, tp.t_parse, tp.t_kdf

CA_OID = H("04007F000702020302")  # id-CA-ECDH, 0.4.0.127.0.7.2.2.3.2
CA_ARC = {"3des": 1, "aes128": 2, "aes192": 3, "aes256": 4}
PARAM = {"brainpoolP256r1": 13, "prime256v1": 12}  # openssl curve name -> TCurve parameterId

KEYS = {}  # name -> path, made by setUpModule
TMP = None


def openssl(*args, stdin=None):
    return subprocess.run(("openssl",) + args, input=stdin, check=True,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE).stdout


def setUpModule():
    global TMP
    TMP = tempfile.mkdtemp(prefix="cardemu-ca-")

    def path(name):
        KEYS[name] = os.path.join(TMP, name)
        return KEYS[name]

    for curve in ("brainpoolP256r1", "prime256v1"):
        # the chip's key, and a second one for the "cloned chip"
        openssl("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:" + curve,
                "-outform", "DER", "-out", path(curve + ".der"))
        openssl("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:" + curve,
                "-outform", "DER", "-out", path(curve + "-clone.der"))
        # the same key in other encodings
        openssl("pkcs8", "-topk8", "-nocrypt", "-inform", "DER", "-in", KEYS[curve + ".der"],
                "-outform", "DER", "-out", path(curve + "-pkcs8.der"))
        openssl("pkcs8", "-topk8", "-nocrypt", "-inform", "DER", "-in", KEYS[curve + ".der"],
                "-out", path(curve + "-pkcs8.pem"))
        openssl("ec", "-inform", "DER", "-in", KEYS[curve + ".der"], "-outform", "DER",
                "-out", path(curve + "-sec1.der"))
        openssl("ec", "-inform", "DER", "-in", KEYS[curve + ".der"], "-param_enc", "explicit",
                "-outform", "DER", "-out", path(curve + "-explicit.der"))
        openssl("ec", "-inform", "DER", "-in", KEYS[curve + ".der"], "-conv_form", "compressed",
                "-outform", "DER", "-out", path(curve + "-compressed.der"))
        # `openssl ecparam -genkey`: SEC1 in DER; in PEM with an EC PARAMETERS block first
        openssl("ecparam", "-name", curve, "-genkey", "-noout", "-outform", "DER",
                "-out", path(curve + "-ecparam.der"))
        openssl("ecparam", "-name", curve, "-genkey", "-out", path(curve + "-ecparam.pem"))
    openssl("ecparam", "-name", "secp384r1", "-genkey", "-noout", "-outform", "DER",
            "-out", path("secp384r1.der"))
    openssl("pkcs8", "-topk8", "-inform", "DER", "-in", KEYS["brainpoolP256r1.der"],
            "-passout", "pass:secret", "-out", path("encrypted.pem"))


def tearDownModule():
    shutil.rmtree(TMP, ignore_errors=True)


def openssl_public(key_path):
    """The uncompressed public point of a private key file, as openssl computes it."""
    spki = openssl("pkey", "-in", key_path, "-pubout", "-outform", "DER")
    assert spki[-66:-65] == b"\x00" and spki[-65] == 0x04  # BIT STRING, 0 unused bits, 04 X Y
    return spki[-65:]


def make_card(key="brainpoolP256r1.der", pace=None, aa=False):
    """The test card with a Chip Authentication key (None: without); `pace` a PACE cipher."""
    aa_key = None
    if aa:
        with open(os.path.join(tp.CARD_DIR, "aa-key.der"), "rb") as f:
            aa_key = RSA.import_key(f.read())
    ca_key = card_module.load_ca_key_file(KEYS[key]) if key else None
    return card_module.EmrtdOS(tp.card_files(), tp.card_mrz_info(), aa_key=aa_key,
                               pace_param=13 if pace else None, pace_cipher=pace or "aes128",
                               ca_key=ca_key)


def open_session(card, access):
    """A test terminal with secure messaging after BAC or PACE (CAN, brainpoolP256r1)."""
    terminal = tp.Terminal(card)
    if access == "bac":
        assert terminal.send(H("00A4040C07A0000002471001"))[1] == 0x9000
        assert terminal.bac(tp.card_mrz_info()) == 0x9000
    else:
        assert terminal.pace(access, 13, 2, tp.CAN) == 0x9000
        assert terminal.select_application() == 0x9000
    return terminal


def chip_authentication(terminal, chip_public, param, cipher="aes128", version=2, key_id=None,
                        point=None):
    """Chip Authentication from the terminal's side, with the chip's public key `chip_public`.

    Returns the status word of the command that failed, or 9000; then `terminal.sm` holds the
    keys the terminal derived (SSC 0). `point` replaces the terminal's ephemeral public key.
    """
    curve = tp.TCurve(param)
    sk = 1 + secrets.randbelow(curve.n - 1)
    pk = point if point is not None else curve.enc(curve.mul(sk, curve.g))
    extra = t_do(0x84, key_id) if key_id is not None else b""
    if version == 2:
        mse = t_do(0x80, CA_OID + bytes([CA_ARC[cipher]])) + extra
        data, sw = terminal.protected(0x22, 0x41, 0xA4, mse)
        if sw != 0x9000:
            return sw
        assert data == b""
        data, sw = terminal.protected(0x86, 0x00, 0x00, t_do(0x7C, t_do(0x80, pk)), le=0)
        if sw != 0x9000:
            return sw
        assert data == H("7C00"), data.hex()
    else:
        assert cipher == "3des"
        data, sw = terminal.protected(0x22, 0x41, 0xA6, t_do(0x91, pk) + extra)
        if sw != 0x9000:
            return sw
        assert data == b""
    shared = curve.mul(sk, curve.dec(chip_public))
    if param == 12:  # cross-check with pycryptodome's P-256
        q = ECC.import_key(H("3059301306072A8648CE3D020106082A8648CE3D030107034200")
                           + chip_public).pointQ * sk
        assert (int(q.x), int(q.y)) == shared
    k = shared[0].to_bytes(32, "big")
    terminal.sm = tp.TerminalSM(t_kdf(k, 1, cipher), t_kdf(k, 2, cipher), 0,
                                aes=cipher != "3des")
    return 0x9000


CURVES = ("brainpoolP256r1", "prime256v1")
RUNS = [(2, "3des"), (2, "aes128"), (2, "aes192"), (2, "aes256"), (1, "3des")]


# --- Tests --------------------------------------------------------------------------------

class KeyFileTest(unittest.TestCase):
    def test_formats(self):
        for curve in CURVES:
            expected = card_module.CURVE_OIDS[
                H("2B2403030208010107") if curve == "brainpoolP256r1" else H("2A8648CE3D030107")]
            public = openssl_public(KEYS[curve + ".der"])
            for variant in ("", "-pkcs8", "-sec1", "-explicit", "-compressed"):
                for ext in (".der", ".pem") if variant == "-pkcs8" else (".der",):
                    name = curve + variant + ext
                    with self.subTest(name):
                        key = card_module.load_ca_key_file(KEYS[name])
                        self.assertIs(key.curve, expected)
                        self.assertEqual(key.public_bytes(), public)
            for name in (curve + "-ecparam.der", curve + "-ecparam.pem"):
                with self.subTest(name):
                    key = card_module.load_ca_key_file(KEYS[name])
                    self.assertIs(key.curve, expected)
                    self.assertEqual(key.public_bytes(), openssl_public(KEYS[name]))

    def test_formats_are_what_the_names_say(self):
        def first_fields(name):
            with open(KEYS[name], "rb") as f:
                data = f.read()
            header = 2 + (data[1] & 0x7F if data[1] & 0x80 else 0)
            return data[0], data[header:header + 4]
        # PrivateKeyInfo: version 0, AlgorithmIdentifier; ECPrivateKey: version 1, OCTET STRING
        for curve in CURVES:
            with self.subTest(curve):
                self.assertEqual(first_fields(curve + "-pkcs8.der"), (0x30, H("02010030")))
                self.assertEqual(first_fields(curve + "-sec1.der"), (0x30, H("02010104")))
                self.assertEqual(first_fields(curve + ".der"), (0x30, H("02010104")))
        with open(KEYS["prime256v1-ecparam.pem"], "rb") as f:
            self.assertTrue(f.read().startswith(b"-----BEGIN EC PARAMETERS-----"))

    def test_p256_scalar_against_pycryptodome(self):
        for name in ("prime256v1.der", "prime256v1-pkcs8.der", "prime256v1-ecparam.pem"):
            with open(KEYS[name], "rb") as f:
                data = f.read()
            with self.subTest(name):
                ours = card_module.load_ca_key(data)
                theirs = ECC.import_key(data)
                self.assertEqual(ours.d, int(theirs.d))
                self.assertEqual(ours.public, (int(theirs.pointQ.x), int(theirs.pointQ.y)))

    def test_refused(self):
        with open(KEYS["brainpoolP256r1-sec1.der"], "rb") as f:
            sec1 = f.read()
        other = openssl_public(KEYS["brainpoolP256r1-clone.der"])
        self.assertEqual(sec1[-65:], openssl_public(KEYS["brainpoolP256r1.der"]))
        mismatched = sec1[:-65] + other
        with open(os.path.join(tp.CARD_DIR, "aa-key.der"), "rb") as f:
            rsa = f.read()
        with open(KEYS["secp384r1.der"], "rb") as f:
            p384 = f.read()
        with open(KEYS["encrypted.pem"], "rb") as f:
            encrypted = f.read()
        zero = sec1[:7] + bytes(32) + sec1[39:]
        for name, data in {"secp384r1": p384, "RSA": rsa, "encrypted PEM": encrypted,
                           "public key of another key": mismatched, "private key 0": zero,
                           "truncated": sec1[:-10], "empty": b"", "garbage": b"\x30\x03\x02\x01"
                           }.items():
            with self.subTest(name):
                with self.assertRaises(ValueError):
                    card_module.load_ca_key(data)


class ChipAuthenticationTest(unittest.TestCase):
    def check_session(self, card, terminal, cipher):
        """The new session on both sides: SSC 0, the same keys; DG1 reads under them."""
        self.assertEqual(card.session.ssc, 0)
        self.assertEqual(card.session.aes, cipher != "3des")
        self.assertEqual(len(card.session.ssc_bytes()), 8 if cipher == "3des" else 16)
        self.assertEqual((card.session.ks_enc, card.session.ks_mac),
                         (terminal.sm.ks_enc, terminal.sm.ks_mac))
        dg1 = tp.card_files()[0x0101]
        self.assertEqual(terminal.read_file(0x0101), dg1)
        self.assertEqual(terminal.read_file(0x0101, odd=True), dg1)
        self.assertEqual(terminal.protected(0xB0, 0x83, 0x00, le=0x10)[1], 0x6982)  # DG3: EAC

    def test_sessions(self):
        """BAC or PACE, then CA v2 with each cipher or v1, on both curves; DG1 under new keys."""
        for curve in CURVES:
            public = openssl_public(KEYS[curve + ".der"])
            for access in ("bac", "pace"):
                for version, cipher in RUNS:
                    with self.subTest(curve=curve, access=access, version=version, cipher=cipher):
                        # PACE with the other block size, so the SSC width changes with CA
                        pace = ("aes256" if cipher == "3des" else "3des") \
                            if access == "pace" else None
                        card = make_card(curve + ".der", pace=pace)
                        terminal = open_session(card, pace or "bac")
                        old = card.session
                        self.assertEqual(chip_authentication(terminal, public, PARAM[curve],
                                                             cipher, version), 0x9000)
                        self.assertIsNot(card.session, old)
                        self.check_session(card, terminal, cipher)

    def test_key_id_and_other_key_files(self):
        card = make_card("prime256v1-pkcs8.pem")
        terminal = open_session(card, "bac")
        public = openssl_public(KEYS["prime256v1.der"])
        self.assertEqual(chip_authentication(terminal, public, 12, "aes128", key_id=b"\x07"),
                         0x9000)
        self.check_session(card, terminal, "aes128")
        card = make_card("brainpoolP256r1-explicit.der")
        terminal = open_session(card, "bac")
        public = openssl_public(KEYS["brainpoolP256r1.der"])
        self.assertEqual(chip_authentication(terminal, public, 13, "3des", version=1,
                                             key_id=b"\x01\x02"), 0x9000)
        self.check_session(card, terminal, "3des")

    def test_cloned_chip(self):
        """The genuine chip's DG14 public key, another private key: the first answer after CA
        does not verify (the chip, not knowing the terminal's keys, answers 6988 without MAC)."""
        for curve in CURVES:
            genuine = openssl_public(KEYS[curve + ".der"])
            for version, cipher in ((2, "aes128"), (2, "3des"), (1, "3des")):
                with self.subTest(curve=curve, version=version, cipher=cipher):
                    card = make_card(curve + "-clone.der")
                    terminal = open_session(card, "bac")
                    self.assertEqual(chip_authentication(terminal, genuine, PARAM[curve], cipher,
                                                         version), 0x9000)
                    self.assertNotEqual(card.session.ks_mac, terminal.sm.ks_mac)
                    answer = card.execute(terminal.sm.wrap(0, 0xA4, 0x02, 0x0C, b"\x01\x01"))
                    self.assertEqual(answer, H("6988"))
                    with self.assertRaises(AssertionError):  # no DO'8E', no valid MAC
                        terminal.sm.unwrap(answer)
                    self.assertIsNone(card.session)
        # with the clone's own public key, the same card works: only the key differs
        card = make_card("brainpoolP256r1-clone.der")
        terminal = open_session(card, "bac")
        self.assertEqual(chip_authentication(
            terminal, openssl_public(KEYS["brainpoolP256r1-clone.der"]), 13), 0x9000)
        self.check_session(card, terminal, "aes128")

    def test_invalid_points(self):
        public = openssl_public(KEYS["brainpoolP256r1.der"])
        good = tp.TCurve(13).enc(tp.TCurve(13).g)
        p256_point = tp.TCurve(12).enc(tp.TCurve(12).g)  # on P-256, not on brainpoolP256r1
        for name, point in {
            "off the curve": good[:-1] + bytes([good[-1] ^ 1]),
            "on the other curve": p256_point,
            "compressed": b"\x02" + good[1:33],
            "short": good[:-2],
            "x >= p": b"\x04" + b"\xFF" * 64,
            "infinity": b"\x00",
        }.items():
            for version, cipher in ((2, "aes128"), (1, "3des")):
                with self.subTest(name, version=version):
                    card = make_card()
                    terminal = open_session(card, "bac")
                    old_keys = (card.session.ks_enc, card.session.ks_mac)
                    self.assertEqual(chip_authentication(terminal, public, 13, cipher, version,
                                                         point=point), 0x6A80)
                    # the answer was protected with the old keys; the session goes on
                    self.assertEqual((card.session.ks_enc, card.session.ks_mac), old_keys)
                    self.assertEqual(terminal.read_file(0x0101), tp.card_files()[0x0101])
                    # a failed GENERAL AUTHENTICATE needs a new MSE:Set AT
                    ga = t_do(0x7C, t_do(0x80, good))
                    self.assertEqual(terminal.protected(0x86, 0, 0, ga, le=0), (b"", 0x6985))
        # and a good run afterwards
        card = make_card()
        terminal = open_session(card, "bac")
        chip_authentication(terminal, public, 13, point=good[:-1] + bytes([good[-1] ^ 1]))
        self.assertEqual(chip_authentication(terminal, public, 13), 0x9000)
        self.check_session(card, terminal, "aes128")

    def test_without_secure_messaging(self):
        for pace in (None, "aes128"):
            with self.subTest(pace=pace):
                card = make_card(pace=pace)
                terminal = tp.Terminal(card)
                self.assertEqual(terminal.send(H("00A4040C07A0000002471001"))[1], 0x9000)
                mse = "0022 41A4 0C 800A04007F00070202030202".replace(" ", "")
                self.assertEqual(terminal.send(H(mse)), (b"", 0x6982))
                kat = H("002241A643") + t_do(0x91, openssl_public(KEYS["brainpoolP256r1.der"]))
                self.assertEqual(terminal.send(kat), (b"", 0x6982))
                ga = H("00860000457C438041") + openssl_public(KEYS["brainpoolP256r1.der"]) + b"\0"
                # without PACE: 6982; a PACE card takes it for PACE (no PACE MSE: 6985)
                self.assertEqual(terminal.send(ga), (b"", 0x6982 if pace is None else 0x6985))
                self.assertIsNone(card.session)
                self.assertIsNone(card.ca_attempt)

    def test_general_authenticate_without_mse(self):
        public = openssl_public(KEYS["brainpoolP256r1.der"])
        point = tp.TCurve(13).enc(tp.TCurve(13).g)
        ga = t_do(0x7C, t_do(0x80, point))
        card = make_card()
        terminal = open_session(card, "bac")
        self.assertEqual(terminal.protected(0x86, 0, 0, ga, le=0), (b"", 0x6985))
        # a PACE MSE:Set AT under secure messaging does not count (and answers 6985, as before)
        pace_card = make_card(pace="aes128")
        pace_terminal = open_session(pace_card, "aes128")
        mse = H("800A04007F00070202040202830102")
        self.assertEqual(pace_terminal.protected(0x22, 0xC1, 0xA4, mse), (b"", 0x6985))
        self.assertEqual(pace_terminal.protected(0x86, 0, 0, ga, le=0), (b"", 0x6985))
        # after a finished CA, another GENERAL AUTHENTICATE needs a new MSE:Set AT
        self.assertEqual(chip_authentication(terminal, public, 13), 0x9000)
        self.assertEqual(terminal.protected(0x86, 0, 0, ga, le=0), (b"", 0x6985))
        # an MSE:Set AT from another session does not count either
        card = make_card()
        terminal = open_session(card, "bac")
        self.assertEqual(terminal.protected(0x22, 0x41, 0xA4, t_do(0x80, CA_OID + b"\x02")),
                         (b"", 0x9000))
        self.assertEqual(terminal.bac(tp.card_mrz_info()), 0x9000)  # a new BAC session
        self.assertEqual(terminal.protected(0x86, 0, 0, ga, le=0), (b"", 0x6985))
        # P1-P2 of GENERAL AUTHENTICATE
        self.assertEqual(terminal.protected(0x22, 0x41, 0xA4, t_do(0x80, CA_OID + b"\x02")),
                         (b"", 0x9000))
        self.assertEqual(terminal.protected(0x86, 0, 1, ga, le=0), (b"", 0x6A86))

    def test_old_keys_after_chip_authentication(self):
        for version, cipher in ((2, "aes128"), (2, "3des"), (1, "3des")):
            with self.subTest(version=version, cipher=cipher):
                card = make_card()
                terminal = open_session(card, "bac")
                old = terminal.sm
                public = openssl_public(KEYS["brainpoolP256r1.der"])
                self.assertEqual(chip_authentication(terminal, public, 13, cipher, version),
                                 0x9000)
                self.assertEqual(card.execute(old.wrap(0, 0xA4, 0x02, 0x0C, b"\x01\x01")),
                                 H("6988"))
                self.assertIsNone(card.session)  # the session is over
                new = terminal.sm.wrap(0, 0xA4, 0x02, 0x0C, b"\x01\x01")
                self.assertEqual(card.execute(new), H("6982"))

    def test_mse_errors(self):
        public = openssl_public(KEYS["brainpoolP256r1.der"])
        oid = t_do(0x80, CA_OID + b"\x02")
        cases = {
            "PACE OID": t_do(0x80, H("04007F00070202040202")),
            "id-CA-DH-3DES": t_do(0x80, H("04007F00070202030101")),
            "id-CA-ECDH arc 5": t_do(0x80, CA_OID + b"\x05"),
            "id-CA-ECDH arc 0": t_do(0x80, CA_OID + b"\x00"),
            "id-CA-ECDH without cipher": t_do(0x80, CA_OID),
            "longer OID": t_do(0x80, CA_OID + b"\x02\x01"),
            "no OID": t_do(0x84, b"\x01"),
            "OID twice": oid + oid,
            "empty keyId": oid + t_do(0x84, b""),
            "password reference": oid + t_do(0x83, b"\x02"),
            "truncated": oid[:-1],
        }
        card = make_card()
        terminal = open_session(card, "bac")
        for name, data in cases.items():
            with self.subTest(name):
                self.assertEqual(terminal.protected(0x22, 0x41, 0xA4, data), (b"", 0x6A80))
                self.assertIsNone(card.ca_attempt)
        self.assertEqual(terminal.protected(0x22, 0x41, 0xA4, b""), (b"", 0x6A80))
        for name, data in {"no key": t_do(0x84, b"\x01"), "OID": oid,
                           "key twice": t_do(0x91, public) * 2}.items():
            with self.subTest("KAT " + name):
                self.assertEqual(terminal.protected(0x22, 0x41, 0xA6, data), (b"", 0x6A80))
        self.assertEqual(terminal.protected(0x22, 0x81, 0xA4, oid), (b"", 0x6A86))
        # the session survives all that, and CA then works
        self.assertEqual(terminal.read_file(0x0101), tp.card_files()[0x0101])
        self.assertEqual(chip_authentication(terminal, public, 13), 0x9000)
        self.check_session(card, terminal, "aes128")

    def test_without_key(self):
        public = openssl_public(KEYS["brainpoolP256r1.der"])
        for pace in (None, "aes128"):
            with self.subTest(pace=pace):
                card = make_card(key=None, pace=pace)
                terminal = open_session(card, pace or "bac")
                self.assertEqual(terminal.protected(0x22, 0x41, 0xA4,
                                                    t_do(0x80, CA_OID + b"\x02")), (b"", 0x6D00))
                self.assertEqual(terminal.protected(0x22, 0x41, 0xA6, t_do(0x91, public)),
                                 (b"", 0x6D00))
                self.assertEqual(terminal.protected(0x86, 0, 0, t_do(0x7C, t_do(0x80, public)),
                                                    le=0), (b"", 0x6D00))
                self.assertEqual(terminal.read_file(0x0101), tp.card_files()[0x0101])
        self.assertEqual(tp.Terminal(make_card(key=None)).send(H("002241A40C800A04007F0007020203"
                                                                 "0202")), (b"", 0x6D00))

    def test_pace_and_bac_still_work_on_a_ca_card(self):
        card = make_card(pace="aes128")
        terminal = open_session(card, "aes128")
        public = openssl_public(KEYS["brainpoolP256r1.der"])
        self.assertEqual(chip_authentication(terminal, public, 13, "aes256"), 0x9000)
        self.check_session(card, terminal, "aes256")
        # a new PACE (plain MSE:Set AT C1A4) ends the CA session and starts over
        self.assertEqual(terminal.pace("aes128", 13, 2, tp.CAN), 0x9000)
        self.assertEqual(terminal.read_file(0x0101), tp.card_files()[0x0101])
        self.assertEqual(terminal.bac(tp.card_mrz_info()), 0x9000)
        self.assertEqual(chip_authentication(terminal, public, 13, "3des", version=1), 0x9000)
        self.check_session(card, terminal, "3des")

    def test_chip_authentication_again(self):
        """The emulator lets CA run again under the CA session (each run gives new keys)."""
        card = make_card()
        terminal = open_session(card, "bac")
        public = openssl_public(KEYS["brainpoolP256r1.der"])
        self.assertEqual(chip_authentication(terminal, public, 13, "aes128"), 0x9000)
        first = card.session.ks_mac
        self.assertEqual(chip_authentication(terminal, public, 13, "aes128"), 0x9000)
        self.assertNotEqual(card.session.ks_mac, first)
        self.check_session(card, terminal, "aes128")

    def test_active_authentication_after_chip_authentication(self):
        card = make_card(aa=True)
        terminal = open_session(card, "bac")
        public = openssl_public(KEYS["brainpoolP256r1.der"])
        self.assertEqual(chip_authentication(terminal, public, 13, "aes128"), 0x9000)
        signature, sw = terminal.protected(0x88, 0, 0, os.urandom(8), le=0)
        self.assertEqual((len(signature), sw), (128, 0x9000))

    def test_files_unchanged(self):
        card = make_card()
        files = dict(card.files)
        terminal = open_session(card, "bac")
        chip_authentication(terminal, openssl_public(KEYS["brainpoolP256r1.der"]), 13)
        self.assertEqual(card.files, files)
        self.assertEqual(card.files, tp.card_files())

    def test_random_data_never_crashes(self):
        rng = secrets.SystemRandom()
        card = make_card()
        terminal = open_session(card, "bac")
        oid = t_do(0x80, CA_OID + b"\x02")
        for _ in range(150):
            n = rng.randrange(0, 90)
            data = bytes(rng.randrange(256) for _ in range(n))
            if rng.random() < 0.5 and n >= 2:
                data = b"\x7C" + bytes([n - 2]) + data[2:]
            for p2 in (0xA4, 0xA6):
                if data:
                    sw = terminal.protected(0x22, 0x41, p2, data)[1]
                    self.assertNotEqual(sw, 0x6F00, data.hex())
            self.assertEqual(terminal.protected(0x22, 0x41, 0xA4, oid)[1], 0x9000)
            if data:
                sw = terminal.protected(0x86, 0, 0, data, le=0)[1]
                self.assertIn(sw, (0x6A80, 0x6985), data.hex())
        public = openssl_public(KEYS["brainpoolP256r1.der"])
        self.assertEqual(chip_authentication(terminal, public, 13), 0x9000)


class StartupTest(unittest.TestCase):
    """The command line: --ca-key, ca-key.der in --card-dir, --no-ca, and the startup line."""

    def run_card(self, *args):
        with socket.socket() as s:  # a port nobody listens on
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        result = subprocess.run(
            [sys.executable, os.path.join(HERE, "emrtd_card.py"), "--port", str(port),
             "--connect-timeout", "0"] + list(args),
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=60)
        return result.stderr.decode()

    def test_startup_line(self):
        card_dir = os.path.join(TMP, "card")
        if not os.path.exists(card_dir):
            shutil.copytree(tp.CARD_DIR, card_dir)
        key_path = os.path.join(card_dir, "ca-key.der")
        if os.path.exists(key_path):
            os.remove(key_path)
        err = self.run_card("--card-dir", card_dir)
        self.assertIn("; Chip Authentication off\n", err)
        err = self.run_card("--card-dir", card_dir, "--ca-key", KEYS["prime256v1-pkcs8.pem"])
        self.assertIn("; Chip Authentication ECDH on NIST P-256 (secp256r1) (%s; its public key "
                      "is NOT in dg14.bin)\n" % KEYS["prime256v1-pkcs8.pem"], err)
        shutil.copy(KEYS["brainpoolP256r1.der"], key_path)
        with open(os.path.join(card_dir, "dg14.bin"), "wb") as f:  # a DG14 holding the key
            f.write(card_module.tlv(0x6E, openssl("pkey", "-in", key_path, "-pubout",
                                                  "-outform", "DER")))
        err = self.run_card("--card-dir", card_dir)
        self.assertIn("; Chip Authentication ECDH on brainpoolP256r1 (%s; its public key is in "
                      "dg14.bin)\n" % key_path, err)
        self.assertIn("cannot connect to vpcd", err)
        err = self.run_card("--card-dir", card_dir, "--no-ca")
        self.assertIn("; Chip Authentication off\n", err)
        err = self.run_card("--card-dir", card_dir, "--ca-key", KEYS["secp384r1.der"])
        self.assertIn("secp384r1.der: unsupported curve", err)
        err = self.run_card("--card-dir", card_dir, "--ca-key", os.path.join(TMP, "nothing"))
        self.assertIn("no such file", err)
        err = self.run_card("--card-dir", card_dir, "--ca-key", key_path, "--no-ca")
        self.assertIn("not allowed with argument", err)


if __name__ == "__main__":
    unittest.main()
