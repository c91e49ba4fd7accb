#!/usr/bin/env python3
"""The peer for `cargo bench -p bhxh-sign --bench sign`: pyHanko signs the
same PDFs with the same SoftHSM2 token (PAdES B-B, one PKCS#11 session for
the whole run, as the desk logs in once), then validates each signature
against the same roots, intermediate and CRLs. Prints one JSON object:
per-file seconds for signing and validating, and bytes added.

    pyhanko_sign.py MODULE TOKEN_LABEL KEY_LABEL PIN TRUST_DIR IN_DIR OUT_DIR
"""
import json
import os
import sys
import time

from asn1crypto import crl as asn1_crl
from asn1crypto import pem, x509
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.config.pkcs11 import TokenCriteria
from pyhanko.sign import fields, signers
from pyhanko.sign.pkcs11 import PKCS11Signer, open_pkcs11_session
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko_certvalidator import ValidationContext


def der_of(path):
    data = open(path, 'rb').read()
    if pem.detect(data):
        _, _, data = pem.unarmor(data)
    return data


def main():
    module, token, key, pin, trust_dir, in_dir, out_dir = sys.argv[1:8]
    root = x509.Certificate.load(der_of(os.path.join(trust_dir, 'root.pem')))
    inter = x509.Certificate.load(der_of(os.path.join(trust_dir, 'int.pem')))
    crls = [asn1_crl.CertificateList.load(der_of(os.path.join(trust_dir, f)))
            for f in ('root.crl', 'int.crl')]
    files = sorted(f for f in os.listdir(in_dir) if f.endswith('.pdf'))
    session = open_pkcs11_session(module, token_criteria=TokenCriteria(label=token), user_pin=pin)
    signer = PKCS11Signer(session, cert_label=key, key_label=key, ca_chain=[inter],
                          other_certs_to_pull=())
    meta = signers.PdfSignatureMetadata(field_name='Signature1',
                                        subfilter=fields.SigSeedSubFilter.PADES)
    sign_s, added = [], []
    for f in files:
        src = os.path.join(in_dir, f)
        size = os.path.getsize(src)
        t0 = time.perf_counter()
        with open(src, 'rb') as inf:
            out = signers.sign_pdf(IncrementalPdfFileWriter(inf), meta, signer=signer)
        data = out.getvalue()
        with open(os.path.join(out_dir, f), 'wb') as o:
            o.write(data)
        sign_s.append(time.perf_counter() - t0)
        added.append(len(data) - size)
    verify_s, valid = [], 0
    for f in files:
        t0 = time.perf_counter()
        vc = ValidationContext(trust_roots=[root], other_certs=[inter], crls=crls,
                               allow_fetching=False, revocation_mode='hard-fail')
        with open(os.path.join(out_dir, f), 'rb') as inf:
            sig = PdfFileReader(inf).embedded_signatures[0]
            status = validate_pdf_signature(sig, vc)
        verify_s.append(time.perf_counter() - t0)
        valid += 1 if status.bottom_line else 0
    session.close()
    print(json.dumps({'sign_s': sign_s, 'verify_s': verify_s, 'added': added, 'valid': valid}))


if __name__ == '__main__':
    main()
