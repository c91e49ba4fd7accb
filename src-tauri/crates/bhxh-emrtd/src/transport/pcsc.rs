//! [`Transport`] over PC/SC (pcsc-lite on Linux, WinSCard on Windows), with the reader
//! housekeeping a counter needs: list readers, wait for a card to be put down or taken away,
//! connect to a named reader or the first one holding a card.
//!
//! Built with the `pcsc` feature (on by default). On Debian the library comes from
//! `libpcsclite-dev` (build) / `libpcsclite1` and the service from `pcscd`.

use super::{RawResponse, Transport, TransportError};
use pcsc::{Card, Context, Disposition, Protocols, ReaderState, Scope, ShareMode, State};
use std::ffi::CString;
use std::time::{Duration, Instant};

fn map_error(operation: &'static str, reader: &str, e: pcsc::Error) -> TransportError {
    match e {
        pcsc::Error::RemovedCard | pcsc::Error::NoSmartcard if operation == "SCardTransmit" => {
            TransportError::CardRemoved
        }
        pcsc::Error::RemovedCard => TransportError::CardRemoved,
        pcsc::Error::ResetCard => TransportError::CardReset,
        pcsc::Error::NoSmartcard => TransportError::NoCard(reader.to_string()),
        pcsc::Error::UnknownReader => TransportError::UnknownReader(reader.to_string()),
        pcsc::Error::NoReadersAvailable => TransportError::NoReader,
        pcsc::Error::NoService | pcsc::Error::ServiceStopped => {
            TransportError::NoService(e.to_string())
        }
        other => TransportError::Pcsc {
            operation,
            message: format!("{other} ({other:?})"),
        },
    }
}

/// A PC/SC context: the entry point for readers and cards.
pub struct Pcsc {
    ctx: Context,
}

impl std::fmt::Debug for Pcsc {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Pcsc(..)")
    }
}

fn reader_cstring(name: &str) -> Result<CString, TransportError> {
    CString::new(name).map_err(|_| TransportError::UnknownReader(name.to_string()))
}

impl Pcsc {
    /// Connects to the PC/SC service.
    pub fn establish() -> Result<Self, TransportError> {
        let ctx = Context::establish(Scope::User)
            .map_err(|e| map_error("SCardEstablishContext", "", e))?;
        Ok(Self { ctx })
    }

    /// The names of the connected readers (empty when there are none).
    pub fn readers(&self) -> Result<Vec<String>, TransportError> {
        match self.ctx.list_readers_owned() {
            Ok(names) => Ok(names
                .into_iter()
                .map(|n| n.to_string_lossy().into_owned())
                .collect()),
            Err(pcsc::Error::NoReadersAvailable) => Ok(Vec::new()),
            Err(e) => Err(map_error("SCardListReaders", "", e)),
        }
    }

    /// Waits until at least one reader is connected; returns the reader names.
    pub fn wait_for_readers(&self, timeout: Duration) -> Result<Vec<String>, TransportError> {
        let deadline = Instant::now() + timeout;
        loop {
            let readers = self.readers()?;
            if !readers.is_empty() {
                return Ok(readers);
            }
            if Instant::now() >= deadline {
                return Err(TransportError::Timeout(timeout, "a reader"));
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// The current state of `readers` (one `SCardGetStatusChange` with no wait).
    fn states(&self, readers: &[String]) -> Result<Vec<ReaderState>, TransportError> {
        let mut states = readers
            .iter()
            .map(|r| reader_cstring(r).map(|c| ReaderState::new(c, State::UNAWARE)))
            .collect::<Result<Vec<_>, _>>()?;
        self.ctx
            .get_status_change(Duration::ZERO, &mut states)
            .map_err(|e| map_error("SCardGetStatusChange", "", e))?;
        Ok(states)
    }

    /// Whether `reader` holds a card right now.
    pub fn card_present(&self, reader: &str) -> Result<bool, TransportError> {
        let states = self.states(&[reader.to_string()])?;
        let state = states
            .first()
            .map_or(State::UNAWARE, ReaderState::event_state);
        if state.contains(State::UNKNOWN) {
            return Err(TransportError::UnknownReader(reader.to_string()));
        }
        Ok(state.contains(State::PRESENT) && !state.contains(State::MUTE))
    }

    /// The count of card events (insertions and removals) pcscd has seen in `reader`; it moves
    /// when a card is put down or taken away. (The reader's state flags are no proof that a
    /// card went: right after a card is lost in the middle of an exchange pcsc-lite reports the
    /// slot empty before its presence poll has seen it so.)
    pub fn card_events(&self, reader: &str) -> Result<u32, TransportError> {
        let states = self.states(&[reader.to_string()])?;
        let Some(state) = states.first() else {
            return Err(TransportError::UnknownReader(reader.to_string()));
        };
        if state.event_state().contains(State::UNKNOWN) {
            return Err(TransportError::UnknownReader(reader.to_string()));
        }
        Ok(state.event_count())
    }

    /// Waits until a card is present in `reader` (or, for `None`, in any reader) and returns
    /// the reader's name.
    pub fn wait_for_card(
        &self,
        reader: Option<&str>,
        timeout: Duration,
    ) -> Result<String, TransportError> {
        self.wait_for(reader, timeout, true)
    }

    /// Waits until `reader` holds no card.
    pub fn wait_for_removal(&self, reader: &str, timeout: Duration) -> Result<(), TransportError> {
        self.wait_for(Some(reader), timeout, false).map(|_| ())
    }

    fn wait_for(
        &self,
        reader: Option<&str>,
        timeout: Duration,
        present: bool,
    ) -> Result<String, TransportError> {
        let what = if present {
            "a card to be presented"
        } else {
            "the card to be removed"
        };
        let deadline = Instant::now() + timeout;
        let names = match reader {
            Some(r) => vec![r.to_string()],
            None => self.wait_for_readers(timeout)?,
        };
        let mut states = self.states(&names)?;
        loop {
            for s in &states {
                let ev = s.event_state();
                if ev.contains(State::UNKNOWN) {
                    return Err(TransportError::UnknownReader(
                        s.name().to_string_lossy().into_owned(),
                    ));
                }
                let has_card = ev.contains(State::PRESENT) && !ev.contains(State::MUTE);
                if has_card == present {
                    return Ok(s.name().to_string_lossy().into_owned());
                }
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Err(TransportError::Timeout(timeout, what));
            }
            for s in &mut states {
                s.sync_current_state();
            }
            match self.ctx.get_status_change(left, &mut states) {
                Ok(()) => {}
                Err(pcsc::Error::Timeout) => return Err(TransportError::Timeout(timeout, what)),
                Err(e) => return Err(map_error("SCardGetStatusChange", "", e)),
            }
        }
    }

    /// Connects to the card in `reader`, or for `None` to the first reader holding a card.
    pub fn connect(&self, reader: Option<&str>) -> Result<PcscTransport, TransportError> {
        let name = match reader {
            Some(r) => r.to_string(),
            None => {
                let readers = self.readers()?;
                if readers.is_empty() {
                    return Err(TransportError::NoReader);
                }
                let states = self.states(&readers)?;
                states
                    .iter()
                    .find(|s| {
                        let ev = s.event_state();
                        ev.contains(State::PRESENT) && !ev.contains(State::MUTE)
                    })
                    .map(|s| s.name().to_string_lossy().into_owned())
                    .ok_or_else(|| TransportError::NoCard(readers.join(", ")))?
            }
        };
        let c = reader_cstring(&name)?;
        let card = self
            .ctx
            .connect(&c, ShareMode::Shared, Protocols::ANY)
            .map_err(|e| map_error("SCardConnect", &name, e))?;
        Ok(PcscTransport {
            card,
            reader: name,
            buffer: vec![0; pcsc::MAX_BUFFER_SIZE_EXTENDED],
        })
    }
}

/// How long a failed transmission waits for the reader to report a removed card.
pub const REMOVAL_GRACE: Duration = Duration::from_millis(1500);

/// A connected card.
pub struct PcscTransport {
    card: Card,
    reader: String,
    buffer: Vec<u8>,
}

impl std::fmt::Debug for PcscTransport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PcscTransport")
            .field("reader", &self.reader)
            .finish_non_exhaustive()
    }
}

impl PcscTransport {
    /// The reader's name.
    pub fn reader(&self) -> &str {
        &self.reader
    }

    /// After a failed transmission: whether the card left the reader. A card pulled in the
    /// middle of an exchange first shows as a driver failure (`SCARD_E_NOT_TRANSACTED`,
    /// `SCARD_F_COMM_ERROR`) or an answer without a status word; pcsc-lite notices the removal at its next presence poll (every
    /// 400 ms for vpcd), so this watches the card's status for up to [`REMOVAL_GRACE`].
    fn card_gone(&self) -> bool {
        let deadline = Instant::now() + REMOVAL_GRACE;
        loop {
            match self.card.status2_owned() {
                Err(
                    pcsc::Error::RemovedCard
                    | pcsc::Error::NoSmartcard
                    | pcsc::Error::ReaderUnavailable
                    | pcsc::Error::UnknownReader,
                ) => return true,
                Ok(status) if !status.status().contains(pcsc::Status::PRESENT) => return true,
                Ok(_) => {}
                Err(_) => return false,
            }
            if Instant::now() >= deadline {
                return false;
            }
            std::thread::sleep(Duration::from_millis(25));
        }
    }

    /// The card's ATR (answer to reset).
    pub fn atr(&self) -> Result<Vec<u8>, TransportError> {
        self.card
            .status2_owned()
            .map(|s| s.atr().to_vec())
            .map_err(|e| map_error("SCardStatus", &self.reader, e))
    }
}

impl Transport for PcscTransport {
    fn transmit(&mut self, command: &[u8]) -> Result<RawResponse, TransportError> {
        match self.card.transmit(command, &mut self.buffer) {
            // A card pulled out while it was answering: some drivers (vpcd among them) end the
            // exchange with success and no bytes at all, before the reader reports the removal.
            Ok(response) => match RawResponse::from_bytes(response) {
                Err(TransportError::ShortResponse(n)) => Err(if self.card_gone() {
                    TransportError::CardRemoved
                } else {
                    TransportError::ShortResponse(n)
                }),
                other => other,
            },
            Err(e) => {
                let error = map_error("SCardTransmit", &self.reader, e);
                if matches!(error, TransportError::Pcsc { .. }) && self.card_gone() {
                    Err(TransportError::CardRemoved)
                } else {
                    Err(error)
                }
            }
        }
    }

    fn reconnect(&mut self) -> Result<(), TransportError> {
        self.card
            .reconnect(ShareMode::Shared, Protocols::ANY, Disposition::LeaveCard)
            .map_err(|e| map_error("SCardReconnect", &self.reader, e))
    }
}
