//! HQ's production store: PostgreSQL (`bhxh-hq serve --database postgres://…`).
//!
//! The same rules as [`super::SqliteStorage`]: one transaction per push,
//! `PRIMARY KEY (office_code, stream, key, revision)`, `UNIQUE (office_code,
//! id)`, published items numbered in the order they were committed. A push
//! and a witness lock their office's row first (`SELECT … FOR UPDATE`), so
//! two requests of one office are applied one after the other, as SQLite's
//! single writer does; different offices go on in parallel.
//!
//! The client is the blocking `postgres` crate, pooled by `r2d2`: the
//! [`Storage`] trait is synchronous and the server already calls it on
//! tokio's blocking pool.
//!
//! The schema is created and migrated at start-up ([`MIGRATIONS`], recorded
//! in `schema_migrations`, applied under an advisory lock so that two
//! processes starting at once do not race).

use std::time::Duration;

use bhxh_sync_proto::{
    AuditHead, DownItem, MAX_REGRESSIONS, Outcome, Published, PushResult, Regression, Witnessed,
};
use postgres::NoTls;
use r2d2_postgres::PostgresConnectionManager;
use uuid::Uuid;

use super::{
    ApiToken, Audience, AuditEntry, NewItem, OfficeAuth, OfficeRow, StaffAccount, Storage,
    StoredItem,
};
use crate::HqError;

type TlsConnector = postgres_native_tls::MakeTlsConnector;

/// The pool: plain TCP or a Unix socket, or TLS (`sslmode=require`).
enum Pool {
    Plain(r2d2::Pool<PostgresConnectionManager<NoTls>>),
    Tls(r2d2::Pool<PostgresConnectionManager<TlsConnector>>),
}

/// A pooled connection, whichever the pool.
type Conn = Box<dyn std::ops::DerefMut<Target = postgres::Client>>;

/// Versioned schema changes, applied in order, each once, in one transaction.
pub const MIGRATIONS: &[(i32, &str)] = &[
    (
        1,
        "
CREATE TABLE office (
    code          TEXT PRIMARY KEY,
    name          TEXT NOT NULL,
    province      TEXT,
    token_hash    TEXT NOT NULL UNIQUE,
    created_at    TEXT NOT NULL,
    revoked_at    TEXT,
    last_sync_at  TEXT
);
CREATE TABLE item (
    office_code  TEXT NOT NULL REFERENCES office(code),
    stream       TEXT NOT NULL,
    key          TEXT NOT NULL,
    revision     BIGINT NOT NULL CHECK (revision >= 1),
    id           TEXT NOT NULL,
    payload      TEXT NOT NULL,
    received_at  TEXT NOT NULL,
    PRIMARY KEY (office_code, stream, key, revision),
    UNIQUE (office_code, id)
);
CREATE TABLE witness (
    id           BIGSERIAL PRIMARY KEY,
    office_code  TEXT NOT NULL REFERENCES office(code),
    seq          BIGINT NOT NULL,
    hash         TEXT NOT NULL,
    at           TEXT NOT NULL,
    regressed    BOOLEAN NOT NULL DEFAULT FALSE
);
CREATE INDEX witness_office ON witness (office_code, id);
CREATE TABLE published (
    seq           BIGSERIAL PRIMARY KEY,
    id            TEXT NOT NULL UNIQUE,
    item          TEXT NOT NULL,
    published_at  TEXT NOT NULL
);
",
    ),
    (
        2,
        "
CREATE TABLE staff (
    username       TEXT PRIMARY KEY,
    role           TEXT NOT NULL CHECK (role IN ('viewer', 'administrator')),
    password_hash  TEXT NOT NULL,
    created_at     TEXT NOT NULL,
    failures       BIGINT NOT NULL DEFAULT 0,
    locked_until   BIGINT
);
CREATE TABLE api_token (
    token_hash  TEXT PRIMARY KEY,
    scope       TEXT NOT NULL CHECK (scope IN ('read')),
    label       TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    revoked_at  TEXT
);
CREATE TABLE staff_audit (
    id      BIGSERIAL PRIMARY KEY,
    at      TEXT NOT NULL,
    actor   TEXT NOT NULL,
    action  TEXT NOT NULL,
    detail  TEXT NOT NULL
);
",
    ),
    (
        3,
        "
ALTER TABLE office ADD COLUMN old_token_hash TEXT;
ALTER TABLE office ADD COLUMN old_token_until BIGINT;
CREATE INDEX office_old_token ON office (old_token_hash);
",
    ),
    (
        4,
        "
ALTER TABLE office ADD COLUMN parent_code TEXT REFERENCES office(code);
CREATE INDEX office_parent ON office (parent_code);
ALTER TABLE published ADD COLUMN to_province TEXT REFERENCES office(code);
ALTER TABLE published ADD COLUMN to_office TEXT REFERENCES office(code);
ALTER TABLE published ADD CONSTRAINT published_one_audience
    CHECK (to_province IS NULL OR to_office IS NULL);
",
    ),
    (
        5,
        // Payloads (≈14 KiB of JSON each) compressed with lz4 rather than
        // pglz, several times cheaper in CPU for a push (issue 15); a server
        // built without lz4 keeps pglz.
        "
DO $$
BEGIN
    ALTER TABLE item ALTER COLUMN payload SET COMPRESSION lz4;
EXCEPTION WHEN feature_not_supported THEN
    RAISE NOTICE 'lz4 not available: payloads stay compressed with pglz';
END
$$;
",
    ),
];

/// Key of the advisory lock held while migrating (any fixed number).
const MIGRATION_LOCK: i64 = 0x4248_5848_515f_4d49;

/// HQ's store in PostgreSQL, through a pool of connections.
pub struct PostgresStorage {
    pool: Pool,
}

impl std::fmt::Debug for PostgresStorage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PostgresStorage")
    }
}

impl PostgresStorage {
    /// Connect to `url` (`postgres://user:password@host:port/db` or the
    /// key=value form), with at most `pool_size` connections, and bring the
    /// schema up to date. No TLS: for a database on the same machine or a
    /// private network.
    pub fn connect(url: &str, pool_size: u32) -> Result<PostgresStorage, HqError> {
        PostgresStorage::connect_with(url, pool_size, None)
    }

    /// [`PostgresStorage::connect`]; with `sslmode=require` in the URL the
    /// connection is TLS, the server's certificate checked (chain and host
    /// name) against the system's roots, or only against `ca_pem` when given.
    pub fn connect_with(
        url: &str,
        pool_size: u32,
        ca_pem: Option<&[u8]>,
    ) -> Result<PostgresStorage, HqError> {
        let config: postgres::Config = url.parse().map_err(|e: postgres::Error| {
            HqError::Invalid(format!(
                "Địa chỉ cơ sở dữ liệu PostgreSQL không hợp lệ: {e}"
            ))
        })?;
        fn builder<M: r2d2::ManageConnection>(pool_size: u32) -> r2d2::Builder<M> {
            r2d2::Pool::builder()
                .max_size(pool_size.max(1))
                .min_idle(Some(1))
                .connection_timeout(Duration::from_secs(15))
        }
        let pool = if config.get_ssl_mode() == postgres::config::SslMode::Require {
            let mut tls = native_tls::TlsConnector::builder();
            if let Some(pem) = ca_pem {
                let ca = native_tls::Certificate::from_pem(pem).map_err(|e| {
                    HqError::Invalid(format!("Chứng thư CA của cơ sở dữ liệu không hợp lệ: {e}"))
                })?;
                tls.disable_built_in_roots(true).add_root_certificate(ca);
            }
            let connector = tls.build().map_err(|e| HqError::Pool(e.to_string()))?;
            let manager = PostgresConnectionManager::new(
                config,
                postgres_native_tls::MakeTlsConnector::new(connector),
            );
            Pool::Tls(builder(pool_size).build(manager)?)
        } else {
            if ca_pem.is_some() {
                return Err(HqError::Invalid(
                    "--database-ca chỉ dùng với sslmode=require trong địa chỉ cơ sở dữ liệu."
                        .into(),
                ));
            }
            Pool::Plain(builder(pool_size).build(PostgresConnectionManager::new(config, NoTls))?)
        };
        let storage = PostgresStorage { pool };
        storage.migrate()?;
        Ok(storage)
    }

    fn conn(&self) -> Result<Conn, HqError> {
        Ok(match &self.pool {
            Pool::Plain(p) => Box::new(p.get()?),
            Pool::Tls(p) => Box::new(p.get()?),
        })
    }

    /// Apply the migrations not applied yet; returns how many were applied.
    pub fn migrate(&self) -> Result<usize, HqError> {
        let mut conn = self.conn()?;
        let mut tx = conn.transaction()?;
        tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK])?;
        tx.batch_execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations (
                 version     INTEGER PRIMARY KEY,
                 applied_at  TIMESTAMPTZ NOT NULL DEFAULT now()
             )",
        )?;
        let done: i32 = tx
            .query_one(
                "SELECT COALESCE(MAX(version), 0) FROM schema_migrations",
                &[],
            )?
            .get(0);
        let mut applied = 0;
        for (version, sql) in MIGRATIONS.iter().filter(|(v, _)| *v > done) {
            tx.batch_execute(sql)?;
            tx.execute(
                "INSERT INTO schema_migrations (version) VALUES ($1)",
                &[version],
            )?;
            applied += 1;
        }
        tx.commit()?;
        Ok(applied)
    }

    /// Whether this connection to the server runs over TLS.
    pub fn uses_tls(&self) -> Result<bool, HqError> {
        let mut conn = self.conn()?;
        Ok(conn
            .query_opt(
                "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()",
                &[],
            )?
            .is_some_and(|r| r.get::<_, bool>(0)))
    }

    /// The schema version in the database (the last migration applied).
    pub fn schema_version(&self) -> Result<i32, HqError> {
        let mut conn = self.conn()?;
        Ok(conn
            .query_one(
                "SELECT COALESCE(MAX(version), 0) FROM schema_migrations",
                &[],
            )?
            .get(0))
    }
}

/// Everything the items of a push are checked against, in one round trip
/// for the whole batch (parameters: the office, then one array per column):
/// for each item in order, the newest revision of its key, the id at its
/// revision, whether its id is used by the office, and how many revisions
/// of its key HQ keeps.
const PUSH_LOOKUP: &str = "
SELECT COALESCE((SELECT MAX(i.revision) FROM item i
                 WHERE i.office_code = $1 AND i.stream = u.stream AND i.key = u.key), 0),
       (SELECT i.id FROM item i
        WHERE i.office_code = $1 AND i.stream = u.stream AND i.key = u.key
          AND i.revision = u.revision),
       EXISTS (SELECT 1 FROM item i WHERE i.office_code = $1 AND i.id = u.id),
       (SELECT COUNT(*) FROM item i
        WHERE i.office_code = $1 AND i.stream = u.stream AND i.key = u.key)
FROM UNNEST($2::text[], $3::text[], $4::bigint[], $5::text[]) WITH ORDINALITY
     AS u(stream, key, revision, id, n)
ORDER BY u.n";

/// The items of a push kept, streamed in one COPY (binary): faster than
/// an INSERT, and no message holding every payload at once is built.
const PUSH_COPY: &str = "COPY item (office_code, stream, key, revision, id, payload, received_at)
FROM STDIN BINARY";

/// What HQ held for one pushed item before the push, from [`PUSH_LOOKUP`].
struct Held {
    newest: i64,
    at_revision: Option<String>,
    id_used: bool,
    kept: i64,
}

/// What the items before it in the same push changed for an item's key.
#[derive(Default)]
struct InBatch {
    newest: i64,
    stored: i64,
    /// (revision, id) stored in this push.
    ids: Vec<(i64, String)>,
}

/// Decide each item of a push from what HQ held before it and what the
/// items before it in the same push stored: the same answers as applying
/// the items one after the other. The items to insert are marked.
fn decide(
    items: &[NewItem],
    held: &[Held],
    max_revisions: i64,
) -> Result<(Vec<PushResult>, Vec<bool>), HqError> {
    let mut by_key: std::collections::HashMap<(&str, &str), InBatch> =
        std::collections::HashMap::new();
    let mut ids_stored: std::collections::HashSet<Uuid> = std::collections::HashSet::new();
    let mut results = Vec::with_capacity(items.len());
    let mut insert = Vec::with_capacity(items.len());
    for (item, h) in items.iter().zip(held) {
        let batch = by_key
            .entry((item.stream.as_str(), item.key.as_str()))
            .or_default();
        let newest = h.newest.max(batch.newest);
        let at_revision = batch
            .ids
            .iter()
            .find(|(r, _)| *r == item.revision)
            .map(|(_, id)| id.clone())
            .or_else(|| h.at_revision.clone());
        let id_used = h.id_used || ids_stored.contains(&item.id);
        let kept = h.kept + batch.stored;
        if let Some(refused) = super::refusal(
            item,
            newest,
            at_revision.as_deref(),
            || Ok(id_used),
            || Ok(kept),
            max_revisions,
        )? {
            results.push(refused);
            insert.push(false);
            continue;
        }
        batch.newest = batch.newest.max(item.revision);
        batch.stored += 1;
        batch.ids.push((item.revision, item.id.to_string()));
        ids_stored.insert(item.id);
        results.push(PushResult {
            id: item.id,
            outcome: Outcome::Stored,
            hq_revision: item.revision,
            detail: None,
        });
        insert.push(true);
    }
    Ok((results, insert))
}

/// An office's own parent: `None` when there is no such office.
fn parent_of(
    tx: &mut postgres::Transaction<'_>,
    code: &str,
) -> Result<Option<Option<String>>, HqError> {
    Ok(tx
        .query_opt("SELECT parent_code FROM office WHERE code = $1", &[&code])?
        .map(|r| r.get(0)))
}

fn witnessed_row(r: &postgres::Row, at: usize) -> Witnessed {
    Witnessed {
        head: AuditHead {
            seq: r.get(at),
            hash: r.get(at + 1),
        },
        at: r.get(at + 2),
    }
}

impl Storage for PostgresStorage {
    fn add_office(
        &self,
        code: &str,
        name: &str,
        province: Option<&str>,
        parent: Option<&str>,
        token_hash: &str,
        now: &str,
    ) -> Result<(), HqError> {
        let mut conn = self.conn()?;
        let mut tx = conn.transaction()?;
        if tx
            .query_opt("SELECT 1 FROM office WHERE code = $1", &[&code])?
            .is_some()
        {
            return Err(HqError::OfficeExists(code.to_owned()));
        }
        // A parent's own parent never changes once it is registered, so
        // what is read here still holds at commit.
        super::check_parent(code, parent, |p| parent_of(&mut tx, p))?;
        let n = tx.execute(
            "INSERT INTO office (code, name, province, parent_code, token_hash, created_at)
             VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (code) DO NOTHING",
            &[&code, &name, &province, &parent, &token_hash, &now],
        )?;
        if n == 0 {
            return Err(HqError::OfficeExists(code.to_owned()));
        }
        tx.commit()?;
        Ok(())
    }

    fn revoke_office(&self, code: &str, now: &str) -> Result<(), HqError> {
        let mut conn = self.conn()?;
        let n = conn.execute(
            "UPDATE office SET revoked_at = COALESCE(revoked_at, $2) WHERE code = $1",
            &[&code, &now],
        )?;
        if n == 0 {
            return Err(HqError::UnknownOffice(code.to_owned()));
        }
        Ok(())
    }

    fn rotate_office_token(
        &self,
        code: &str,
        new_token_hash: &str,
        old_until: i64,
    ) -> Result<(), HqError> {
        let mut conn = self.conn()?;
        let mut tx = conn.transaction()?;
        let revoked: Option<bool> = tx
            .query_opt(
                "SELECT revoked_at IS NOT NULL FROM office WHERE code = $1 FOR UPDATE",
                &[&code],
            )?
            .map(|r| r.get(0));
        match revoked {
            None => return Err(HqError::UnknownOffice(code.to_owned())),
            Some(true) => return Err(HqError::Revoked(code.to_owned())),
            Some(false) => {}
        }
        tx.execute(
            "UPDATE office SET old_token_hash = token_hash, old_token_until = $3, token_hash = $2
             WHERE code = $1",
            &[&code, &new_token_hash, &old_until],
        )?;
        tx.commit()?;
        Ok(())
    }

    fn authenticate(&self, token_hash: &str) -> Result<Option<OfficeAuth>, HqError> {
        let mut conn = self.conn()?;
        Ok(conn
            .query_opt(
                "SELECT code, name, revoked_at IS NOT NULL, parent_code FROM office
                 WHERE token_hash = $1 OR (old_token_hash = $1 AND old_token_until > $2)",
                &[&token_hash, &chrono::Utc::now().timestamp()],
            )?
            .map(|r| OfficeAuth {
                code: r.get(0),
                name: r.get(1),
                revoked: r.get(2),
                parent: r.get(3),
            }))
    }

    fn push(
        &self,
        office: &str,
        items: &[NewItem],
        now: &str,
        max_revisions: i64,
    ) -> Result<Vec<PushResult>, HqError> {
        let mut conn = self.conn()?;
        let mut tx = conn.transaction()?;
        if tx
            .query_opt(
                "SELECT 1 FROM office WHERE code = $1 FOR UPDATE",
                &[&office],
            )?
            .is_none()
        {
            return Err(HqError::UnknownOffice(office.to_owned()));
        }
        let streams: Vec<&str> = items.iter().map(|i| i.stream.as_str()).collect();
        let keys: Vec<&str> = items.iter().map(|i| i.key.as_str()).collect();
        let revisions: Vec<i64> = items.iter().map(|i| i.revision).collect();
        let ids: Vec<String> = items.iter().map(|i| i.id.to_string()).collect();
        let held: Vec<Held> = tx
            .query(PUSH_LOOKUP, &[&office, &streams, &keys, &revisions, &ids])?
            .iter()
            .map(|r| Held {
                newest: r.get(0),
                at_revision: r.get(1),
                id_used: r.get(2),
                kept: r.get(3),
            })
            .collect();
        if held.len() != items.len() {
            return Err(HqError::Corrupt(format!(
                "tra cứu lô dữ liệu trả {} dòng cho {} mục",
                held.len(),
                items.len()
            )));
        }
        let (results, insert) = decide(items, &held, max_revisions)?;
        if insert.iter().any(|k| *k) {
            use postgres::types::Type;
            let mut copy = postgres::binary_copy::BinaryCopyInWriter::new(
                tx.copy_in(PUSH_COPY)?,
                &[
                    Type::TEXT,
                    Type::TEXT,
                    Type::TEXT,
                    Type::INT8,
                    Type::TEXT,
                    Type::TEXT,
                    Type::TEXT,
                ],
            );
            for (i, item) in items.iter().enumerate().filter(|(i, _)| insert[*i]) {
                copy.write(&[
                    &office,
                    &streams[i],
                    &item.key,
                    &item.revision,
                    &ids[i],
                    &item.payload,
                    &now,
                ])?;
            }
            copy.finish()?;
        }
        tx.execute(
            "UPDATE office SET last_sync_at = $2 WHERE code = $1",
            &[&office, &now],
        )?;
        tx.commit()?;
        Ok(results)
    }

    fn pull(
        &self,
        office: &str,
        cursor: i64,
        limit: u32,
    ) -> Result<(Vec<DownItem>, bool), HqError> {
        let mut conn = self.conn()?;
        let rows = conn.query(
            "SELECT seq, id, item, published_at FROM published
             WHERE seq > $1
               AND ((to_province IS NULL AND to_office IS NULL)
                    OR to_office = $3
                    OR to_province = (SELECT COALESCE(parent_code, code) FROM office WHERE code = $3))
             ORDER BY seq LIMIT $2",
            &[&cursor, &(i64::from(limit) + 1), &office],
        )?;
        let more = rows.len() > limit as usize;
        let items = rows
            .into_iter()
            .take(limit as usize)
            .map(|r| super::read_down(r.get(0), r.get(1), r.get(2), r.get(3)))
            .collect::<Result<Vec<_>, _>>()?;
        Ok((items, more))
    }

    fn publish(
        &self,
        item: &Published,
        audience: &Audience,
        now: &str,
    ) -> Result<DownItem, HqError> {
        item.validate().map_err(HqError::Invalid)?;
        let id = Uuid::now_v7();
        let text = serde_json::to_string(item)
            .map_err(|e| HqError::Invalid(format!("không ghi được: {e}")))?;
        let mut conn = self.conn()?;
        let mut tx = conn.transaction()?;
        super::check_audience(audience, |c| parent_of(&mut tx, c))?;
        let (to_province, to_office) = audience.columns();
        // Numbers are taken and committed one publisher at a time, so a
        // puller that has seen number N never misses a smaller one later.
        tx.batch_execute("LOCK TABLE published IN EXCLUSIVE MODE")?;
        let seq: i64 = tx
            .query_one(
                "INSERT INTO published (id, item, published_at, to_province, to_office)
                 VALUES ($1, $2, $3, $4, $5) RETURNING seq",
                &[&id.to_string(), &text, &now, &to_province, &to_office],
            )?
            .get(0);
        tx.commit()?;
        Ok(DownItem {
            seq,
            id,
            published_at: now.to_owned(),
            item: item.clone(),
        })
    }

    fn record_sync(&self, office: &str, now: &str) -> Result<(), HqError> {
        let mut conn = self.conn()?;
        conn.execute(
            "UPDATE office SET last_sync_at = $2 WHERE code = $1",
            &[&office, &now],
        )?;
        Ok(())
    }

    fn offices(&self) -> Result<Vec<OfficeRow>, HqError> {
        let mut conn = self.conn()?;
        let rows = conn.query(
            "SELECT o.code, o.name, o.province, o.created_at, o.revoked_at, o.last_sync_at,
                    (SELECT COUNT(*) FROM item i WHERE i.office_code = o.code), o.parent_code
             FROM office o ORDER BY o.code",
            &[],
        )?;
        Ok(rows
            .into_iter()
            .map(|r| OfficeRow {
                code: r.get(0),
                name: r.get(1),
                province: r.get(2),
                parent: r.get(7),
                created_at: r.get(3),
                revoked_at: r.get(4),
                last_sync_at: r.get(5),
                items: r.get(6),
            })
            .collect())
    }

    fn current_items(&self) -> Result<Vec<StoredItem>, HqError> {
        let mut conn = self.conn()?;
        let rows = conn.query(
            "SELECT DISTINCT ON (office_code, stream, key)
                    office_code, stream, key, revision, id, payload, received_at
             FROM item ORDER BY office_code, stream, key, revision DESC",
            &[],
        )?;
        Ok(rows.into_iter().map(|r| stored_item(&r)).collect())
    }

    fn newest_month_reports(&self) -> Result<Vec<StoredItem>, HqError> {
        let mut conn = self.conn()?;
        // One backward step down the primary key per office ('month;' is
        // the first key after every 'month:…').
        let rows = conn.query(
            "SELECT i.office_code, i.stream, i.key, i.revision, i.id, i.payload, i.received_at
             FROM office o CROSS JOIN LATERAL
                 (SELECT * FROM item j
                  WHERE j.office_code = o.code AND j.stream = 'report'
                    AND j.key >= 'month:' AND j.key < 'month;'
                  ORDER BY j.key DESC, j.revision DESC LIMIT 1) i
             ORDER BY o.code",
            &[],
        )?;
        Ok(rows.into_iter().map(|r| stored_item(&r)).collect())
    }

    fn count_items(&self, office: &str) -> Result<i64, HqError> {
        let mut conn = self.conn()?;
        Ok(conn
            .query_one(
                "SELECT COUNT(*) FROM item WHERE office_code = $1",
                &[&office],
            )?
            .get(0))
    }

    fn witness(&self, office: &str, head: &AuditHead, now: &str) -> Result<(), HqError> {
        let mut conn = self.conn()?;
        let mut tx = conn.transaction()?;
        if tx
            .query_opt(
                "SELECT 1 FROM office WHERE code = $1 FOR UPDATE",
                &[&office],
            )?
            .is_none()
        {
            return Err(HqError::UnknownOffice(office.to_owned()));
        }
        let last: Option<(i64, i64, String)> = tx
            .query_opt(
                "SELECT id, seq, hash FROM witness WHERE office_code = $1 ORDER BY id DESC LIMIT 1",
                &[&office],
            )?
            .map(|r| (r.get(0), r.get(1), r.get(2)));
        match &last {
            Some((id, seq, hash)) if *seq == head.seq && *hash == head.hash => {
                // The same head again (nothing logged since): one row is enough.
                tx.execute("UPDATE witness SET at = $2 WHERE id = $1", &[id, &now])?;
            }
            _ => {
                let regressed = last.as_ref().is_some_and(|(_, seq, hash)| {
                    head.seq < *seq || (head.seq == *seq && head.hash != *hash)
                });
                tx.execute(
                    "INSERT INTO witness (office_code, seq, hash, at, regressed) VALUES ($1, $2, $3, $4, $5)",
                    &[&office, &head.seq, &head.hash, &now, &regressed],
                )?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    fn witnessed(&self, office: &str) -> Result<(Option<Witnessed>, Vec<Regression>), HqError> {
        let mut conn = self.conn()?;
        let latest = conn
            .query_opt(
                "SELECT seq, hash, at FROM witness WHERE office_code = $1 ORDER BY id DESC LIMIT 1",
                &[&office],
            )?
            .map(|r| witnessed_row(&r, 0));
        let rows = conn.query(
            "SELECT w.seq, w.hash, w.at, p.seq, p.hash, p.at FROM witness w
             JOIN witness p ON p.id = (SELECT MAX(id) FROM witness
                                       WHERE office_code = w.office_code AND id < w.id)
             WHERE w.office_code = $1 AND w.regressed ORDER BY w.id DESC LIMIT $2",
            &[&office, &(MAX_REGRESSIONS as i64)],
        )?;
        let regressions = rows
            .iter()
            .map(|r| Regression {
                to: witnessed_row(r, 0),
                from: witnessed_row(r, 3),
            })
            .collect();
        Ok((latest, regressions))
    }

    fn add_staff(
        &self,
        username: &str,
        role: &str,
        password_hash: &str,
        now: &str,
    ) -> Result<(), HqError> {
        let mut conn = self.conn()?;
        let n = conn.execute(
            "INSERT INTO staff (username, role, password_hash, created_at) VALUES ($1, $2, $3, $4)
             ON CONFLICT (username) DO NOTHING",
            &[&username, &role, &password_hash, &now],
        )?;
        if n == 0 {
            return Err(HqError::StaffExists(username.to_owned()));
        }
        Ok(())
    }

    fn staff_account(&self, username: &str) -> Result<Option<StaffAccount>, HqError> {
        let mut conn = self.conn()?;
        Ok(conn
            .query_opt(
                "SELECT username, role, password_hash, failures, locked_until FROM staff WHERE username = $1",
                &[&username],
            )?
            .map(|r| StaffAccount {
                username: r.get(0),
                role: r.get(1),
                password_hash: r.get(2),
                failures: r.get(3),
                locked_until: r.get(4),
            }))
    }

    fn record_sign_in_failure(
        &self,
        username: &str,
        lock_after: i64,
        lock_until: i64,
    ) -> Result<bool, HqError> {
        let mut conn = self.conn()?;
        // One statement: concurrent wrong passwords are all counted.
        let locked = conn
            .query_opt(
                "UPDATE staff SET
                     failures = CASE WHEN failures + 1 >= $2 THEN 0 ELSE failures + 1 END,
                     locked_until = CASE WHEN failures + 1 >= $2 THEN $3 ELSE locked_until END
                 WHERE username = $1
                 RETURNING failures = 0",
                &[&username, &lock_after, &lock_until],
            )?
            .is_some_and(|r| r.get::<_, bool>(0));
        Ok(locked)
    }

    fn clear_sign_in_failures(&self, username: &str) -> Result<(), HqError> {
        let mut conn = self.conn()?;
        conn.execute(
            "UPDATE staff SET failures = 0, locked_until = NULL WHERE username = $1",
            &[&username],
        )?;
        Ok(())
    }

    fn add_api_token(
        &self,
        token_hash: &str,
        scope: &str,
        label: &str,
        now: &str,
    ) -> Result<(), HqError> {
        let mut conn = self.conn()?;
        conn.execute(
            "INSERT INTO api_token (token_hash, scope, label, created_at) VALUES ($1, $2, $3, $4)",
            &[&token_hash, &scope, &label, &now],
        )?;
        Ok(())
    }

    fn api_token(&self, token_hash: &str) -> Result<Option<ApiToken>, HqError> {
        let mut conn = self.conn()?;
        Ok(conn
            .query_opt(
                "SELECT scope, label, revoked_at IS NOT NULL FROM api_token WHERE token_hash = $1",
                &[&token_hash],
            )?
            .map(|r| ApiToken {
                scope: r.get(0),
                label: r.get(1),
                revoked: r.get(2),
            }))
    }

    fn revoke_api_token(&self, hash_prefix: &str, now: &str) -> Result<bool, HqError> {
        let mut conn = self.conn()?;
        let n = conn.execute(
            "UPDATE api_token SET revoked_at = COALESCE(revoked_at, $2)
             WHERE substr(token_hash, 1, length($1)) = $1",
            &[&hash_prefix, &now],
        )?;
        Ok(n == 1)
    }

    fn audit(&self, actor: &str, action: &str, detail: &str, now: &str) -> Result<(), HqError> {
        let mut conn = self.conn()?;
        conn.execute(
            "INSERT INTO staff_audit (at, actor, action, detail) VALUES ($1, $2, $3, $4)",
            &[&now, &actor, &action, &detail],
        )?;
        Ok(())
    }

    fn audit_entries(&self, limit: u32) -> Result<Vec<AuditEntry>, HqError> {
        let mut conn = self.conn()?;
        let rows = conn.query(
            "SELECT id, at, actor, action, detail FROM staff_audit ORDER BY id DESC LIMIT $1",
            &[&i64::from(limit)],
        )?;
        Ok(rows
            .into_iter()
            .map(|r| AuditEntry {
                id: r.get(0),
                at: r.get(1),
                actor: r.get(2),
                action: r.get(3),
                detail: r.get(4),
            })
            .collect())
    }
}
/// An item row as `SELECT office_code, stream, key, revision, id, payload,
/// received_at` gives it.
fn stored_item(r: &postgres::Row) -> StoredItem {
    StoredItem {
        office: r.get(0),
        stream: r.get(1),
        key: r.get(2),
        revision: r.get(3),
        id: r.get(4),
        payload: r.get(5),
        received_at: r.get(6),
    }
}
