//! What every route shares: the database, the settings, the token signer and the metrics.

use std::sync::Arc;

use crate::config::Settings;
use crate::db::Store;
use crate::metrics::Metrics;
use crate::token::Signer;

/// The application state (cheap to clone: handles and `Arc`s).
#[derive(Debug, Clone)]
pub struct AppState {
    /// The database.
    pub store: Store,
    /// The checked configuration.
    pub settings: Arc<Settings>,
    /// Signs and checks session tokens.
    pub signer: Signer,
    /// Counters and histograms.
    pub metrics: Metrics,
}

impl AppState {
    /// Connects to `database`, brings its schema up to date, and takes the token secret from
    /// `secret` or (when `None`) from the database, where every replica finds the same one.
    pub async fn new(
        database: &str,
        connections: Option<u32>,
        settings: Settings,
        secret: Option<&str>,
    ) -> Result<AppState, String> {
        let store = Store::connect(database, connections)
            .await
            .map_err(|e| format!("database {database}: {e}"))?;
        let secret = match secret {
            Some(s) => s.to_owned(),
            None => store
                .token_secret()
                .await
                .map_err(|e| format!("token secret: {e}"))?,
        };
        Ok(AppState {
            store,
            settings: Arc::new(settings),
            signer: Signer::new(secret.as_bytes())?,
            metrics: Metrics::new(),
        })
    }
}
