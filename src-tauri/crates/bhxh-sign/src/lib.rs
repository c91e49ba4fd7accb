//! Digital signatures for BHXH Desk (issue 13).
//!
//! - [`token`]: the office's USB token through PKCS#11 (`cryptoki`): tokens,
//!   keys with their certificates, a signing session opened with the PIN.
//! - [`pdf`]: PAdES baseline B-B signatures (B-T with a timestamp server) (ETSI EN 319 142-1) appended as
//!   incremental updates, so earlier bytes and earlier signatures stay as
//!   they were; reading the signatures a PDF carries.
//! - [`cms`]: the detached CMS `SignedData` inside (RFC 5652, CAdES).
//! - [`tsa`]: RFC 3161 timestamps over a signature value (PAdES B-T), asked
//!   of the timestamp server set up and checked.
//! - [`verify`]: each signature's integrity, signer, chain to the trust
//!   folder's roots, validity at signing time and revocation by the folder's
//!   CRLs (or, without a current one, by OCSP), with a verdict in Vietnamese.
//! - [`ocsp`]: a signer's revocation asked of its OCSP responder (RFC 6960),
//!   the signed answer checked and cached for offline days.
//!
//! The X.509 parsing, signature algorithms and CRLs are the ones the eMRTD
//! crate verifies chip ID cards with (`bhxh_emrtd::crypto`, `verify::trust`).

pub mod cms;
pub mod error;
pub mod ocsp;
pub mod pdf;
#[cfg(any(test, feature = "testing"))]
pub mod testing;
pub mod token;
pub mod tsa;
pub mod verify;

pub use error::{PinTries, SignError};
pub use pdf::{SignOptions, sign_pdf};
pub use token::{KeyAlgorithm, KeyInfo, Module, PinState, RawSigner, TokenInfo, TokenSigner};
pub use verify::{Level, PdfTrust, SignatureReport, Verdict, verify_pdf};
