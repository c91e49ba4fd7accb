//! The store's schema, as ordered migrations. Append only: never edit a
//! migration that has shipped.

use bhxh_store::Migration;

pub const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        name: "foundation",
        sql: include_str!("../migrations/0001_foundation.sql"),
    },
    Migration {
        version: 2,
        name: "progress",
        sql: include_str!("../migrations/0002_progress.sql"),
    },
    Migration {
        version: 3,
        name: "participants",
        sql: include_str!("../migrations/0003_participants.sql"),
    },
    Migration {
        version: 4,
        name: "auto_indicators",
        sql: include_str!("../migrations/0004_auto_indicators.sql"),
    },
    Migration {
        version: 5,
        name: "card_checks",
        sql: include_str!("../migrations/0005_card_checks.sql"),
    },
    Migration {
        version: 6,
        name: "dossiers",
        sql: include_str!("../migrations/0006_dossiers.sql"),
    },
    Migration {
        version: 7,
        name: "sync",
        sql: include_str!("../migrations/0007_sync.sql"),
    },
    Migration {
        version: 8,
        name: "inbox",
        sql: include_str!("../migrations/0008_inbox.sql"),
    },
    Migration {
        version: 9,
        name: "reuse",
        sql: include_str!("../migrations/0009_reuse.sql"),
    },
    Migration {
        version: 10,
        name: "evidence",
        sql: include_str!("../migrations/0010_evidence.sql"),
    },
    Migration {
        version: 11,
        name: "results",
        sql: include_str!("../migrations/0011_results.sql"),
    },
    Migration {
        version: 12,
        name: "trust",
        sql: include_str!("../migrations/0012_trust.sql"),
    },
    Migration {
        version: 13,
        name: "rules in force",
        sql: include_str!("../migrations/0013_rules.sql"),
    },
    Migration {
        version: 14,
        name: "signatures",
        sql: include_str!("../migrations/0014_signatures.sql"),
    },
    Migration {
        version: 15,
        name: "paper text",
        sql: include_str!("../migrations/0015_paper_text.sql"),
    },
    Migration {
        version: 16,
        name: "signed reports",
        sql: include_str!("../migrations/0016_signed_reports.sql"),
    },
    Migration {
        version: 17,
        name: "page edits",
        sql: include_str!("../migrations/0017_page_edits.sql"),
    },
    Migration {
        version: 18,
        name: "outbox payload apart",
        sql: include_str!("../migrations/0018_outbox_payload.sql"),
    },
    Migration {
        version: 19,
        name: "page moves",
        sql: include_str!("../migrations/0019_page_moves.sql"),
    },
    Migration {
        version: 20,
        name: "base offices",
        sql: include_str!("../migrations/0020_base_offices.sql"),
    },
];
