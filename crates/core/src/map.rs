//! [`SortedMap`]: the maps a profile holds.

use crate::prelude::*;

use core::borrow::Borrow;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A small map kept as a vector sorted by key: a profile's fixed-text fields (one or two), its
/// pointer kinds (three at most) and a window model's features (about a hundred). Serialised
/// exactly like a `BTreeMap` (a JSON object in key order). Why not a `BTreeMap`: each of its
/// instantiations costs the browser's WebAssembly about 2 KB (insert, drop, search; twiggy),
/// and maps this small gain nothing from a tree.
#[derive(Debug, Clone, PartialEq)]
pub struct SortedMap<K, V> {
    entries: Vec<(K, V)>,
}

impl<K, V> Default for SortedMap<K, V> {
    fn default() -> Self {
        SortedMap {
            entries: Vec::new(),
        }
    }
}

impl<K: Ord, V> SortedMap<K, V> {
    /// An empty map.
    pub fn new() -> Self {
        Self::default()
    }

    fn find<Q: Ord + ?Sized>(&self, key: &Q) -> Result<usize, usize>
    where
        K: Borrow<Q>,
    {
        self.entries.binary_search_by(|(k, _)| k.borrow().cmp(key))
    }

    /// The value for `key`.
    pub fn get<Q: Ord + ?Sized>(&self, key: &Q) -> Option<&V>
    where
        K: Borrow<Q>,
    {
        self.find(key).ok().map(|i| &self.entries[i].1)
    }

    /// The value for `key`, made by `make` if there is none yet.
    pub fn get_or_insert_with(&mut self, key: K, make: impl FnOnce() -> V) -> &mut V {
        let i = match self.find(&key) {
            Ok(i) => i,
            Err(i) => {
                self.entries.insert(i, (key, make()));
                i
            }
        };
        &mut self.entries[i].1
    }

    /// The entries, for [`crate::pack`] (which checks their order after reading them).
    pub(crate) fn entries_mut(&mut self) -> &mut Vec<(K, V)> {
        &mut self.entries
    }

    /// Sets `key` to `value`, returning the value it replaced.
    pub fn insert(&mut self, key: K, value: V) -> Option<V> {
        match self.find(&key) {
            Ok(i) => Some(core::mem::replace(&mut self.entries[i].1, value)),
            Err(i) => {
                self.entries.insert(i, (key, value));
                None
            }
        }
    }

    /// Entries in key order.
    pub fn iter(&self) -> impl Iterator<Item = (&K, &V)> {
        self.entries.iter().map(|(k, v)| (k, v))
    }

    /// Values in key order.
    pub fn values(&self) -> impl Iterator<Item = &V> {
        self.entries.iter().map(|(_, v)| v)
    }

    /// Number of entries.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

impl<K: Ord, V> FromIterator<(K, V)> for SortedMap<K, V> {
    /// Later duplicates replace earlier ones, as in a `BTreeMap`.
    fn from_iter<I: IntoIterator<Item = (K, V)>>(iter: I) -> Self {
        let mut m = SortedMap::new();
        for (k, v) in iter {
            m.insert(k, v);
        }
        m
    }
}

impl<'a, K: Ord, V> IntoIterator for &'a SortedMap<K, V> {
    type Item = (&'a K, &'a V);
    type IntoIter =
        core::iter::Map<core::slice::Iter<'a, (K, V)>, fn(&'a (K, V)) -> (&'a K, &'a V)>;

    fn into_iter(self) -> Self::IntoIter {
        self.entries.iter().map(|(k, v)| (k, v))
    }
}

impl<K: Serialize, V: Serialize> Serialize for SortedMap<K, V> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_map(self.entries.iter().map(|(k, v)| (k, v)))
    }
}

impl<'de, K: Deserialize<'de> + Ord, V: Deserialize<'de>> Deserialize<'de> for SortedMap<K, V> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let m = alloc::collections::BTreeMap::<K, V>::deserialize(d)?;
        Ok(SortedMap {
            entries: m.into_iter().collect(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::collections::BTreeMap;

    proptest! {
        #[test]
        fn behaves_like_a_btree_map(ops in prop::collection::vec((0u8..20, any::<u16>()), 0..80)) {
            let mut ours = SortedMap::new();
            let mut std = BTreeMap::new();
            for (k, v) in ops {
                prop_assert_eq!(ours.insert(k, v), std.insert(k, v));
                // Wrapping: a value of u16::MAX is one the strategy draws.
                let o = ours.get_or_insert_with(k.wrapping_add(1), || 7);
                *o = o.wrapping_add(1);
                let s = std.entry(k.wrapping_add(1)).or_insert(7);
                *s = s.wrapping_add(1);
            }
            prop_assert!(ours.iter().eq(std.iter()));
            prop_assert_eq!(ours.len(), std.len());
            for k in 0..22u8 {
                prop_assert_eq!(ours.get(&k), std.get(&k));
            }
            prop_assert_eq!(serde_json::to_string(&ours.iter().map(|(k, v)| (k.to_string(), *v)).collect::<SortedMap<_, _>>()).unwrap(),
                serde_json::to_string(&std.iter().map(|(k, v)| (k.to_string(), *v)).collect::<BTreeMap<_, _>>()).unwrap());
        }
    }
}
