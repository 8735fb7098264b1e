//! The database: one pool through sqlx's `Any` driver, so that one set of queries (with `$1`
//! placeholders, which SQLite reads too) and one set of migrations serve SQLite and PostgreSQL.
//!
//! Nothing lives only in one process's memory: several server processes on one PostgreSQL work
//! together. Writes that read-modify-write (a profile, a session's trust) are optimistic: each
//! row carries a version or revision, an update names the one it read, and a transaction that
//! finds it changed is rolled back and retried ([`Store::retry`]). So concurrent updates of one
//! user's profile lose nothing, on either database, without engine-specific locking.

use std::str::FromStr;
use std::time::Duration;

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{AnyPool, ConnectOptions, Executor};

use crate::token;

/// Which database a pool talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// SQLite: one file, WAL.
    Sqlite,
    /// PostgreSQL.
    Postgres,
}

/// The pool and what it talks to.
#[derive(Debug, Clone)]
pub struct Store {
    /// The pool.
    pub pool: AnyPool,
    /// The database.
    pub kind: Kind,
    /// SQLite takes one writer at a time: a second one waits in SQLite's busy handler, which
    /// sleeps 1, 2, 5, 10 … 100 ms between tries, so under load a few writes waited 100 ms or
    /// more. Within a process the writers queue here instead and go on the moment the lock is
    /// free (other processes on the same file still meet the busy handler). `None` for
    /// PostgreSQL, whose row locks let writers of different rows proceed together.
    writer: Option<std::sync::Arc<tokio::sync::Mutex<()>>>,
}

/// A write transaction, holding the process's SQLite writer turn (if any) until it ends.
pub struct Write<'a> {
    /// The transaction.
    pub tx: sqlx::Transaction<'a, sqlx::Any>,
    _turn: Option<tokio::sync::OwnedMutexGuard<()>>,
}

impl Write<'_> {
    /// Commits.
    pub async fn commit(self) -> Result<(), sqlx::Error> {
        self.tx.commit().await
    }
}

/// Attempts of one optimistic transaction before giving up with a 503 (the collector retries).
/// Each conflict means another request committed; with the backoff below, 30 attempts span
/// about a second, which six writers hammering one user's profile from two processes (the
/// replica test) stay well inside.
const MAX_ATTEMPTS: u32 = 30;
/// Longest pause between attempts, ms.
const MAX_BACKOFF_MS: u64 = 50;

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

/// A database URL from what the operator wrote: a `postgres://` URL is kept, a `sqlite:` URL
/// gets `mode=rwc` (create the file), and a bare path is a SQLite file.
pub fn url(database: &str) -> (String, Kind) {
    if database.starts_with("postgres://") || database.starts_with("postgresql://") {
        return (database.to_owned(), Kind::Postgres);
    }
    let path = database
        .strip_prefix("sqlite://")
        .or_else(|| database.strip_prefix("sqlite:"))
        .unwrap_or(database);
    let sep = if path.contains('?') { '&' } else { '?' };
    (format!("sqlite://{path}{sep}mode=rwc"), Kind::Sqlite)
}

/// Creates a new SQLite database file readable by its owner only (0600): it holds the
/// token-signing secret and every worker's profile. SQLite gives the WAL and shared-memory files
/// the database file's permissions. An existing file is left as it is; `:memory:` has none.
fn private_file(url: &str) {
    use std::str::FromStr;
    // The path as sqlx will open it (percent-decoded: `%20` is a space), so that the file made
    // here is the one SQLite uses, not a sibling named with the escapes.
    let Ok(options) = sqlx::sqlite::SqliteConnectOptions::from_str(url) else {
        return; // refused again, with its reason, when the pool connects
    };
    let path = options.get_filename();
    if path.as_os_str().is_empty() || url.contains(":memory:") || url.contains("mode=memory") {
        return;
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
        // `create_new`: never truncates; a file that exists (or cannot be made) is SQLite's
        // to open or to refuse.
        let made = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(path);
        if made.is_err() {
            if let Ok(m) = std::fs::metadata(path) {
                if m.permissions().mode() & 0o077 != 0 {
                    tracing::warn!(
                        path = %path.display(),
                        "the database file can be read by other users: it holds the token secret and every profile (chmod 600)"
                    );
                }
            }
        }
    }
}

impl Store {
    /// Connects and brings the schema up to date.
    pub async fn connect(database: &str, connections: Option<u32>) -> Result<Store, sqlx::Error> {
        sqlx::any::install_default_drivers();
        let (url, kind) = url(database);
        if kind == Kind::Sqlite {
            private_file(&url);
        }
        // SQLite writes one transaction at a time whatever the pool, and readers never block
        // in WAL mode: a few connections serve the dashboard's reads beside the writer.
        // PostgreSQL: 16 per process, well under its default 100 with several replicas.
        let max = connections.unwrap_or(match kind {
            Kind::Sqlite => 4,
            Kind::Postgres => 16,
        });
        let options = AnyConnectOptions::from_str(&url)?.disable_statement_logging();
        let pool = AnyPoolOptions::new()
            .max_connections(max)
            .acquire_timeout(Duration::from_secs(10))
            .after_connect(move |conn, _| {
                Box::pin(async move {
                    if kind == Kind::Sqlite {
                        // WAL: readers do not block the writer. synchronous=NORMAL: a commit
                        // survives a crash of the process (the WAL is written before COMMIT
                        // returns); only a power loss can lose the last commits (SQLite docs,
                        // "WAL mode"). busy_timeout: a second writer waits instead of failing.
                        // wal_autocheckpoint = 0: the committing writer no longer copies the WAL
                        // into the database every 1,000 pages (4 MB: every ~130 batches of the
                        // load bench, each time under the write lock); a background task does
                        // it without blocking anyone (`checkpoints`). cache_size: 64 MiB of
                        // pages per connection, so the indexes stay in memory.
                        conn.execute(
                            "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; \
                             PRAGMA busy_timeout = 5000; PRAGMA wal_autocheckpoint = 0; \
                             PRAGMA cache_size = -65536;",
                        )
                        .await?;
                    }
                    Ok(())
                })
            })
            .connect_with(options)
            .await?;
        MIGRATOR.run(&pool).await?;
        let writer = (kind == Kind::Sqlite).then(Default::default);
        Ok(Store { pool, kind, writer })
    }

    /// The token-signing secret every replica shares: drawn by the first process and kept in
    /// `settings` (an insert that loses the race keeps the winner's).
    pub async fn token_secret(&self) -> Result<String, sqlx::Error> {
        sqlx::query(
            "INSERT INTO settings (name, value) VALUES ('token_secret', $1) \
             ON CONFLICT (name) DO NOTHING",
        )
        .bind(token::random_hex(32))
        .execute(&self.pool)
        .await?;
        sqlx::query_scalar("SELECT value FROM settings WHERE name = 'token_secret'")
            .fetch_one(&self.pool)
            .await
    }

    /// Runs `attempt` until it commits: `Ok(Some(v))` is done, `Ok(None)` means it found a row
    /// changed by another request since it read it (and rolled back), so it runs again.
    pub async fn retry<T, F, Fut>(&self, mut attempt: F) -> Result<T, crate::ApiError>
    where
        F: FnMut() -> Fut,
        Fut: std::future::Future<Output = Result<Option<T>, crate::ApiError>>,
    {
        for n in 0..MAX_ATTEMPTS {
            match attempt().await {
                Ok(Some(v)) => return Ok(v),
                Ok(None) => tracing::debug!(attempt = n, "write conflict, retrying"),
                Err(crate::ApiError::Internal(e)) if self.is_transient(&e) => {
                    tracing::debug!(attempt = n, "transient database error, retrying")
                }
                Err(e) => return Err(e),
            }
            // A random pause, longer each time ("full jitter"), so that writers that collided
            // do not collide again in lockstep.
            let ceiling = (1u64 << n.min(6)).min(MAX_BACKOFF_MS);
            let mut b = [0u8; 8];
            getrandom::fill(&mut b).expect("the operating system's random generator");
            let ms = 1 + u64::from_le_bytes(b) % ceiling;
            tokio::time::sleep(Duration::from_millis(ms)).await;
        }
        Err(crate::ApiError::Unavailable(
            "too many concurrent writes; retry".into(),
        ))
    }

    /// Errors a retry cures: SQLite's busy/locked (a writer that raced another) and
    /// PostgreSQL's serialization failure and deadlock.
    fn is_transient(&self, e: &str) -> bool {
        e.contains("database is locked")
            || e.contains("database is busy")
            || e.contains("(code: 5)")
            || e.contains("40001")
            || e.contains("40P01")
    }

    /// SQLite: copies the write-ahead log into the database every 250 ms (small steps: each
    /// copies what a quarter second wrote), in PASSIVE mode (it
    /// waits for no reader or writer), until the process ends. Every process on the file runs
    /// one; with `wal_autocheckpoint = 0` nothing else does. Nothing to do for PostgreSQL. It
    /// ends when the pool is closed (shutdown: closing it checkpoints what is left).
    pub async fn checkpoints(self) {
        if self.kind != Kind::Sqlite {
            return;
        }
        let mut tick = tokio::time::interval(Duration::from_millis(250));
        loop {
            tick.tick().await;
            if self.pool.is_closed() {
                return;
            }
            if let Err(e) = sqlx::query("PRAGMA wal_checkpoint(PASSIVE)")
                .execute(&self.pool)
                .await
            {
                tracing::warn!(error = %e, "WAL checkpoint failed");
            }
        }
    }

    /// Begins a write transaction (on SQLite, after this process's other writers).
    pub async fn write(&self) -> Result<Write<'static>, sqlx::Error> {
        let turn = match &self.writer {
            Some(m) => Some(m.clone().lock_owned().await),
            None => None,
        };
        Ok(Write {
            tx: self.pool.begin().await?,
            _turn: turn,
        })
    }

    /// Rows in `table` (tests and benchmarks).
    pub async fn count(&self, table: &str) -> Result<i64, sqlx::Error> {
        assert!(
            [
                "settings",
                "sessions",
                "summaries",
                "profiles",
                "handed",
                "verdicts"
            ]
            .contains(&table),
            "a table of ours"
        );
        sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {table}"))
            .fetch_one(&self.pool)
            .await
    }

    /// Closes the pool (waits for connections in use).
    pub async fn close(&self) {
        self.pool.close().await;
    }
}

/// Milliseconds since the Unix epoch.
pub fn now_ms() -> i64 {
    let d = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX)
}

/// RFC 3339 text of a time in ms since the epoch.
pub fn rfc3339(ms: i64) -> String {
    let t = time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
        .unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
    t.format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

impl Store {
    /// `sqlite` or `postgres`, for logs.
    pub fn kind_name(&self) -> &'static str {
        match self.kind {
            Kind::Sqlite => "sqlite",
            Kind::Postgres => "postgres",
        }
    }
}
