//! PACE against the worked example of ICAO 9303-11 Appendix G.1 (ECDH, Generic Mapping,
//! brainpoolP256r1, AES-128, MRZ password of "T22000129" / 640812 / 101031), byte for byte,
//! and the failures a chip can cause.

use super::*;
use crate::crypto::weierstrass::standard_curve;
use crate::lds::card_access::CardAccessError;

fn x(s: &str) -> Vec<u8> {
    hex::decode(s.replace(' ', "")).unwrap()
}

const CARD_ACCESS: &str = "31143012060A04007F0007020204020202010202010D";
const MAP_PRIV: &str = "7F4EF07B9EA82FD78AD689B38D0BC78CF21F249D953BC46F4C6E19259C010F99";
const MAP_PUB: &str = "7ACF3EFC982EC45565A4B155129EFBC74650DCBFA6362D896FC70262E0C2CC5E\
                       544552DCB6725218799115B55C9BAA6D9F6BC3A9618E70C25AF71777A9C4922D";
const CHIP_MAP_PUB: &str = "824FBA91C9CBE26BEF53A0EBE7342A3BF178CEA9F45DE0B70AA601651FBA3F57\
                            30D8C879AAA9C9F73991E61B58F4D52EB87A0A0C709A49DC63719363CCD13C54";
const EPH_PRIV: &str = "A73FB703AC1436A18E0CFA5ABB3F7BEC7A070E7A6788486BEE230C4A22762595";
const EPH_PUB: &str = "2DB7A64C0355044EC9DF190514C625CBA2CEA48754887122F3A5EF0D5EDD301C\
                       3556F3B3B186DF10B857B58F6A7EB80F20BA5DC7BE1D43D9BF850149FBB36462";
const CHIP_EPH_PUB: &str = "9E880F842905B8B3181F7AF7CAA9F0EFB743847F44A306D2D28C1D9EC65DF6DB\
                            7764B22277A2EDDC3C265A9F018F9CB852E111B768B326904B59A0193776F094";

/// The exchange of the worked example (our MSE:Set AT also names the parameter id, `84 01 0D`).
fn transcript() -> Vec<(String, String)> {
    vec![
        (
            "0022C1A412800A04007F00070202040202830101 84010D".into(),
            "9000".into(),
        ),
        (
            "10860000027C0000".into(),
            "7C12801095A3A016522EE98D01E76CB6B98B42C3 9000".into(),
        ),
        (
            format!("10860000457C43814104{MAP_PUB}00"),
            format!("7C43824104{CHIP_MAP_PUB}9000"),
        ),
        (
            format!("10860000457C43834104{EPH_PUB}00"),
            format!("7C43844104{CHIP_EPH_PUB}9000"),
        ),
        (
            "008600000C7C0A8508C2B0BD78D94BA86600".into(),
            "7C0A86083ABB9674BCE93C08 9000".into(),
        ),
    ]
}

/// Plays `script` as the chip: each command must be the expected one.
fn run(script: Vec<(String, String)>) -> Result<Established, PaceError> {
    let info = parse_card_access(&x(CARD_ACCESS)).unwrap().remove(0);
    let password = Password::from_mrz_fields("T22000129", "640812", "101031");
    let mut steps = script.into_iter();
    let mut transmit = |_: &'static str, cmd: &[u8]| {
        let (want, answer) = steps.next().expect("no more commands expected");
        assert_eq!(hex::encode_upper(cmd), want.replace(' ', ""));
        let answer = x(&answer);
        let (data, sw) = answer.split_at(answer.len() - 2);
        Ok(Answer {
            data: data.to_vec(),
            sw: u16::from_be_bytes([sw[0], sw[1]]),
        })
    };
    let mut keys = [MAP_PRIV, EPH_PRIV].into_iter();
    let mut scalar = |_: &BigUint| Ok(BigUint::from_bytes_be(&x(keys.next().unwrap())));
    establish(&mut transmit, &info, &password, &mut scalar)
}

#[test]
fn the_icao_worked_example_runs_byte_for_byte() {
    let done = run(transcript()).unwrap();
    assert_eq!(
        hex::encode_upper(done.sm.ks_enc()),
        "F5F0E35C0D7161EE6724EE513A0D9A7F"
    );
    assert_eq!(
        hex::encode_upper(done.sm.ks_mac()),
        "FE251C7858B356B24514B3BD5F4297D1"
    );
    assert_eq!(done.sm.ssc(), vec![0; 16]);
    assert_eq!(
        done.description,
        "PACE (MRZ, ECDH-GM, AES-128, brainpoolP256r1)"
    );
}

#[test]
fn each_step_of_the_worked_example_matches() {
    // K_π and the nonce
    let password = Password::from_mrz_fields("T22000129", "640812", "101031");
    let k_pi = kdf(password.bytes(), 3, PaceCipher::Aes128);
    assert_eq!(hex::encode_upper(&k_pi), "89DED1B26624EC1E634C1989302849DD");
    let s = decrypt_nonce(
        &k_pi,
        &x("95A3A016522EE98D01E76CB6B98B42C3"),
        PaceCipher::Aes128,
    )
    .unwrap();
    assert_eq!(hex::encode_upper(&s), "3F00C4D39D153F2B2A214A078D899B22");
    // the mapping
    let (name, curve) = standard_curve(13).unwrap();
    assert_eq!(name, "brainpoolP256r1");
    let chip_map = curve
        .decode_point(&x(&format!("04{CHIP_MAP_PUB}")))
        .unwrap();
    let h = curve
        .mul_point(&BigUint::from_bytes_be(&x(MAP_PRIV)), &chip_map)
        .unwrap();
    assert_eq!(
        curve.encode_point(&h),
        x(
            "04 60332EF2450B5D247EF6D3868397D398852ED6E8CAF6FFEEF6BF85CA57057FD5 \
              0840CA7415BAF3E43BD414D35AA4608B93A2CAF3A4E3EA4E82C9C13D03EB7181"
        )
    );
    let g = map_generator(&curve, &s, &h).unwrap();
    assert_eq!(
        curve.encode_point(&g),
        x(
            "04 8CED63C91426D4F0EB1435E7CB1D74A46723A0AF21C89634F65A9AE87A9265E2 \
              8C879506743F8611AC33645C5B985C80B5F09A0B83407C1B6A4D857AE76FE522"
        )
    );
    // the token input for the chip's key
    let input = token_input(&x("04007F00070202040202"), &x(&format!("04{CHIP_EPH_PUB}")));
    assert_eq!(
        hex::encode_upper(&input),
        format!(
            "7F494F060A04007F000702020402028641049E880F842905B8B3181F7AF7CAA9F0EFB743847F44A306D2D28C1D9EC65DF6DB7764B22277A2EDDC3C265A9F018F9CB852E111B768B326904B59A0193776F094"
        )
    );
}

#[test]
fn card_access_is_parsed_and_the_best_supported_protocol_chosen() {
    let infos = parse_card_access(&x(CARD_ACCESS)).unwrap();
    assert_eq!(
        infos,
        vec![PaceInfo {
            oid: x("04007F00070202040202"),
            protocol: PaceProtocol::EcdhGm(PaceCipher::Aes128),
            version: 2,
            parameter_id: Some(13),
        }]
    );
    // Chip Authentication Mapping (unsupported) and ECDH-GM AES-256 on brainpoolP384r1: the latter.
    let two =
        x("31283012060a04007f000702020406040201020201103012060a04007f00070202040204020102020110");
    let infos = parse_card_access(&two).unwrap();
    assert_eq!(infos.len(), 2);
    assert_eq!(
        infos[0].protocol,
        PaceProtocol::Other("ECDH Chip Authentication Mapping")
    );
    let best = choose(&infos).unwrap();
    assert_eq!(best.protocol, PaceProtocol::EcdhGm(PaceCipher::Aes256));
    assert_eq!(best.curve().unwrap().0, "brainpoolP384r1");
    // Only DH: nothing to choose, so the reader falls back to BAC.
    let dh = x("3111300f060a04007f00070202040102020102");
    assert!(choose(&parse_card_access(&dh).unwrap()).is_none());
    // Other security infos are skipped; malformed files are refused with a reason.
    let with_ca = x("3120300d060804007f0007020203020101300f060a04007f00070202040202020102");
    assert_eq!(parse_card_access(&with_ca).unwrap().len(), 1);
    for bad in [
        "",
        "30",
        "3103020101",
        "31053003020101",
        "310c300a060804007f000702020402",
    ] {
        let err = parse_card_access(&x(bad)).unwrap_err();
        assert!(matches!(err, CardAccessError(_)), "{bad}: {err}");
    }
}

#[test]
fn a_wrong_password_or_a_bad_chip_token_fails_with_the_step_named() {
    // The chip refuses our token (wrong CAN or MRZ): 6300 at the last step.
    let mut script = transcript();
    script[4].1 = "6300".into();
    let err = run(script).unwrap_err();
    assert!(err.is_wrong_password(), "{err}");
    assert!(err.to_string().contains("mutual authentication"), "{err}");
    // The chip's token is wrong: the chip does not know the session keys.
    let mut script = transcript();
    script[4].1 = "7C0A86083ABB9674BCE93C09 9000".into();
    let err = run(script).unwrap_err();
    assert!(!err.is_wrong_password());
    assert!(err.to_string().contains("does not verify"), "{err}");
    // A mapping key off the curve.
    let mut script = transcript();
    let mut off = CHIP_MAP_PUB.to_string();
    off.replace_range(126..128, "55");
    script[2].1 = format!("7C43824104{off}9000");
    let err = run(script.into_iter().take(3).collect()).unwrap_err();
    assert!(err.to_string().contains("not on the curve"), "{err}");
    // A missing data object.
    let mut script = transcript();
    script[1].1 = "7C028100 9000".into();
    let err = run(script.into_iter().take(2).collect()).unwrap_err();
    assert!(err.to_string().contains("no data object 80"), "{err}");
    // MSE:Set AT refused.
    let mut script = transcript();
    script[0].1 = "6A80".into();
    let err = run(script.into_iter().take(1).collect()).unwrap_err();
    assert_eq!(
        err,
        PaceError::Refused {
            step: STEP_SET_AT,
            sw: 0x6A80
        }
    );
}

#[test]
fn kdf_takes_sha256_for_long_aes_keys_and_cmac_matches_rfc_4493() {
    assert_eq!(kdf(b"K", 1, PaceCipher::Aes256).len(), 32);
    assert_eq!(kdf(b"K", 1, PaceCipher::Aes192).len(), 24);
    assert_eq!(
        kdf(b"K", 1, PaceCipher::Aes256)[..24],
        kdf(b"K", 1, PaceCipher::Aes192)[..]
    );
    // RFC 4493 §4, example 2 (16-byte message).
    let mac = crate::protocol::secure_messaging::aes_cmac(
        &x("2b7e151628aed2a6abf7158809cf4f3c"),
        &x("6bc1bee22e409f96e93d7e117393172a"),
    )
    .unwrap();
    assert_eq!(hex::encode(mac), "070a16b46b4d4144f79bdd9dd04a287c");
}

#[test]
fn every_standard_curve_is_valid_and_a_random_key_agreement_agrees() {
    for id in 8..=18 {
        let (name, curve) = standard_curve(id).unwrap();
        curve.validate().unwrap_or_else(|e| panic!("{name}: {e}"));
        let g = curve.base_point();
        let a = random_scalar(&curve.n).unwrap();
        let b = random_scalar(&curve.n).unwrap();
        let pa = curve.mul_point(&a, &g).unwrap();
        let pb = curve.mul_point(&b, &g).unwrap();
        assert_eq!(curve.mul_point(&a, &pb), curve.mul_point(&b, &pa), "{name}");
        assert_eq!(curve.decode_point(&curve.encode_point(&pa)).unwrap(), pa);
    }
    assert!(standard_curve(7).is_none() && standard_curve(19).is_none());
}
