//! Chip reads over real PC/SC (issue 3): `cargo bench -p bhxh-emrtd --bench pcsc_read`
//! (release build), options after `--`: `--reads N` (default 20), `--sessions N` (default
//! 10000), `--no-dmrtd`.
//!
//! A private `pcscd` with Debian's vpcd virtual reader and the project's card emulator
//! (`tests/cardemu/emrtd_card.py`) serving the generated card (`testdata/card`), started exactly
//! as `tests/pcsc_card.rs` does (the shared launcher `bhxh_emrtd::testing::pcsc`), then:
//!
//! 1. this crate's full read (`read_card`: SELECT, BAC, EF.COM, EF.SOD, every DG, Active
//!    Authentication, passive authentication) `--reads` times: wall time, time waiting for the
//!    card (inside the transport), the rest (secure messaging, parsing, passive and active
//!    authentication), APDUs and bytes on the wire;
//! 2. the same card read by the third-party `dmrtd` crate (a dev-dependency used only here)
//!    through its `Transceiver` trait over a `pcsc` connection: BAC with the same key, the same
//!    files, its Active Authentication and passive authentication against the same CSCAs, the
//!    same figures; a file or step it cannot do is reported, not fatal;
//! 3. `--sessions` BAC sessions (GET CHALLENGE, EXTERNAL AUTHENTICATE, then SELECT and READ
//!    BINARY of EF.COM under secure messaging) with the crate's public BAC API on one
//!    connection, counting failures.
//!
//! Figures go to docs/benchmarks.md by hand; timings are never assertions. The bench fails only
//! when a read does not return the card's files or the card cannot be reached.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a benchmark may panic

use bhxh_emrtd::lds::EMRTD_AID;
use bhxh_emrtd::testing::fixtures::{self, BIRTH, EXPIRY, ID};
use bhxh_emrtd::testing::pcsc::{self as bench, Proc};
use bhxh_emrtd::transport::RawResponse;
use bhxh_emrtd::{
    AccessKey, DgNumber, Pcsc, ReadOptions, Transport, TransportError, TrustStore, VerdictKind,
    read_card,
};
use std::ffi::CString;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

fn good_card() -> PathBuf {
    fixtures::card_dir()
}

fn trust() -> TrustStore {
    fixtures::trust("trust")
}

fn start_emulator(card_dir: &Path, port: u16) -> Proc {
    bench::start_emulator(card_dir, port, &[], None).unwrap()
}

fn start_emulator_with(card_dir: &Path, port: u16, extra: &[&str]) -> Proc {
    bench::start_emulator(card_dir, port, extra, None).unwrap()
}

fn wait_for_card(pcsc: &Pcsc, emulator: &mut Proc) -> String {
    bench::wait_for_card(pcsc, emulator).unwrap()
}

struct Options {
    reads: usize,
    sessions: usize,
    dmrtd: bool,
}

fn options(args: &[String]) -> Options {
    let mut o = Options {
        reads: 20,
        sessions: 10_000,
        dmrtd: true,
    };
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--reads" => o.reads = it.next().and_then(|v| v.parse().ok()).expect("--reads N"),
            "--sessions" => {
                o.sessions = it
                    .next()
                    .and_then(|v| v.parse().ok())
                    .expect("--sessions N");
            }
            "--no-dmrtd" => o.dmrtd = false,
            "--bench" => {} // added by `cargo bench`
            other => panic!("unknown argument {other:?} (--reads N, --sessions N, --no-dmrtd)"),
        }
    }
    o.reads = o.reads.max(1);
    o
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let opts = options(&args);
    let ran = bench::with_pcscd("pcsc_read", &args, Duration::from_secs(4 * 3600), |port| {
        run(port, &opts)
    })
    .unwrap();
    if !ran {
        std::process::exit(1);
    }
}

/// The files both readers fetch, as the emulator serves them.
const FILES: [(&str, u8, &str); 7] = [
    ("EF.COM", 0x1E, "com.bin"),
    ("EF.SOD", 0x1D, "sod.bin"),
    ("DG1", 0x01, "dg1.bin"),
    ("DG2", 0x02, "dg2.bin"),
    ("DG13", 0x0D, "dg13.bin"),
    ("DG14", 0x0E, "dg14.bin"),
    ("DG15", 0x0F, "dg15.bin"),
];

fn card_file(name: &str) -> Vec<u8> {
    std::fs::read(good_card().join(name)).unwrap()
}

/// What one full read cost.
#[derive(Clone, Copy, Default)]
struct Sample {
    wall: Duration,
    /// Inside `SCardTransmit`: pcscd, vpcd and the emulator.
    io: Duration,
    apdus: u32,
    /// Command and response bytes on the wire.
    wire: usize,
    /// File bytes read.
    file_bytes: usize,
    /// From the last APDU's answer to the end: parsing, passive and active authentication.
    after_io: Duration,
}

/// Counts what goes through a transport.
#[derive(Default)]
struct Meter {
    apdus: u32,
    wire: usize,
    io: Duration,
    last_answer: Option<Instant>,
}

impl Meter {
    /// The figures of a read that started at `started` and ended now.
    fn sample(&self, started: Instant, file_bytes: usize) -> Sample {
        let end = Instant::now();
        Sample {
            wall: end - started,
            io: self.io,
            apdus: self.apdus,
            wire: self.wire,
            file_bytes,
            after_io: self.last_answer.map_or(Duration::ZERO, |t| end - t),
        }
    }

    fn record(&mut self, started: Instant, command: &[u8], response: Option<usize>) {
        let now = Instant::now();
        self.io += now - started;
        self.last_answer = Some(now);
        self.apdus += 1;
        self.wire += command.len() + response.unwrap_or(0);
    }
}

/// This crate's PC/SC transport, metered.
struct Metered<T> {
    inner: T,
    meter: Meter,
}

impl<T: Transport> Transport for Metered<T> {
    fn transmit(&mut self, command: &[u8]) -> Result<RawResponse, TransportError> {
        let t = Instant::now();
        let r = self.inner.transmit(command);
        self.meter
            .record(t, command, r.as_ref().ok().map(|r| r.data.len() + 2));
        r
    }

    fn reconnect(&mut self) -> Result<(), TransportError> {
        self.inner.reconnect()
    }
}

/// `dmrtd`'s `Transceiver` over a `pcsc` crate connection, metered.
struct DmrtdLink<'a> {
    card: &'a pcsc::Card,
    buffer: Vec<u8>,
    meter: &'a mut Meter,
}

impl dmrtd::com::Transceiver for DmrtdLink<'_> {
    fn transceive(&mut self, apdu: &[u8]) -> Result<Vec<u8>, dmrtd::com::TransceiveError> {
        let t = Instant::now();
        let r = self
            .card
            .transmit(apdu, &mut self.buffer)
            .map(<[u8]>::to_vec)
            .map_err(|e| dmrtd::com::TransceiveError::new(format!("SCardTransmit: {e}")));
        self.meter.record(t, apdu, r.as_ref().ok().map(Vec::len));
        r
    }
}

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1000.0)
}

fn percentile(sorted: &[Duration], q: f64) -> Duration {
    let i = ((sorted.len() - 1) as f64 * q).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

fn summary(label: &str, samples: &[Sample]) {
    let stat = |f: &dyn Fn(&Sample) -> Duration| {
        let mut v: Vec<Duration> = samples.iter().map(f).collect();
        v.sort();
        format!(
            "median {}, p95 {}",
            ms(percentile(&v, 0.5)),
            ms(percentile(&v, 0.95))
        )
    };
    let first = samples[0];
    let same = samples
        .iter()
        .all(|s| s.apdus == first.apdus && s.wire == first.wire);
    println!(
        "{label}: {} reads; {} APDUs, {} bytes on the wire ({} file bytes){}",
        samples.len(),
        first.apdus,
        first.wire,
        first.file_bytes,
        if same { "" } else { " [varies between reads]" }
    );
    println!("  wall                      {}", stat(&|s| s.wall));
    println!("  waiting for the card      {}", stat(&|s| s.io));
    println!(
        "  own work (SM, crypto, parsing, PA/AA)  {}",
        stat(&|s| s.wall.saturating_sub(s.io))
    );
    println!(
        "    of which after the last APDU (parsing, PA, AA check)  {}",
        stat(&|s| s.after_io)
    );
}

fn run(port: u16, opts: &Options) {
    let mut emulator = start_emulator(&good_card(), port);
    let pcsc = Pcsc::establish().unwrap();
    let reader = wait_for_card(&pcsc, &mut emulator);
    println!(
        "== chip reads over PC/SC: pcscd + vpcd + tests/cardemu/emrtd_card.py, card testdata/card =="
    );
    summary(
        "bhxh-emrtd read_card",
        &read_ours(&pcsc, &reader, opts.reads, "BAC"),
    );
    if opts.dmrtd {
        read_dmrtd(&reader, opts.reads);
    }
    passive_authentication_alone(opts.reads, opts.dmrtd);
    bac_sessions(&pcsc, &reader, opts.sessions);
    emulator.kill();

    // The same card offering PACE (as Vietnamese chips do): opened with the CAN.
    std::thread::sleep(Duration::from_millis(500)); // let pcscd see the card go
    let mut emulator = start_emulator_with(&good_card(), port, &["--pace"]);
    let reader = wait_for_card(&pcsc, &mut emulator);
    println!("== the same card with PACE (ECDH-GM, AES-128, brainpoolP256r1; emulator --pace) ==");
    summary(
        "bhxh-emrtd read_card, PACE with the CAN",
        &read_ours(&pcsc, &reader, opts.reads, "PACE (CAN"),
    );
    emulator.kill();
}

/// This crate's full read, `n` times after one warm-up read; each opened as `access` says
/// (a prefix of `ReadResult::access`).
fn read_ours(pcsc: &Pcsc, reader: &str, n: usize, access: &str) -> Vec<Sample> {
    let trust = trust();
    let key = AccessKey::from_cccd(ID, BIRTH, EXPIRY).unwrap();
    let mut samples = Vec::new();
    for i in 0..=n {
        let mut card = Metered {
            inner: pcsc.connect(Some(reader)).unwrap(),
            meter: Meter::default(),
        };
        let t = Instant::now();
        let result = read_card(
            &mut card,
            &key,
            &trust,
            &ReadOptions::default(),
            &mut |_| {},
        )
        .unwrap();
        let sample = card.meter.sample(t, result.stats.bytes);
        assert!(result.access.starts_with(access), "{}", result.access);
        assert_eq!(
            result.verdict.kind,
            VerdictKind::Genuine,
            "{}",
            result.verdict.render_text()
        );
        for (dg, name) in [
            (DgNumber::DG1, "dg1.bin"),
            (DgNumber::DG2, "dg2.bin"),
            (DgNumber::DG13, "dg13.bin"),
            (DgNumber::DG14, "dg14.bin"),
            (DgNumber::DG15, "dg15.bin"),
        ] {
            assert_eq!(result.data_groups.get(&dg), Some(&card_file(name)), "{dg}");
        }
        if i > 0 {
            samples.push(sample); // the first read warms up
        }
    }
    samples
}

/// Passive authentication of the card's files (CMS, DS signature, chain to the
/// brainpoolP512r1 CSCA with explicit parameters, DG hashes) without the card: where the CPU
/// time of a read goes.
fn passive_authentication_alone(n: usize, dmrtd: bool) {
    let sod = card_file("sod.bin");
    let dgs: std::collections::BTreeMap<DgNumber, Vec<u8>> = [
        (DgNumber::DG1, "dg1.bin"),
        (DgNumber::DG2, "dg2.bin"),
        (DgNumber::DG13, "dg13.bin"),
        (DgNumber::DG14, "dg14.bin"),
        (DgNumber::DG15, "dg15.bin"),
    ]
    .into_iter()
    .map(|(dg, f)| (dg, card_file(f)))
    .collect();
    let time = |f: &mut dyn FnMut()| {
        f(); // warm-up
        let mut v: Vec<Duration> = (0..n)
            .map(|_| {
                let t = Instant::now();
                f();
                t.elapsed()
            })
            .collect();
        v.sort();
        format!(
            "median {}, p95 {}",
            ms(percentile(&v, 0.5)),
            ms(percentile(&v, 0.95))
        )
    };
    let trust = trust();
    let now = std::time::SystemTime::now();
    println!("passive authentication alone (the same bytes, no card), {n} runs:");
    println!(
        "  bhxh-emrtd passive_authentication  {}",
        time(&mut || {
            let report =
                bhxh_emrtd::verify::passive::passive_authentication(&sod, &dgs, &trust, now);
            // The files alone prove the data, not the chip (no Active or Chip Authentication).
            assert_eq!(
                bhxh_emrtd::Verdict::from_report(&report).kind,
                VerdictKind::IntegrityOnly
            );
        })
    );
    if dmrtd {
        let anchors = dmrtd_anchors();
        let groups: Vec<dmrtd::auth::passive::DataGroup<'_>> = dgs
            .iter()
            .map(|(dg, b)| dmrtd::auth::passive::DataGroup {
                number: dg.get(),
                bytes: b,
            })
            .collect();
        println!(
            "  dmrtd auth::passive::verify        {}",
            time(&mut || {
                let pa = dmrtd::auth::passive::verify(&sod, &groups, &anchors);
                assert!(pa.is_ok_and(|p| p.is_authentic()));
            })
        );
    }
}

/// What `dmrtd` made of one file.
enum FileOutcome {
    /// Read; `Ok` or the parse error; whether the bytes are the card's.
    Read(Result<(), String>, bool),
    /// The read failed.
    Failed(String),
}

/// Parses `bytes` with `dmrtd`'s parser for the file with short file ID `sfi`.
fn dmrtd_parse(sfi: u8, bytes: &[u8]) -> Result<(), String> {
    use dmrtd::lds::df1::{efcom, efdg1, efdg2, efdg13, efdg14, efdg15, efsod};
    let v = bytes.to_vec();
    let r = match sfi {
        0x1E => efcom::EfCOM::from_bytes(v).map(drop),
        0x1D => efsod::EfSOD::from_bytes(v).map(drop),
        0x01 => efdg1::EfDG1::from_bytes(v).map(drop),
        0x02 => efdg2::EfDG2::from_bytes(v).map(drop),
        0x0D => efdg13::EfDG13::from_bytes(v).map(drop),
        0x0E => efdg14::EfDG14::from_bytes(v).map(drop),
        0x0F => efdg15::EfDG15::from_bytes(v).map(drop),
        _ => return Err(format!("no parser for SFI {sfi:02X}")),
    };
    r.map_err(|e| e.to_string())
}

/// The test CSCAs as `dmrtd` trust anchors.
fn dmrtd_anchors() -> Vec<dmrtd::auth::passive::TrustAnchor> {
    let dir = fixtures::trust_dir();
    let mut anchors = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let bytes = std::fs::read(&path).unwrap();
        let der = if bytes.starts_with(b"-----BEGIN") {
            der::pem::decode_vec(&bytes).unwrap().1
        } else {
            bytes
        };
        match dmrtd::auth::passive::TrustAnchor::from_certificate(&der) {
            Ok(a) => anchors.push(a),
            Err(e) => println!("  dmrtd cannot load CSCA {}: {e}", path.display()),
        }
    }
    anchors
}

/// One `dmrtd` read: BAC, the files, Active Authentication, passive authentication. Returns
/// the figures, each file's outcome and the AA and PA results.
fn dmrtd_read_once(
    context: &pcsc::Context,
    reader: &CString,
    key: dmrtd::proto::dba_key::DBAKey,
    anchors: &[dmrtd::auth::passive::TrustAnchor],
) -> Result<(Sample, Vec<FileOutcome>, String, String), String> {
    let card = context
        .connect(reader, pcsc::ShareMode::Shared, pcsc::Protocols::ANY)
        .map_err(|e| format!("SCardConnect: {e}"))?;
    let mut meter = Meter::default();
    let t = Instant::now();
    let mut passport = dmrtd::passport::Passport::new(DmrtdLink {
        card: &card,
        buffer: vec![0; pcsc::MAX_BUFFER_SIZE_EXTENDED],
        meter: &mut meter,
    });
    passport
        .start_session(key)
        .map_err(|e| format!("BAC: {e}"))?;
    let api = passport.api_mut();
    let mut outcomes = Vec::new();
    let mut read = Vec::new();
    for (_, sfi, file) in FILES {
        match api.read_file_by_sfi(sfi) {
            Ok(bytes) => {
                let parsed = dmrtd_parse(sfi, &bytes);
                outcomes.push(FileOutcome::Read(parsed, bytes == card_file(file)));
                read.push((sfi, bytes));
            }
            Err(e) => outcomes.push(FileOutcome::Failed(e.to_string())),
        }
    }
    let find = |sfi: u8| read.iter().find(|(s, _)| *s == sfi).map(|(_, b)| b);
    let aa = match find(0x0F).map(|b| dmrtd::lds::df1::efdg15::EfDG15::from_bytes(b.clone())) {
        None => "not done (DG15 not read)".to_string(),
        Some(Err(e)) => format!("not done (DG15: {e})"),
        Some(Ok(dg15)) => {
            let mut challenge = [0u8; 8];
            getrandom::fill(&mut challenge).unwrap();
            match api.active_authenticate(&challenge) {
                Err(e) => format!("INTERNAL AUTHENTICATE failed: {e}"),
                Ok(sig) => {
                    match dmrtd::auth::active::verify(dg15.aa_public_key(), &challenge, &sig) {
                        Ok(()) => "passed".to_string(),
                        Err(e) => format!("failed: {e}"),
                    }
                }
            }
        }
    };
    let pa = match find(0x1D) {
        None => "not done (EF.SOD not read)".to_string(),
        Some(sod) => {
            let groups: Vec<dmrtd::auth::passive::DataGroup<'_>> = read
                .iter()
                .filter(|(s, _)| *s <= 0x10)
                .map(|(s, b)| dmrtd::auth::passive::DataGroup {
                    number: *s,
                    bytes: b,
                })
                .collect();
            match dmrtd::auth::passive::verify(sod, &groups, anchors) {
                Ok(pa) => format!(
                    "DGs {:?} verified, chain to a trusted CSCA: {}, all SOD groups covered: {}",
                    pa.verified_groups,
                    pa.is_authentic(),
                    pa.covers_all_groups()
                ),
                Err(e) => format!("error: {e}"),
            }
        }
    };
    let file_bytes = read.iter().map(|(_, b)| b.len()).sum();
    drop(passport);
    Ok((meter.sample(t, file_bytes), outcomes, aa, pa))
}

/// The same card read by `dmrtd`, `n` times after one warm-up read.
fn read_dmrtd(reader: &str, n: usize) {
    let context = pcsc::Context::establish(pcsc::Scope::User).unwrap();
    let reader = CString::new(reader).unwrap();
    let anchors = dmrtd_anchors();
    let key = || {
        // The CCCD's BAC document number is the last 9 digits of the ID.
        // Dates as YYMMDD: the card's holder was born in 1993, the card expires in 2033.
        let date = |century: &str, yymmdd: &str| {
            chrono::NaiveDate::parse_from_str(&format!("{century}{yymmdd}"), "%Y%m%d").unwrap()
        };
        dmrtd::proto::dba_key::DBAKey::new(&ID[3..], date("19", BIRTH), date("20", EXPIRY), false)
            .unwrap()
    };
    let mut samples = Vec::new();
    for i in 0..=n {
        match dmrtd_read_once(&context, &reader, key(), &anchors) {
            Err(e) => {
                println!("dmrtd: the read failed: {e}");
                return;
            }
            Ok((sample, outcomes, aa, pa)) => {
                if i == 0 {
                    println!("dmrtd 0.3 (Passport::start_session, MrtdApi::read_file_by_sfi):");
                    for ((name, _, _), o) in FILES.iter().zip(&outcomes) {
                        let what = match o {
                            FileOutcome::Read(Ok(()), same) => {
                                format!("read, parsed, identical to the card: {same}")
                            }
                            FileOutcome::Read(Err(e), same) => {
                                format!("read (identical: {same}) but dmrtd does not parse it: {e}")
                            }
                            FileOutcome::Failed(e) => format!("cannot read: {e}"),
                        };
                        println!("  {name:<6} {what}");
                    }
                    println!("  active authentication: {aa}");
                    println!("  passive authentication: {pa}");
                } else {
                    samples.push(sample);
                }
            }
        }
    }
    summary("dmrtd", &samples);
}

/// `n` BAC sessions on one connection: GET CHALLENGE, EXTERNAL AUTHENTICATE, SELECT EF.COM and
/// READ BINARY under secure messaging, with the crate's public BAC API.
fn bac_sessions(pcsc: &Pcsc, reader: &str, n: usize) {
    if n == 0 {
        return;
    }
    let com = card_file("com.bin");
    let keys = AccessKey::from_cccd(ID, BIRTH, EXPIRY)
        .unwrap()
        .bac_keys()
        .unwrap();
    let mut card = Metered {
        inner: pcsc.connect(Some(reader)).unwrap(),
        meter: Meter::default(),
    };
    let mut select = vec![0x00, 0xA4, 0x04, 0x0C, EMRTD_AID.len() as u8];
    select.extend_from_slice(&EMRTD_AID);
    assert_eq!(card.transmit(&select).unwrap().sw, 0x9000);

    let one = |card: &mut Metered<_>| -> Result<(), String> {
        let ok = |r: &RawResponse, what: &str| {
            if r.sw == 0x9000 {
                Ok(())
            } else {
                Err(format!("{what}: {:04X}", r.sw))
            }
        };
        let e = |e: &dyn std::fmt::Display| e.to_string();
        let challenge = card
            .transmit(&[0x00, 0x84, 0x00, 0x00, 0x08])
            .map_err(|x| e(&x))?;
        ok(&challenge, "GET CHALLENGE")?;
        let rnd_ic: [u8; 8] = challenge.data.as_slice().try_into().map_err(|x| e(&x))?;
        let mut rnd_ifd = [0u8; 8];
        let mut k_ifd = [0u8; 16];
        getrandom::fill(&mut rnd_ifd).map_err(|x| e(&x))?;
        getrandom::fill(&mut k_ifd).map_err(|x| e(&x))?;
        let mut auth = vec![0x00, 0x82, 0x00, 0x00, 0x28];
        auth.extend(keys.authenticate_command(&rnd_ic, &rnd_ifd, &k_ifd));
        auth.push(0x28);
        let answer = card.transmit(&auth).map_err(|x| e(&x))?;
        ok(&answer, "EXTERNAL AUTHENTICATE")?;
        let mut sm = keys
            .complete(&answer.data, &rnd_ic, &rnd_ifd, &k_ifd)
            .map_err(|x| e(&x))?;
        let mut protected = |command: &[u8]| -> Result<Vec<u8>, String> {
            let wire = sm.protect(command).map_err(|x| e(&x))?;
            let raw = card.transmit(&wire).map_err(|x| e(&x))?;
            let r = sm.unprotect(&raw.to_bytes()).map_err(|x| e(&x))?;
            if r.sw == 0x9000 {
                Ok(r.data)
            } else {
                Err(format!("{command:02X?}: {:04X}", r.sw))
            }
        };
        protected(&[0x00, 0xA4, 0x02, 0x0C, 0x02, 0x01, 0x1E])?;
        let data = protected(&[0x00, 0xB0, 0x00, 0x00, com.len() as u8])?;
        if data == com {
            Ok(())
        } else {
            Err("EF.COM differs from the card's".to_string())
        }
    };

    println!(
        "== {n} BAC sessions (GET CHALLENGE, EXTERNAL AUTHENTICATE, SM SELECT + READ BINARY EF.COM) =="
    );
    let mut times = Vec::with_capacity(n);
    let mut failures = 0usize;
    let apdus_before = card.meter.apdus;
    let started = Instant::now();
    for i in 0..n {
        let t = Instant::now();
        if let Err(e) = one(&mut card) {
            failures += 1;
            if failures <= 5 {
                println!("  session {i} failed: {e}");
            }
        }
        times.push(t.elapsed());
        if i == 99 && n > 100 {
            let per = started.elapsed() / 100;
            println!(
                "  first 100 sessions: {} each; {n} sessions will take about {:.0} s",
                ms(per),
                (per * n as u32).as_secs_f64()
            );
        }
    }
    let total = started.elapsed();
    times.sort();
    println!(
        "BAC sessions: {n}, failures: {failures}, total {:.1} s, {:.0} sessions/s; per session median {}, p95 {}, max {}; {} APDUs",
        total.as_secs_f64(),
        n as f64 / total.as_secs_f64(),
        ms(percentile(&times, 0.5)),
        ms(percentile(&times, 0.95)),
        ms(times[times.len() - 1]),
        card.meter.apdus - apdus_before,
    );
    assert_eq!(failures, 0, "BAC sessions failed");
}
