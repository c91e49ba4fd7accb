//! Sync messages as they come over the wire (HQ reads pushes; an office reads
//! HQ's answers): JSON from arbitrary bytes, then every check the receiving
//! side makes. The first byte picks the message and the checks' arguments.
#![no_main]

use bhxh_sync_proto::{
    DownItem, ErrorBody, Hello, ProvinceResponse, Published, PullResponse, PushItem, PushRequest,
    PushResponse, ReportSummary,
};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&which, json)) = data.split_first() else {
        return;
    };
    match which % 9 {
        0 => {
            if let Ok(req) = serde_json::from_slice::<PushRequest>(json) {
                drop(req.validate_envelope());
                for item in &req.items {
                    drop(item.validate());
                }
                drop(serde_json::to_vec(&req));
            }
        }
        1 => {
            if let Ok(item) = serde_json::from_slice::<PushItem>(json) {
                drop(item.validate());
                drop(ReportSummary::from_item(&item));
            }
        }
        2 => {
            if let Ok(resp) = serde_json::from_slice::<PushResponse>(json) {
                // As sent: every id answered, or (odd selector) one fewer.
                let mut sent: Vec<_> = resp.results.iter().map(|r| r.id).collect();
                if which & 0x10 != 0 {
                    sent.pop();
                }
                drop(resp.validate_against(&sent));
                drop(serde_json::to_vec(&resp));
            }
        }
        3 => {
            if let Ok(resp) = serde_json::from_slice::<PullResponse>(json) {
                let cursor = i64::from(which >> 4) - 1;
                let limit = u32::from(which >> 3);
                drop(resp.validate_against(cursor, limit));
                drop(resp.validate_against(i64::MIN, u32::MAX));
                drop(serde_json::to_vec(&resp));
            }
        }
        4 => {
            if let Ok(p) = serde_json::from_slice::<Published>(json) {
                drop(p.validate());
            }
        }
        5 => {
            if let Ok(d) = serde_json::from_slice::<DownItem>(json) {
                drop(d.item.validate());
            }
        }
        6 => drop(serde_json::from_slice::<Hello>(json)),
        7 => {
            if let Ok(r) = ProvinceResponse::parse(json) {
                drop(serde_json::to_vec(&r));
            }
        }
        _ => drop(serde_json::from_slice::<ErrorBody>(json)),
    }
});
