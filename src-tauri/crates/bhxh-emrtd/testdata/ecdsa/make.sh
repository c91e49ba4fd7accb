#!/usr/bin/env bash
# Regenerates the ECDSA test vectors with the openssl CLI (new keys each run; the tests only
# read the files). Usage: bash make.sh
set -euo pipefail
cd "$(dirname "$0")"
K=$(mktemp -d)
trap 'rm -rf "$K"' EXIT
printf 'Thẻ căn cước công dân - test message for ECDSA over explicit brainpoolP512r1\n' > message.txt

# brainpoolP512r1 with EXPLICIT parameters (the Vietnamese CSCA's form), SHA-512 and SHA-1.
openssl ecparam -name brainpoolP512r1 -param_enc explicit -genkey -noout -out "$K/bp512.key"
openssl ec -in "$K/bp512.key" -param_enc explicit -pubout -outform DER -out bp512r1-explicit.spki.der 2>/dev/null
openssl ec -in "$K/bp512.key" -param_enc named_curve -pubout -outform DER -out bp512r1-named.spki.der 2>/dev/null
openssl dgst -sha512 -sign "$K/bp512.key" -out bp512r1-explicit.sha512.sig message.txt
openssl dgst -sha1 -sign "$K/bp512.key" -out bp512r1-explicit.sha1.sig message.txt
openssl dgst -sha256 -sign "$K/bp512.key" -out bp512r1.sha256.sig message.txt

# brainpoolP256r1, the same key named and explicit (crate vs generic implementation).
openssl ecparam -name brainpoolP256r1 -param_enc explicit -genkey -noout -out "$K/bp256.key"
openssl ec -in "$K/bp256.key" -param_enc explicit -pubout -outform DER -out bp256r1-explicit.spki.der 2>/dev/null
openssl ec -in "$K/bp256.key" -param_enc named_curve -pubout -outform DER -out bp256r1-named.spki.der 2>/dev/null
openssl dgst -sha256 -sign "$K/bp256.key" -out bp256r1.sha256.sig message.txt

# Named curves handled by RustCrypto crates.
for c in brainpoolP384r1:sha384 secp521r1:sha512 prime256v1:sha256 secp384r1:sha384; do
    name=${c%%:*} md=${c##*:}
    openssl ecparam -name "$name" -genkey -noout -out "$K/$name.key"
    openssl ec -in "$K/$name.key" -pubout -outform DER -out "$name.spki.der" 2>/dev/null
    openssl dgst "-$md" -sign "$K/$name.key" -out "$name.$md.sig" message.txt
done
echo "ECDSA fixtures regenerated in $(pwd)"
