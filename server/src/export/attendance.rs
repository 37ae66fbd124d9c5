//! The attendance peak a takeaways pack reports. The hub knows how many
//! attendees are connected now; this records the highest count per session
//! in the store (`sessions.peak_attendance`), every [`RECORD_EVERY`] and when
//! a session ends, so a pack made later (or by the command line, with the
//! server stopped) still knows it.

use std::collections::HashMap;
use std::time::Duration;

use crate::error::AppResult;
use crate::state::AppState;
use crate::store::sessions;

/// How often the peak is checked and, when it rose, written.
pub const RECORD_EVERY: Duration = Duration::from_secs(5);

/// Write the peaks that rose since `written` (session id → last written).
pub async fn record(state: &AppState, written: &mut HashMap<String, i64>) -> AppResult<()> {
    let mut risen: Vec<(String, i64)> = state
        .hub()
        .rooms()
        .iter()
        .map(|room| {
            (
                room.session_id.to_string(),
                state.hub().attendees(&room.session_id),
            )
        })
        .filter(|(id, n)| *n > written.get(id).copied().unwrap_or(0))
        .collect();
    if risen.is_empty() {
        return Ok(());
    }
    // Sessions in a fixed order, so row locks are taken in the same order everywhere.
    risen.sort();
    let batch = risen.clone();
    state
        .store()
        .write(move |tx| {
            for (id, n) in &batch {
                sessions::record_peak(tx.conn, id, *n)?;
            }
            Ok(())
        })
        .await?;
    written.retain(|id, _| state.hub().room(id).is_some());
    written.extend(risen);
    Ok(())
}

/// Record peaks until shutdown.
pub async fn run(state: AppState) {
    let mut written = HashMap::new();
    let mut tick = tokio::time::interval(RECORD_EVERY);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    loop {
        tokio::select! {
            _ = tick.tick() => {
                if let Err(err) = record(&state, &mut written).await {
                    tracing::warn!(error = %err.message, "could not record attendance peaks");
                }
            }
            _ = state.shutdown().cancelled() => break,
        }
    }
}
