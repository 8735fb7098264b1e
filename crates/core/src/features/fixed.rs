//! Fixed-text samples: one positional timing vector per entry of a known text (the employee id on
//! the login form), laid out like the CMU keystroke benchmark.
//!
//! For presses `0..n` in keydown order the vector is
//! `H0, DD01, UD01, H1, DD12, UD12, …, H(n-1)`: hold (keydown to keyup), down-down (keydown to next
//! keydown) and up-down (keyup to next keydown, negative when keys overlap), `3n - 2` values in ms.

use crate::prelude::*;

use serde::{Deserialize, Serialize};

use super::stats::rounded;
use crate::event::{KeyClass, KeyEvent};

/// Most presses one entry may have; longer entries are not fixed text (a login id is short) and
/// are marked edited so they are never scored.
pub const MAX_PRESSES: usize = 64;

/// One entry of a fixed text.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FixedSample {
    /// The field's `data-telltale-fixed` name, chosen by the portal (never user content).
    pub field: String,
    /// The entry had corrections, a missing keyup or too many presses: kept for counts, never scored.
    pub edited: bool,
    /// `H0, DD01, UD01, H1, …` in ms (see the module docs).
    pub timings: Vec<f64>,
}

/// Builds the CMU-layout vector from presses `(down, up)` in keydown order, each timing
/// [`rounded`] as every reported statistic is.
pub fn timing_vector(presses: &[(f64, f64)]) -> Vec<f64> {
    let mut v = Vec::with_capacity((3 * presses.len()).saturating_sub(2));
    for (i, &(down, up)) in presses.iter().enumerate() {
        if i > 0 {
            let (pd, pu) = presses[i - 1];
            v.push(rounded(down - pd));
            v.push(rounded(down - pu));
        }
        v.push(rounded(up - down));
    }
    v
}

/// Collects the key events of one entry and turns them into a [`FixedSample`].
#[derive(Debug, Clone, Default)]
pub struct FixedEntry {
    presses: Vec<Press>,
    edited: bool,
}

#[derive(Debug, Clone, Copy)]
struct Press {
    id: u32,
    down: f64,
    up: Option<f64>,
}

impl FixedEntry {
    /// An empty entry.
    pub fn new() -> Self {
        Self::default()
    }

    /// Whether no key has been pressed yet.
    pub fn is_empty(&self) -> bool {
        self.presses.is_empty() && !self.edited
    }

    /// Adds one key event of this entry. Corrections mark the entry edited.
    pub fn push(&mut self, ev: &KeyEvent) {
        if ev.down {
            if ev.class == KeyClass::Delete || self.presses.len() >= MAX_PRESSES {
                self.edited = true;
                return;
            }
            self.presses.push(Press {
                id: ev.press,
                down: ev.t,
                up: None,
            });
        } else if let Some(p) = self
            .presses
            .iter_mut()
            .rev()
            .find(|p| p.id == ev.press && p.up.is_none())
        {
            p.up = Some(ev.t.max(p.down));
        }
    }

    /// Ends the entry (Enter, submit or blur). `None` for an entry with no presses. A press whose
    /// keyup never came marks the entry edited. The entry is reset for reuse.
    pub fn finish(&mut self, field: &str) -> Option<FixedSample> {
        let presses = core::mem::take(&mut self.presses);
        let mut edited = core::mem::take(&mut self.edited);
        if presses.is_empty() {
            return None;
        }
        let mut pairs = Vec::with_capacity(presses.len());
        for p in &presses {
            match p.up {
                Some(up) => pairs.push((p.down, up)),
                None => edited = true,
            }
        }
        Some(FixedSample {
            field: field.to_owned(),
            edited,
            timings: if edited {
                Vec::new()
            } else {
                timing_vector(&pairs)
            },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::event::trusted_key as key;

    #[test]
    fn rollover_gives_negative_up_down() {
        let mut e = FixedEntry::new();
        e.push(&key(0.0, true, 1, KeyClass::Digit));
        e.push(&key(80.0, true, 2, KeyClass::Digit));
        e.push(&key(100.0, false, 1, KeyClass::Digit));
        e.push(&key(170.0, false, 2, KeyClass::Digit));
        let s = e.finish("id").unwrap();
        assert!(!s.edited);
        assert_eq!(s.timings, vec![100.0, 80.0, -20.0, 90.0]);
    }

    #[test]
    fn corrections_and_missing_keyups_mark_edited() {
        let mut e = FixedEntry::new();
        e.push(&key(0.0, true, 1, KeyClass::Digit));
        e.push(&key(50.0, false, 1, KeyClass::Digit));
        e.push(&key(60.0, true, 2, KeyClass::Delete));
        assert!(e.finish("id").unwrap().edited);
        e.push(&key(0.0, true, 3, KeyClass::Digit));
        let s = e.finish("id").unwrap();
        assert!(s.edited && s.timings.is_empty());
        assert!(e.finish("id").is_none());
    }
}
