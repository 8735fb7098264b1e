//! Configuration: every flag also from the environment, checked once into [`Settings`].

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::Parser;
use telltale_core::ProfileParams;

use crate::token;

/// `telltale-server`'s command line (every flag also from the environment).
#[derive(Debug, Clone, Parser)]
#[command(name = "telltale-server", version, about = "Telltale's server")]
pub struct Config {
    /// Address to listen on.
    #[arg(long, env = "TELLTALE_LISTEN", default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,
    /// Database: a SQLite file path (`telltale.db`, `sqlite:telltale.db`) or a `postgres://` URL.
    #[arg(long = "db", env = "DATABASE_URL", default_value = "telltale.db")]
    pub database: String,
    /// Database connections per process (default: 4 for SQLite, 16 for PostgreSQL).
    #[arg(long, env = "TELLTALE_DB_CONNECTIONS")]
    pub db_connections: Option<u32>,
    /// Static files served at `/` (the demo portal and the reviewer dashboard).
    #[arg(long, env = "TELLTALE_WWW", default_value = "www")]
    pub www: PathBuf,
    /// The collector package served at `/pkg/`.
    #[arg(long, env = "TELLTALE_PKG", default_value = "pkg")]
    pub pkg: PathBuf,
    /// Days a summary is kept; older ones are deleted by the server itself.
    #[arg(long, env = "TELLTALE_RETENTION_DAYS", default_value_t = 30)]
    pub retention_days: u32,
    /// The key of the portal's login backend (creates and revokes sessions).
    #[arg(long, env = "TELLTALE_PORTAL_KEY", hide_env_values = true)]
    pub portal_key: Option<String>,
    /// The reviewers' key (review queue, users).
    #[arg(long, env = "TELLTALE_REVIEWER_KEY", hide_env_values = true)]
    pub reviewer_key: Option<String>,
    /// The secret that signs session tokens, shared by every replica (at least 32 bytes). When
    /// unset, one is drawn once and kept in the database, where every replica finds it.
    #[arg(long, env = "TELLTALE_TOKEN_SECRET", hide_env_values = true)]
    pub token_secret: Option<String>,
    /// Hours a session token is valid: a working day with its breaks.
    #[arg(long, env = "TELLTALE_SESSION_HOURS", default_value_t = 12)]
    pub session_hours: u32,
    /// Clean fixed-text entries (per field) before a profile scores them (see the README).
    #[arg(long, env = "TELLTALE_ENROLL_FIXED", default_value_t = 20)]
    pub enroll_fixed: u32,
    /// Windows (per modality) before a profile scores them (see the README).
    #[arg(long, env = "TELLTALE_ENROLL_WINDOWS", default_value_t = 20)]
    pub enroll_windows: u32,
    /// Summaries one session may send per minute.
    #[arg(long, env = "TELLTALE_MAX_SUMMARIES_PER_MINUTE", default_value_t = 600)]
    pub max_summaries_per_minute: u32,
    /// Connections open at once (more wait in the listen backlog): the default stays under the
    /// 1,024 file descriptors a process gets by default; raise it with that limit. Connections
    /// are short: an idle one closes after 10 s.
    #[arg(long, env = "TELLTALE_MAX_CONNECTIONS", default_value_t = crate::serve::DEFAULT_CONNECTIONS)]
    pub max_connections: u32,
    /// Demo mode: generates the keys it is not given and prints them, and serves the demo
    /// portal's stand-in login backend (`POST /demo/login`).
    #[arg(long, env = "TELLTALE_DEMO")]
    pub demo: bool,
    /// The demo portal's password (demo mode only).
    #[arg(long, env = "TELLTALE_DEMO_PASSWORD", default_value = "telltale-demo")]
    pub demo_password: String,
}

/// What the routes read: the configuration, checked.
#[derive(Debug, Clone)]
pub struct Settings {
    /// SHA-256 of the portal key.
    pub portal_key: [u8; 32],
    /// SHA-256 of the reviewer key.
    pub reviewer_key: [u8; 32],
    /// Session lifetime, ms.
    pub session_ms: i64,
    /// Retention of summaries, ms.
    pub retention_ms: i64,
    /// Profile parameters (enrollment counts).
    pub params: ProfileParams,
    /// Summaries per session per minute.
    pub max_per_minute: u32,
    /// The demo login's password, in demo mode.
    pub demo_password: Option<String>,
}

/// Shortest key accepted: 128 bits as 22 base64 or 32 hex characters are more than 16 bytes.
const MIN_KEY_LEN: usize = 16;
const DAY_MS: i64 = 86_400_000;

/// The keys in force: given, or (demo mode) generated and to be printed.
#[derive(Debug, Clone)]
pub struct Keys {
    /// Portal key.
    pub portal: String,
    /// Reviewer key.
    pub reviewer: String,
}

impl Config {
    /// The keys, generating the missing ones in demo mode.
    pub fn keys(&self) -> Result<Keys, String> {
        let pick = |given: &Option<String>, name: &str| match given {
            Some(k) if k.len() >= MIN_KEY_LEN => Ok(k.clone()),
            Some(_) => Err(format!("{name} must be at least {MIN_KEY_LEN} characters")),
            None if self.demo => Ok(token::random_hex(16)),
            None => Err(format!(
                "{name} is not set (there is no built-in key; `--demo` generates one)"
            )),
        };
        Ok(Keys {
            portal: pick(&self.portal_key, "TELLTALE_PORTAL_KEY")?,
            reviewer: pick(&self.reviewer_key, "TELLTALE_REVIEWER_KEY")?,
        })
    }

    /// Checks everything once.
    pub fn settings(&self, keys: &Keys) -> Result<Settings, String> {
        if keys.portal == keys.reviewer {
            return Err("the portal and reviewer keys must differ".into());
        }
        if !(1..=3650).contains(&self.retention_days) {
            return Err("--retention-days must be 1 to 3650".into());
        }
        if !(1..=24 * 30).contains(&self.session_hours) {
            return Err("--session-hours must be 1 to 720".into());
        }
        if !(1..=100_000).contains(&self.max_summaries_per_minute) {
            return Err("--max-summaries-per-minute must be 1 to 100000".into());
        }
        if !(1..=1_000_000).contains(&self.max_connections) {
            return Err("--max-connections must be 1 to 1000000".into());
        }
        let mut params = ProfileParams {
            enroll_fixed: self.enroll_fixed,
            enroll_windows: self.enroll_windows,
            ..ProfileParams::default()
        };
        // The fixed-text detector's warm-up ends five entries before enrollment does, so that
        // the last five calibrate its similarity scale (`ProfileParams::check` requires it).
        params.fixed.warmup = params.fixed.warmup.min(
            self.enroll_fixed
                .saturating_sub(telltale_core::score::MIN_CALIBRATION as u32),
        );
        let params = params
            .check()
            .map_err(|e| format!("--enroll-fixed / --enroll-windows: {e}"))?;
        Ok(Settings {
            portal_key: token::digest(keys.portal.as_bytes()),
            reviewer_key: token::digest(keys.reviewer.as_bytes()),
            session_ms: i64::from(self.session_hours) * 3_600_000,
            retention_ms: i64::from(self.retention_days) * DAY_MS,
            params,
            max_per_minute: self.max_summaries_per_minute,
            demo_password: self.demo.then(|| self.demo_password.clone()),
        })
    }
}

impl Settings {
    /// Settings for tests: fixed keys `portal-key-0123456789` and `reviewer-key-0123456789`,
    /// enrollment after 10 entries and windows, demo login on.
    pub fn for_tests() -> Settings {
        let config = Config::parse_from([
            "telltale-server",
            "--demo",
            "--enroll-fixed",
            "10",
            "--enroll-windows",
            "10",
        ]);
        let keys = Keys {
            portal: "portal-key-0123456789".into(),
            reviewer: "reviewer-key-0123456789".into(),
        };
        config.settings(&keys).expect("test settings are valid")
    }
}
