#!/usr/bin/env bash
# Chip Authentication fixtures (ICAO 9303-11 §6.2), made with the openssl CLI; new keys each run.
#
# Run by the ignored test `fixtures::regenerate_card_fixtures` before it builds DG14, or by hand
# (then rerun that test, as DG14 and EF.SOD change). Writes:
# - ../card/ca-key.der  the generated card's Chip Authentication private key (brainpoolP256r1,
#                       PKCS#8 DER), which the card emulator loads; its public key is in DG14.
# - card.spki.der       that public key (SubjectPublicKeyInfo, named curve).
# - clone-key.der       another brainpoolP256r1 key: a "cloned chip" has the right DG14 but this
#                       key (the emulator's --ca-key).
# Every key here is invented and only for tests.
set -euo pipefail
cd "$(dirname "$0")"
gen() {
    openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:brainpoolP256r1 \
        -pkeyopt ec_param_enc:named_curve -outform DER -out "$1" 2>/dev/null
}
gen ../card/ca-key.der
openssl pkey -inform DER -in ../card/ca-key.der -pubout -outform DER -out card.spki.der
gen clone-key.der
