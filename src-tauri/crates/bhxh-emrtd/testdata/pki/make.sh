#!/usr/bin/env bash
# Regenerates the test PKI and the signed EF.SOD fixtures with the openssl CLI.
#
# Input:  ../card/lso.der (the DER LDSSecurityObject over the generated card's data groups) and
#         ../card-<variant>/lso.der for the card variants (noac: EF.SOD lists neither DG14 nor
#         DG15; jp2: the face as JPEG 2000), written by the ignored test
#         `fixtures::regenerate_card_fixtures`, which then runs this script. Run that test, not
#         this script, to refresh everything:
#           cargo test -p bhxh-emrtd -- --ignored regenerate_card_fixtures
# Output: certificates (*.pem / *.der), CRLs (*.crl), trust directories and CMS SignedData
#         files (*.cms):
#   trust/           both CSCAs, each with a current CRL revoking nothing (PEM and DER)
#   trust-revoked/   the same CSCAs; the brainpool CSCA's CRL revokes ds-p256 (keyCompromise)
#   trust-overdue/   the same CSCAs; the brainpool CSCA's only CRL is past its nextUpdate
#   trust-impostor/  a CSCA with the brainpool CSCA's name and another key
#   crl-impostor.crl a CRL in the brainpool CSCA's name signed by the impostor's key
#   crl-unknown.crl  a CRL of the unknown CSCA
# Private keys live in a temporary directory and are thrown away: fixtures are regenerated
# whole, never re-signed piecemeal. Every person, key and authority here is invented.
set -euo pipefail
cd "$(dirname "$0")"

if [ "${1:-}" = masterlist ]; then
    # Second pass: sign masterlist.der (a DER CscaMasterList the test wrote) as an ICAO master
    # list with a throwaway signer (the trust store does not check master list signatures).
    K=$(mktemp -d)
    trap 'rm -rf "$K"' EXIT
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$K/mls.key" \
        -sha256 -days 3650 -subj "/C=VN/O=Test Issuer/CN=Test Master List Signer" -out "$K/mls.pem" 2>/dev/null
    openssl cms -sign -binary -nodetach -in masterlist.der -econtent_type 2.23.136.1.1.2 \
        -signer "$K/mls.pem" -inkey "$K/mls.key" -md sha256 -nosmimecap -outform DER -out masterlist.cms
    rm -f masterlist.der
    exit 0
fi

LSO=../card/lso.der
[ -f "$LSO" ] || { echo "missing $LSO" >&2; exit 1; }
K=$(mktemp -d)
trap 'rm -rf "$K"' EXIT

rm -rf trust trust-impostor trust-revoked trust-overdue ./*.pem ./*.der ./*.cms ./*.crl
mkdir -p trust trust-impostor trust-revoked trust-overdue

cat > "$K/ca.ext" <<'X'
basicConstraints=critical,CA:TRUE,pathlen:0
keyUsage=critical,keyCertSign,cRLSign
subjectKeyIdentifier=hash
X
cat > "$K/ds-aki.ext" <<'X'
keyUsage=critical,digitalSignature
authorityKeyIdentifier=keyid
X
# openssl 3 adds key identifiers by default; this profile has none (some real DS certs don't).
cat > "$K/ds.ext" <<'X'
keyUsage=critical,digitalSignature
subjectKeyIdentifier=none
authorityKeyIdentifier=none
X

# CSCA A: brainpoolP512r1 with EXPLICIT parameters, ecdsa-with-SHA512 (like Vietnam's CSCA).
openssl ecparam -name brainpoolP512r1 -param_enc explicit -genkey -noout -out "$K/csca-bp512.key"
openssl req -new -key "$K/csca-bp512.key" -subj "/C=VN/O=Test Issuer/CN=Test CSCA brainpoolP512r1" -out "$K/csca-bp512.csr"
openssl x509 -req -in "$K/csca-bp512.csr" -signkey "$K/csca-bp512.key" -sha512 -days 5475 \
    -set_serial 1 -extfile "$K/ca.ext" -out csca-bp512.pem 2>/dev/null
cp csca-bp512.pem trust/

# An impostor with the same name and another key (only in trust-impostor/).
openssl ecparam -name brainpoolP512r1 -param_enc explicit -genkey -noout -out "$K/impostor.key"
openssl req -new -key "$K/impostor.key" -subj "/C=VN/O=Test Issuer/CN=Test CSCA brainpoolP512r1" -out "$K/impostor.csr"
openssl x509 -req -in "$K/impostor.csr" -signkey "$K/impostor.key" -sha512 -days 5475 \
    -set_serial 1 -extfile "$K/ca.ext" -out trust-impostor/csca-impostor.pem 2>/dev/null

# CSCA B: RSA 2048, self-signed with RSASSA-PSS; stored as DER in the trust directory.
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$K/csca-rsa.key" -sha256 \
    -sigopt rsa_padding_mode:pss -sigopt rsa_pss_saltlen:32 -days 5475 -set_serial 2 \
    -subj "/C=VN/O=Test Issuer/CN=Test CSCA RSA-PSS" -addext "basicConstraints=critical,CA:TRUE" \
    -addext "keyUsage=critical,keyCertSign,cRLSign" -out csca-rsa.pem 2>/dev/null
openssl x509 -in csca-rsa.pem -outform DER -out trust/csca-rsa.der

# An unknown CSCA (not in any trust directory).
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$K/csca-unknown.key" \
    -sha256 -days 5475 -set_serial 3 -subj "/C=XX/O=Nobody/CN=Unknown CSCA" -out csca-unknown.pem 2>/dev/null

ds() { # name keyalg-args issuer-name extfile serial [sigopts...]
    local name=$1 keyargs=$2 issuer=$3 ext=$4 serial=$5; shift 5
    # shellcheck disable=SC2086
    openssl req -new $keyargs -nodes -keyout "$K/$name.key" \
        -subj "/C=VN/O=Test Issuer/CN=Test Document Signer $name" -out "$K/$name.csr" 2>/dev/null
    openssl x509 -req -in "$K/$name.csr" -CA "$issuer.pem" -CAkey "$K/$issuer.key" -days 3650 \
        -set_serial "$serial" -extfile "$K/$ext" "$@" -out "$name.pem" 2>/dev/null
}
ds ds-p256 "-newkey ec -pkeyopt ec_paramgen_curve:P-256" csca-bp512 ds-aki.ext 4097 -sha512
ds ds-rsa "-newkey rsa:2048" csca-bp512 ds.ext -4660 -sha512
ds ds-p384 "-newkey ec -pkeyopt ec_paramgen_curve:P-384" csca-rsa ds-aki.ext 4099 -sha256 \
    -sigopt rsa_padding_mode:pss -sigopt rsa_pss_saltlen:32
ds ds-unknown "-newkey ec -pkeyopt ec_paramgen_curve:P-256" csca-unknown ds.ext 4100 -sha256

sod_of() { # lso out signer [options...]
    local lso=$1 out=$2 signer=$3; shift 3
    openssl cms -sign -binary -nodetach -in "$lso" -econtent_type 2.23.136.1.1.1 \
        -signer "$signer.pem" -inkey "$K/$signer.key" -nosmimecap -outform DER -out "$out" "$@"
}
sod() { # out signer [options...]
    sod_of "$LSO" "$@"
}
sod sod-p256.cms ds-p256 -md sha256
sod sod-rsa-pss.cms ds-rsa -md sha256 -keyopt rsa_padding_mode:pss -keyopt rsa_pss_saltlen:32
sod sod-rsa-pkcs1.cms ds-rsa -md sha512
sod sod-p384-noattr-keyid.cms ds-p384 -md sha384 -noattr -keyid
sod sod-unknown.cms ds-unknown -md sha256
# The card variants, signed like the card (ds-p256).
for v in noac jp2; do
    [ -f "../card-$v/lso.der" ] || { echo "missing ../card-$v/lso.der" >&2; exit 1; }
    sod_of "../card-$v/lso.der" "sod-card-$v.cms" ds-p256 -md sha256
done

# CRLs (RFC 5280 v2, as ICAO 9303-12 §7.1.4 profiles them: authority key identifier and CRL
# number), made with `openssl ca -gencrl` over a throwaway CA database.
crl() { # out csca-cert csca-key md revoke-cert|- [gencrl options...]
    local out=$1 cert=$2 key=$3 md=$4 revoke=$5; shift 5
    local db
    db=$(mktemp -d -p "$K")
    : > "$db/index.txt"
    echo 1000 > "$db/crlnumber"
    cat > "$db/ca.cnf" <<X
[ ca ]
default_ca = crl_ca
[ crl_ca ]
database = $db/index.txt
crlnumber = $db/crlnumber
default_md = $md
crl_extensions = crl_ext
[ crl_ext ]
authorityKeyIdentifier = keyid:always
X
    if [ "$revoke" != - ]; then
        openssl ca -config "$db/ca.cnf" -cert "$cert" -keyfile "$key" \
            -revoke "$revoke" -crl_reason keyCompromise 2>/dev/null
    fi
    openssl ca -config "$db/ca.cnf" -cert "$cert" -keyfile "$key" -gencrl \
        -out "$out" "$@" 2>/dev/null
}
BP=(csca-bp512.pem "$K/csca-bp512.key" sha512)
crl trust/csca-bp512.crl "${BP[@]}" - -crldays 3650
crl csca-rsa.crl csca-rsa.pem "$K/csca-rsa.key" sha256 - -crldays 3650 \
    -sigopt rsa_padding_mode:pss -sigopt rsa_pss_saltlen:32
openssl crl -in csca-rsa.crl -outform DER -out trust/csca-rsa.crl
rm csca-rsa.crl
for d in trust-revoked trust-overdue; do
    cp trust/csca-bp512.pem trust/csca-rsa.der trust/csca-rsa.crl "$d/"
done
crl trust-revoked/csca-bp512-revoked.crl "${BP[@]}" ds-p256.pem -crldays 3650
# thisUpdate 60 days ago, nextUpdate 30 days ago: a store nobody updated.
crl trust-overdue/csca-bp512-overdue.crl "${BP[@]}" - \
    -crl_lastupdate "$(date -u -d '60 days ago' +%y%m%d%H%M%SZ)" \
    -crl_nextupdate "$(date -u -d '30 days ago' +%y%m%d%H%M%SZ)"
crl crl-impostor.crl trust-impostor/csca-impostor.pem "$K/impostor.key" sha512 - -crldays 3650
crl crl-unknown.crl csca-unknown.pem "$K/csca-unknown.key" sha256 - -crldays 3650
echo "fixtures regenerated in $(pwd)"
