//! Retention: the server itself deletes summaries older than the retention period, and the
//! sessions (with the scorers handed to them) that expired longer ago than that, except a flag no
//! reviewer has resolved yet: it stays in the queue (its summaries go all the same) until one does.

use std::time::Duration;

use crate::db::now_ms;
use crate::state::AppState;

/// How often the purge runs: hourly keeps the oldest row within an hour of the period.
pub const PURGE_EVERY: Duration = Duration::from_secs(3600);

/// Rows deleted by one purge.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Purged {
    /// Summaries.
    pub summaries: u64,
    /// Sessions.
    pub sessions: u64,
}

/// Deletes what is past retention at `now` (ms since the epoch).
pub async fn purge(st: &AppState, now: i64) -> Result<Purged, sqlx::Error> {
    let cutoff = now - st.settings.retention_ms;
    let mut w = st.store.write().await?;
    let summaries = sqlx::query("DELETE FROM summaries WHERE received_ms < $1")
        .bind(cutoff)
        .execute(&mut *w.tx)
        .await?
        .rows_affected();
    sqlx::query("DELETE FROM fingerprints WHERE received_ms < $1")
        .bind(cutoff)
        .execute(&mut *w.tx)
        .await?;
    // Also any scorer whose session is gone: a hand-out checks its session, but an erase
    // committing beside it (read committed, on PostgreSQL) can still leave one.
    sqlx::query(
        "DELETE FROM handed WHERE session_id IN (SELECT id FROM sessions WHERE expires_ms < $1) \
         OR session_id NOT IN (SELECT id FROM sessions)",
    )
    .bind(cutoff)
    .execute(&mut *w.tx)
    .await?;
    // An open flag is not deleted unseen: a takeover found on a reviewer's holiday is still a
    // takeover. What it keeps is the session row (the flags, the lowest score's reasons), no
    // behaviour; it goes at the first purge after its verdict.
    let sessions = sqlx::query("DELETE FROM sessions WHERE expires_ms < $1 AND status <> 'open'")
        .bind(cutoff)
        .execute(&mut *w.tx)
        .await?
        .rows_affected();
    sqlx::query("DELETE FROM verdicts WHERE session_id NOT IN (SELECT id FROM sessions)")
        .execute(&mut *w.tx)
        .await?;
    w.commit().await?;
    Ok(Purged {
        summaries,
        sessions,
    })
}

/// Runs [`purge`] now and every [`PURGE_EVERY`] until the process ends.
pub async fn run(st: AppState) {
    let mut tick = tokio::time::interval(PURGE_EVERY);
    loop {
        tick.tick().await;
        match purge(&st, now_ms()).await {
            Ok(p) => tracing::info!(
                summaries = p.summaries,
                sessions = p.sessions,
                "retention purge"
            ),
            Err(e) => tracing::warn!(error = %e, "retention purge failed"),
        }
    }
}
