#!/usr/bin/python3
"""An ICAO 9303 eMRTD (BAC + 3DES secure messaging) served to a virtual PC/SC reader.

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
- answers SELECT MF with 6D00 (as Vietnamese chips do), DG3 READ BINARY with 6982 (EAC),
  missing files with 6A82, offsets past the end with 6B00, short reads with 6282, Le above
  --max-le with 6700;
- supports READ BINARY with SFI, and odd INS B1 (DO'54' offset, DO'53' data);
- answers INTERNAL AUTHENTICATE (Active Authentication, ICAO 9303-11 §6.1) with the RSA key in
  aa-key.der (PKCS#1 DER, or --aa-key): ISO/IEC 9796-2 scheme 1, SHA-1, trailer BC, as most
  chips do; without a key it answers 6D00. A "cloned chip" is the same files with another key;
- sets TCP_QUICKACK on its socket (vpcd writes each APDU in two parts; without it every APDU
  waits for a delayed ACK, ~40 ms).

Usage: emrtd_card.py --card-dir DIR [--aa-key FILE] [--host 127.0.0.1] [--port 35963] [--verbose]
"""

import argparse
import hashlib
import os
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
from Cryptodome.Cipher import DES, DES3  # noqa: E402
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

SW_OK = 0x9000


class CardError(Exception):
    def __init__(self, sw):
        super().__init__("%04X" % sw)
        self.sw = sw


# --- 3DES secure messaging (ICAO 9303-11 §9.8) ---------------------------------------------

def pad(data):
    data = bytes(data) + b"\x80"
    while len(data) % 8:
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


class EmrtdOS(SmartcardOS):
    """The card: eMRTD application, BAC, secure messaging, transparent EFs."""

    def __init__(self, files, mrz_info, max_le=0xDF, verbose=False, aa_key=None):
        self.files = files
        self.aa_key = aa_key  # Cryptodome RSA private key, or None
        self.max_le = max_le
        self.verbose = verbose
        seed = hashlib.sha1(mrz_info.encode("ascii")).digest()[:16]
        self.k_enc = derive_key(seed, 1)
        self.k_mac = derive_key(seed, 2)
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
        self.session = None  # (ks_enc, ks_mac) once BAC succeeded
        self.ssc = 0

    def execute(self, msg):
        self.apdus += 1
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
        return out

    # Secure messaging -----------------------------------------------------------------------
    def ssc_bytes(self):
        return (self.ssc & 0xFFFFFFFFFFFFFFFF).to_bytes(8, "big")  # always 8 bytes

    def mac(self, data):
        return retail_mac(self.session[1], pad(self.ssc_bytes() + data))

    def execute_protected(self, msg):
        if self.session is None:
            raise CardError(0x6982)
        ks_enc, _ = self.session
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
        self.ssc += 1
        if mac is None or mac != self.mac(pad(header) + covered):
            # ICAO 9303-11: an SM error ends the session; answer without SM.
            self.session = None
            raise CardError(0x6988)
        plain = unpad(tdes_dec(ks_enc, data)) if data else b""
        apdu = bytes([header[0] & 0xF0, header[1], header[2], header[3]])
        if plain:
            apdu += bytes([len(plain)]) + plain
        if le is not None:
            apdu += bytes([le & 0xFF])
        try:
            rdata, sw = self.execute_plain(C_APDU(apdu), protected=True)
        except CardError as e:
            rdata, sw = b"", e.sw
        self.ssc += 1
        dos = b""
        if rdata:
            enc = tdes_enc(ks_enc, pad(rdata))
            dos += tlv(0x85, enc) if odd else tlv(0x87, b"\x01" + enc)
        dos += tlv(0x99, sw.to_bytes(2, "big"))
        dos += tlv(0x8E, self.mac(dos))
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
        if ins == 0x88:
            if not protected:
                raise CardError(0x6982)  # BAC required
            return self.internal_authenticate(c)
        if ins in (0xB0, 0xB1):
            if not protected:
                raise CardError(0x6982)  # BAC required
            return self.read_binary(c)
        raise CardError(0x6D00)

    def select(self, c, protected):
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
            if fid not in self.files and fid not in EAC_PROTECTED:
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
        self.session = (derive_key(seed, 1), derive_key(seed, 2))
        self.ssc = int.from_bytes(rnd_ic[4:] + rnd_ifd[4:], "big")
        return e_ic + m_ic, SW_OK

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
                if fid not in self.files and fid not in EAC_PROTECTED:
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
        if self.current in EAC_PROTECTED:
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


def serve(card, host, port, connect_timeout):
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
        answer = card.execute(msg)
        sock.sendall(struct.pack("!H", len(answer)) + answer)
        quickack(sock)


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
    p.add_argument("--max-le", type=lambda s: int(s, 0), default=0xDF)
    p.add_argument("--connect-timeout", type=float, default=10.0)
    p.add_argument("--verbose", action="store_true", help="log every APDU to stderr")
    p.add_argument("--no-quickack", action="store_true",
                   help="diagnostics: leave TCP_QUICKACK off (every APDU then costs ~40 ms)")
    args = p.parse_args()
    global QUICKACK
    QUICKACK = not args.no_quickack

    files = load_files(args.card_dir)
    if 0x0101 not in files and not (args.document_number and args.birth and args.expiry):
        raise SystemExit("emrtd_card: no dg1.bin and no --document-number/--birth/--expiry")
    number, dob, doe = (None, None, None)
    if 0x0101 in files:
        number, dob, doe = mrz_information_from_dg1(files[0x0101])
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
    card = EmrtdOS(files, mrz_information(number, dob, doe), args.max_le, args.verbose, aa_key)
    print("emrtd_card: %d files from %s; Active Authentication %s" % (
        len(files), args.card_dir, ("RSA-%d" % aa_key.n.bit_length()) if aa_key else "off"),
        file=sys.stderr, flush=True)
    try:
        serve(card, args.host, args.port, args.connect_timeout)
    except (ConnectionError, KeyboardInterrupt):
        pass


if __name__ == "__main__":
    main()
