//! The send queue: summaries wait here as JSON until the server has them. Bounded, oldest
//! dropped first (and counted); batches and beacon chunks are packed under their size limits.

use crate::prelude::*;
use telltale_core::text::cat;

/// Largest beacon body: docs/design.md's 16 KiB, well inside the 64 KiB that browsers allow for all
/// beacons and keepalive requests in flight together.
pub const BEACON_LIMIT: usize = 16 * 1024;
/// Largest `fetch` batch: `keepalive` requests share the same 64 KiB in-flight quota (Fetch
/// spec, "keepalive"); 48 KiB leaves room for one beacon besides.
pub const FETCH_LIMIT: usize = 48 * 1024;
/// First retry after 1 s, doubling up to 60 s (exponential backoff with "equal jitter": half the
/// delay fixed, half random; AWS Architecture Blog, "Exponential Backoff and Jitter", 2015).
const BACKOFF_BASE_MS: f64 = 1000.0;
const BACKOFF_MAX_MS: f64 = 60_000.0;

/// Delay before retry number `attempt` (0-based), given a uniform random number in [0, 1).
pub fn backoff_ms(attempt: u32, random: f64) -> f64 {
    let d = (BACKOFF_BASE_MS * f64::from(1u32 << attempt.min(16))).min(BACKOFF_MAX_MS);
    d / 2.0 + random.clamp(0.0, 1.0) * d / 2.0
}

/// One queued summary.
#[derive(Debug, Clone, PartialEq)]
struct Item {
    id: u64,
    json: String,
}

/// A packed body: the ids it holds and the JSON array text.
#[derive(Debug, Clone, PartialEq)]
pub struct Packed {
    /// Ids of the summaries inside.
    pub ids: Vec<u64>,
    /// `[summary, summary, …]`.
    pub body: String,
}

/// The bounded queue.
#[derive(Debug)]
pub struct Queue {
    items: Vec<Item>,
    max: usize,
    next_id: u64,
    /// Summaries dropped because the queue was full.
    pub dropped: u32,
}

impl Queue {
    /// A queue of at most `max` summaries.
    pub fn new(max: usize) -> Self {
        Queue {
            items: Vec::with_capacity(max.min(64)),
            max: max.max(1),
            next_id: 0,
            dropped: 0,
        }
    }

    /// Summaries waiting.
    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// Whether nothing waits.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// Adds a summary's JSON, dropping the oldest when full.
    pub fn push(&mut self, json: String) {
        if self.items.len() >= self.max {
            // A `Vec`, not a `VecDeque`: dropping the oldest moves the rest down (at most
            // `maxQueue`, 10,000, small entries, once per window), and the ring buffer's
            // own code was 0.55 KB gzipped of WebAssembly (measured).
            self.items.remove(0);
            self.dropped += 1;
        }
        self.items.push(Item {
            id: self.next_id,
            json,
        });
        self.next_id += 1;
    }

    /// Removes the summaries the server acknowledged (some may already have been dropped).
    pub fn remove(&mut self, ids: &[u64]) {
        self.items.retain(|i| !ids.contains(&i.id));
    }

    /// Packs queued summaries, oldest first, into at most `bodies` bodies of at most `limit`
    /// bytes each (a single summary larger than `limit` gets a body of its own). A `fetch` takes
    /// one body: packing only that keeps each send's work to one batch, however long the queue
    /// (up to 10,000 summaries waiting after a long time offline).
    pub fn pack(&self, limit: usize, bodies: usize) -> Vec<Packed> {
        let mut out: Vec<Packed> = Vec::new();
        for item in &self.items {
            let full = out.len() >= bodies;
            match out.last_mut() {
                Some(p) if p.body.len() + 1 + item.json.len() <= limit => {
                    p.body.pop();
                    p.body.push(',');
                    p.body.push_str(&item.json);
                    p.body.push(']');
                    p.ids.push(item.id);
                }
                _ if full => break,
                _ => out.push(Packed {
                    ids: vec![item.id],
                    body: cat(&["[", &item.json, "]"]),
                }),
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounded_and_drops_oldest() {
        let mut q = Queue::new(3);
        for i in 0..5 {
            q.push(format!("{{\"seq\":{i}}}"));
        }
        assert_eq!((q.len(), q.dropped), (3, 2));
        let p = q.pack(1000, usize::MAX);
        assert_eq!(p.len(), 1);
        assert_eq!(p[0].body, r#"[{"seq":2},{"seq":3},{"seq":4}]"#);
        q.remove(&p[0].ids);
        assert!(q.is_empty());
    }

    #[test]
    fn packs_under_the_limit() {
        let mut q = Queue::new(100);
        for _ in 0..10 {
            q.push("x".repeat(100));
        }
        let p = q.pack(350, usize::MAX);
        assert!(p.iter().all(|p| p.body.len() <= 350));
        assert_eq!(p.iter().map(|p| p.ids.len()).sum::<usize>(), 10);
        assert_eq!(p.len(), 4);
        // Only the first body, when only one is wanted.
        assert_eq!(q.pack(350, 1), p[..1]);
        assert_eq!(q.pack(350, 2), p[..2]);
    }

    #[test]
    fn backoff_grows_and_is_capped() {
        assert_eq!(backoff_ms(0, 0.0), 500.0);
        assert_eq!(backoff_ms(0, 1.0), 1000.0);
        assert_eq!(backoff_ms(3, 0.5), 6000.0);
        assert_eq!(backoff_ms(30, 1.0), 60_000.0);
    }
}
