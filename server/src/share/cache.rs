//! Rendered cards, kept in memory after their first render.
//!
//! Keyed by the card's content hash ([`super::card::Card::content_hash`]):
//! a changed text hashes differently, so an edit never serves a stale card
//! and nothing has to be invalidated by hand. Bounded by count and bytes;
//! the oldest entries go first. Whether a card may be shown at all is
//! decided before the cache is asked (an unpublished archive answers 404
//! whatever is cached).

use std::collections::{HashMap, VecDeque};
use std::sync::Arc;

use parking_lot::Mutex;

use super::card::Card;
use crate::error::AppResult;

/// Cards kept at most.
const MAX_ENTRIES: usize = 512;
/// Bytes of PNG kept at most.
const MAX_BYTES: usize = 48 * 1024 * 1024;

/// A bounded cache of rendered cards, shared by every request.
#[derive(Default)]
pub struct CardCache {
    inner: Mutex<Entries>,
}

#[derive(Default)]
struct Entries {
    map: HashMap<String, Arc<Vec<u8>>>,
    order: VecDeque<String>,
    bytes: usize,
}

impl CardCache {
    /// The PNG of `card`, rendered now if it is not cached (rendering runs
    /// on a blocking thread, outside the lock).
    pub async fn png(&self, card: Card) -> AppResult<Arc<Vec<u8>>> {
        let key = card.content_hash();
        if let Some(hit) = self.inner.lock().map.get(&key) {
            return Ok(hit.clone());
        }
        let bytes = tokio::task::spawn_blocking(move || card.render())
            .await
            .map_err(crate::error::AppError::internal)??;
        let bytes = Arc::new(bytes);
        let mut entries = self.inner.lock();
        if !entries.map.contains_key(&key) {
            entries.bytes += bytes.len();
            entries.map.insert(key.clone(), bytes.clone());
            entries.order.push_back(key);
            while entries.order.len() > MAX_ENTRIES || entries.bytes > MAX_BYTES {
                let Some(old) = entries.order.pop_front() else {
                    break;
                };
                if let Some(gone) = entries.map.remove(&old) {
                    entries.bytes -= gone.len();
                }
            }
        }
        Ok(bytes)
    }

    /// How many cards are cached (for tests and metrics).
    pub fn len(&self) -> usize {
        self.inner.lock().map.len()
    }

    /// Whether nothing is cached.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}
