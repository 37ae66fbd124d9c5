//! `backchannel export`: an event's highlights written to a directory,
//! straight from the store (the server may be running or not): one file for
//! the whole event and one per session under `sessions/`, with progress on
//! stderr, one line per session.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::Context;

use super::highlights::{self, Export, SCHEMA_VERSION, Viewer};
use super::{Format, render};
use crate::domain::time::now_ms;
use crate::error::AppError;
use crate::store::{Store, audit, events, sessions};

fn app(err: AppError) -> anyhow::Error {
    anyhow::anyhow!(err.message)
}

/// Write `bytes` to `path` whole or not at all (a temporary file, then a rename).
fn write_file(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    let tmp = path.with_extension("partial");
    std::fs::write(&tmp, bytes).with_context(|| format!("writing {}", tmp.display()))?;
    std::fs::rename(&tmp, path).with_context(|| format!("writing {}", path.display()))
}

/// Export event `event_id` in `format` into `out`; `progress` gets one line
/// per session. Returns the files written.
pub async fn export_event(
    store: &Store,
    event_id: &str,
    format: Format,
    out: &Path,
    progress: &mut dyn Write,
) -> anyhow::Result<Vec<PathBuf>> {
    if !crate::domain::ids::is_id(event_id) {
        anyhow::bail!("no event {event_id}");
    }
    let id = event_id.to_string();
    let (event, session_ids) = store
        .read(move |conn| {
            let event = events::get(conn, &id)?.ok_or_else(|| AppError::not_found("event"))?;
            let ids: Vec<String> = sessions::list_for_event(conn, &id)?
                .into_iter()
                .map(|r| r.view.id)
                .collect();
            Ok((event, ids))
        })
        .await
        .map_err(app)?;
    let dir = out.join("sessions");
    std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    let mut written = Vec::new();
    let mut all = Vec::with_capacity(session_ids.len());
    let total = session_ids.len();
    for (i, session_id) in session_ids.into_iter().enumerate() {
        let export = store
            .read(move |conn| highlights::session(conn, &session_id, Viewer::Staff, 0, now_ms()))
            .await
            .map_err(app)?;
        let file = render(&export, format).map_err(app)?;
        let path = dir.join(format!("{:03}-{}", i + 1, file.filename));
        write_file(&path, &file.bytes)?;
        if let Some(s) = export.sessions.into_iter().next() {
            let _ = writeln!(progress, "[{}/{total}] {}", i + 1, s.title);
            all.push(s);
        }
        written.push(path);
    }
    let id = event_id.to_string();
    let audit = store
        .read(move |conn| Ok(audit::list(conn, &id)?))
        .await
        .map_err(app)?;
    let export = Export {
        schema_version: SCHEMA_VERSION,
        scope: "event",
        generated_at: now_ms(),
        event: highlights::event_info(event.clone()),
        sessions: all,
        audit: Some(audit),
    };
    let file = render(&export, format).map_err(app)?;
    let path = out.join(&file.filename);
    write_file(&path, &file.bytes)?;
    written.push(path);
    let (id, name, count) = (event.id, format.as_str(), total);
    store
        .write(move |tx| crate::webhooks::event_exported(tx.conn, &id, name, count, "cli", tx.now))
        .await
        .map_err(app)?;
    Ok(written)
}
