#!/usr/bin/python3
"""Active Authentication fixtures (ICAO 9303-11 §6.1), made with pycryptodome; new keys each run.

Run by the ignored test `fixtures::regenerate_card_fixtures` before it builds DG15, or by hand
(`/usr/bin/python3 testdata/aa/make.py`; then rerun that test, as DG15 and EF.SOD change).

Writes:
- ../card/aa-key.der   the generated card's AA private key (RSA-1024, PKCS#1 DER), for the card
                       emulator and the in-process fake chip; its public key is DG15.
- card.spki.der        that public key (SubjectPublicKeyInfo), which DG15 wraps in tag 6F.
- clone-key.der        another RSA-1024 key: a "cloned chip" has the right data but this key.
- vectors: an RSA-1024 key (vec-rsa.spki.der, private key thrown away) and ISO/IEC 9796-2
  scheme 1 signatures over M1 || challenge.bin:
    sha1.sig (trailer BC), sha1-33cc.sig, sha256.sig (34CC), sha384.sig (36CC), sha512.sig (35CC),
    bad-header.sig (first byte 5A), bad-trailer.sig (last byte BD), unknown-hash-id.sig (39CC),
    bad-hash.sig (hash over M1 || another challenge), no-recovery.sig (4A header, full recovery);
  and ECDSA: vec-p256.spki.der with p256-plain-sha256.sig (BSI TR-03111 plain r||s, SHA-256).
Every key here is invented and only for tests.
"""
import hashlib
import os

from Cryptodome.Hash import SHA256
from Cryptodome.PublicKey import ECC, RSA
from Cryptodome.Signature import DSS

HERE = os.path.dirname(os.path.abspath(__file__))
CHALLENGE = bytes.fromhex("0123456789ABCDEF")
HASHES = {"sha1": (hashlib.sha1, 0x33), "sha256": (hashlib.sha256, 0x34),
          "sha384": (hashlib.sha384, 0x36), "sha512": (hashlib.sha512, 0x35)}


def write(name, data):
    with open(os.path.join(HERE, name), "wb") as f:
        f.write(data)


def sign_9796_2(key, challenge, hash_name="sha1", trailer=None, header=0x6A, hash_input=None):
    """ISO/IEC 9796-2 scheme 1, partial recovery: F = 6A || M1 || H(M1 || M2) || trailer."""
    k = (key.n.bit_length() + 7) // 8
    fn, hash_id = HASHES[hash_name]
    if trailer is None:
        trailer = b"\xBC" if hash_name == "sha1" else bytes([hash_id, 0xCC])
    hlen = fn().digest_size
    m1 = os.urandom(k - 1 - hlen - len(trailer))
    h = fn(m1 + (challenge if hash_input is None else hash_input)).digest()
    f = bytes([header]) + m1 + h + trailer
    assert len(f) == k
    return pow(int.from_bytes(f, "big"), key.d, key.n).to_bytes(k, "big")


def main():
    card = RSA.generate(1024)
    with open(os.path.join(HERE, "..", "card", "aa-key.der"), "wb") as f:
        f.write(card.export_key("DER", pkcs=1))
    write("card.spki.der", card.public_key().export_key("DER"))
    write("clone-key.der", RSA.generate(1024).export_key("DER", pkcs=1))

    # The vector key: for the bad-trailer vector (block ending BD) the verifier also tries
    # n − F, which ends in the trailer nibble C when n ≡ 9 (mod 16); it would then report the
    # header of n − F instead of the bad trailer. Such keys are skipped.
    key = RSA.generate(1024)
    while (key.n - 0xBD) % 16 == 0xC:
        key = RSA.generate(1024)
    write("vec-rsa.spki.der", key.public_key().export_key("DER"))
    write("challenge.bin", CHALLENGE)
    write("sha1.sig", sign_9796_2(key, CHALLENGE))
    write("sha1-33cc.sig", sign_9796_2(key, CHALLENGE, trailer=b"\x33\xCC"))
    for name in ("sha256", "sha384", "sha512"):
        write(name + ".sig", sign_9796_2(key, CHALLENGE, name))
    write("bad-header.sig", sign_9796_2(key, CHALLENGE, header=0x5A))
    write("no-recovery.sig", sign_9796_2(key, CHALLENGE, header=0x4A))
    write("bad-trailer.sig", sign_9796_2(key, CHALLENGE, trailer=b"\xBD"))
    write("unknown-hash-id.sig", sign_9796_2(key, CHALLENGE, "sha256", trailer=b"\x39\xCC"))
    write("bad-hash.sig", sign_9796_2(key, CHALLENGE, hash_input=bytes(8)))

    ec = ECC.generate(curve="P-256")
    write("vec-p256.spki.der", ec.public_key().export_key(format="DER"))
    signer = DSS.new(ec, "fips-186-3", encoding="binary")
    write("p256-plain-sha256.sig", signer.sign(SHA256.new(CHALLENGE)))


if __name__ == "__main__":
    main()
