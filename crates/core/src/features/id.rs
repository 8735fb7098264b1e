//! [`FeatureId`]: which window feature a value is, as a number.
//!
//! The browser computes a window's features only to look each up in the profile's scorer, so it
//! needs an identity, not words: building every feature's name and label as strings per window
//! was 1.2 KB of the collector's gzipped WebAssembly (measured by leaving them empty). A feature is
//! therefore a small number; its stable name (`key.hold.letter_right.q50`, the key of a profile's
//! statistics, stored by the server) and its words for a reviewer ("hold times of right-hand
//! letters") are computed from the number where they are needed: on the server, which stores
//! profiles by name and hands the browser each scored feature's words inside the scorer
//! ([`crate::scorer`]).
//!
//! Numbering (kept by a test that every number has a name, every name one number):
//! - free text: hold medians per key class from 0, hold spreads from 9, down-down medians per
//!   class pair from 18, up-down medians from 99, then speed 180, bursts 181, corrections 182;
//! - pointer, per kind `k` (mouse, pen, touch) from `1000 + 100·k`: each action feature `i`
//!   ([`ACTION_FEATURES`]) at quartile `j` (q25, q50, q75) at `3i + j`, the press timings
//!   (button hold, pause before a press, pause after a release) at `60 + 3m + j`, the share of
//!   movements ending in a click at 90.

use crate::prelude::*;
use crate::text::cat;

use crate::event::{KeyClass, PointerKind};
use crate::features::pointer::{ACTION_FEATURES, ACTION_LABELS};

/// A window feature's identity (see the module docs).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct FeatureId(pub u32);

const CLASSES: u32 = KeyClass::COUNT as u32;
const HOLD_Q50: u32 = 0;
const HOLD_IQR: u32 = HOLD_Q50 + CLASSES;
const DD_Q50: u32 = HOLD_IQR + CLASSES;
const UD_Q50: u32 = DD_Q50 + CLASSES * CLASSES;
const KEY_SPEED: u32 = UD_Q50 + CLASSES * CLASSES;
const KEY_BURST: u32 = KEY_SPEED + 1;
const KEY_CORRECTIONS: u32 = KEY_BURST + 1;
/// Where pointer features start, and the room per pointer kind.
const POINTER: u32 = 1000;
const PER_KIND: u32 = 100;
const PRESS: u32 = 60;
const CLICK_SHARE: u32 = 90;

/// Quartiles of the pointer features: their names' suffixes.
const QUARTILES: [&str; 3] = ["q25", "q50", "q75"];

/// The press timings of a pointer window: name, words, and the words for each quartile.
pub(crate) const PRESS_TIMINGS: [&str; 3] = ["press_hold", "pre_press", "post_release"];
const PRESS_LABELS: [&str; 3] = [
    "button hold times",
    "pauses before a press",
    "pauses after a release",
];

/// The weight of each compared pointer feature in a window's score, by its offset within its
/// pointer kind (the upper quartile of action feature `i` at `3i + 2`, the press timings'
/// quartiles at 60 to 68, the click share at 90; see the module docs); an offset not listed (a
/// quartile no window compares) counts 1.
///
/// Each is `i / g − 1`, scaled so that the mean over the 24 is 1 and rounded to 0.1: `g` is the
/// mean z² (each capped at 100, so that a spread at its floor cannot decide it) of the feature in
/// a user's genuine windows from the user's other session, `i` the same in other users' windows,
/// both against the user's profile, pooled over SapiMouse's development half at 15, 30 and 60 s
/// (`telltale-eval pointer --users dev`). Under a normal model the evidence a squared deviation
/// gives is proportional to `1/g − 1/i` per unit of `z²`; `i / g − 1` is that per unit of `z² /
/// g`, and a feature in which the user's own next session deviates as far as an impostor does (`i
/// = g`) tells nothing and counts 0. Within one session every feature's z has spread 1 by
/// construction; across sessions the user's own windows deviate 1.5 (straightness) to 6 times
/// (movement duration) as much in z², and an impostor's 3.4 (the click share) to 29 times (jerk).
/// Press hold's lower quartile separates best (a weight of 3.0), the click share least (0.1).
/// One-class AUC at 15 / 30 / 60 s, development half: 0.911 0.952 0.974 with every feature at 1,
/// 0.930 0.967 0.980 with these (a count's factor to the power ¼, model `telltale-9`); fitted on
/// random halves of the development half and measured on the other (six splits), +0.017 +0.014
/// +0.005 on average, and the held-out half, which none of this saw, is in docs/figures.md
/// ("SapiMouse"). Pen and touch have no such data; they take the mouse's.
const POINTER_WEIGHTS: [(u32, f64); 24] = [
    (2, 0.5),  // movement duration
    (5, 0.8),  // movement length
    (8, 0.5),  // straightness
    (11, 0.6), // speed
    (14, 0.7), // speed spread
    (17, 0.7), // peak speed
    (20, 1.2), // acceleration
    (23, 1.4), // acceleration spread
    (26, 1.9), // jerk
    (29, 0.8), // curvature
    (32, 1.7), // turning speed
    (35, 0.3), // deviation from the chord
    (38, 0.3), // sharp turns
    (41, 0.7), // time to peak speed
    (60, 3.0), // button hold, q25
    (61, 1.5), // q50
    (62, 0.4), // q75
    (63, 1.6), // pause before a press, q25
    (64, 2.0), // q50
    (65, 1.3), // q75
    (66, 1.0), // pause after a release, q25
    (67, 0.8), // q50
    (68, 0.7), // q75
    (90, 0.1), // click share
];

impl FeatureId {
    /// Free text: the median (or, with `spread`, the interquartile range) of hold times of a
    /// key class.
    pub fn key_hold(class: KeyClass, spread: bool) -> Self {
        let base = if spread { HOLD_IQR } else { HOLD_Q50 };
        FeatureId(base + class.index() as u32)
    }

    /// Free text: the median down-down (or, with `up_down`, up-down) time of a class pair.
    pub fn key_pair(from: KeyClass, to: KeyClass, up_down: bool) -> Self {
        let base = if up_down { UD_Q50 } else { DD_Q50 };
        FeatureId(base + from.index() as u32 * CLASSES + to.index() as u32)
    }

    /// Free text: typing speed.
    pub const KEY_SPEED: FeatureId = FeatureId(KEY_SPEED);
    /// Free text: keys per burst.
    pub const KEY_BURST: FeatureId = FeatureId(KEY_BURST);
    /// Free text: correction rate.
    pub const KEY_CORRECTIONS: FeatureId = FeatureId(KEY_CORRECTIONS);

    /// Whether this is a pointer feature (else free text).
    pub fn is_pointer(self) -> bool {
        self.0 >= POINTER
    }

    fn pointer(kind: PointerKind, offset: u32) -> Self {
        FeatureId(POINTER + PER_KIND * kind as u32 + offset)
    }

    /// Pointer: quartile `q` (0-2) of action feature `i` ([`ACTION_FEATURES`]).
    pub fn pointer_action(kind: PointerKind, i: usize, q: usize) -> Self {
        Self::pointer(kind, 3 * i as u32 + q as u32)
    }

    /// Pointer: quartile `q` (0-2) of press timing `m` (button hold, pause before a press,
    /// pause after a release).
    pub fn pointer_press(kind: PointerKind, m: usize, q: usize) -> Self {
        Self::pointer(kind, PRESS + 3 * m as u32 + q as u32)
    }

    /// Pointer: the share of movements ending in a click.
    pub fn pointer_click_share(kind: PointerKind) -> Self {
        Self::pointer(kind, CLICK_SHARE)
    }

    /// Every feature there is, in increasing order.
    pub fn all() -> impl Iterator<Item = FeatureId> {
        let keys = (0..=KEY_CORRECTIONS).map(FeatureId);
        let pointer = PointerKind::ALL.into_iter().flat_map(|kind| {
            let actions = (0..ACTION_FEATURES.len())
                .flat_map(move |i| (0..3).map(move |q| Self::pointer_action(kind, i, q)));
            let presses = (0..PRESS_TIMINGS.len())
                .flat_map(move |m| (0..3).map(move |q| Self::pointer_press(kind, m, q)));
            actions
                .chain(presses)
                .chain([Self::pointer_click_share(kind)])
        });
        keys.chain(pointer)
    }

    /// How much this feature's surprise counts in a window's score ([`crate::detect::mean_surprise`]).
    /// A class pair's down-down and up-down medians count half each, so the pair counts once,
    /// as a hold does: a down-down time is the hold of its first key plus the up-down gap after
    /// it (`DD = H + UD`, exactly, per press), so the two medians mostly say the same thing
    /// (on Aalto's development half, 100-keystroke windows, their z-scores against the user's
    /// profile correlate 0.64 within a user, each with the first key's hold 0.05 and −0.08),
    /// and counted in full they gave the gap's deviation twice the say of a hold's. The
    /// fixed-text detector drops its down-down times for the same reason; here neither is exact
    /// (medians of sums are not sums of medians, and the two are on different scales), so the
    /// pair shares one weight. Measured on the development half (`telltale-eval freetext` and
    /// `session --users dev`; one-class EER at 50 / 100 / 200 keystrokes, population EER,
    /// false flags (chained) / takeovers flagged / median seconds): every feature at 1, 0.1187
    /// 0.0670 0.0388, 0.0957 0.0597 0.0340, 3 (4) / 73.8% / 90 s; the pair at half each, 0.1141
    /// 0.0641 0.0381, 0.0869 0.0543 0.0328, 2 (3) / 76.3% / 90 s; down-down times left out,
    /// 0.1188 0.0663 0.0411; down-down at half, 0.1177 0.0646 0.0377 (held-out half: 6 false
    /// flags where every feature at 1 had 3); up-down at half, 0.1148 0.0653 0.0390, population
    /// 0.0351 at 200. Every other free-text feature counts 1.
    ///
    /// A pointer feature counts by how much further an impostor's window deviates in it than
    /// the user's own next session does (`POINTER_WEIGHTS`).
    pub fn weight(self) -> f64 {
        if self.is_pointer() {
            let offset = (self.0 - POINTER) % PER_KIND;
            return POINTER_WEIGHTS
                .iter()
                .find(|(o, _)| *o == offset)
                .map_or(1.0, |(_, w)| *w);
        }
        if (DD_Q50..KEY_SPEED).contains(&self.0) {
            0.5
        } else {
            1.0
        }
    }

    /// How a difference of this feature reads when it is compared linearly (not on a log
    /// scale, [`crate::features::Feature::linear`]): (factor, decimals, unit). Up-down times
    /// are in ms; sharp turns per movement are a count; the others compared linearly are shares
    /// (corrections per key, straightness, time to peak speed, clicks per movement), in
    /// percentage points.
    pub fn linear_unit(self) -> (f64, u32, &'static str) {
        let n = self.0;
        let critical_points = 12;
        if (UD_Q50..KEY_SPEED).contains(&n) {
            (1.0, 0, " ms")
        } else if n >= POINTER && (n - POINTER) % PER_KIND / 3 == critical_points {
            (1.0, 2, "")
        } else {
            (100.0, 0, " percentage points")
        }
    }

    /// What the number stands for; `None` for a number no feature has.
    fn decode(self) -> Option<Decoded> {
        let n = self.0;
        let class = |i: u32| KeyClass::ALL[i as usize];
        Some(match n {
            _ if n < HOLD_IQR => Decoded::Hold(class(n), false),
            _ if n < DD_Q50 => Decoded::Hold(class(n - HOLD_IQR), true),
            _ if n < KEY_SPEED => {
                let (up_down, i) = if n < UD_Q50 {
                    (false, n - DD_Q50)
                } else {
                    (true, n - UD_Q50)
                };
                Decoded::Pair(class(i / CLASSES), class(i % CLASSES), up_down)
            }
            KEY_SPEED | KEY_BURST | KEY_CORRECTIONS => Decoded::Key(n),
            _ if n >= POINTER => {
                let kind = *PointerKind::ALL.get(((n - POINTER) / PER_KIND) as usize)?;
                let off = (n - POINTER) % PER_KIND;
                match off {
                    _ if off < 3 * ACTION_FEATURES.len() as u32 => {
                        Decoded::Action(kind, (off / 3) as usize, (off % 3) as usize)
                    }
                    _ if (PRESS..PRESS + 3 * PRESS_TIMINGS.len() as u32).contains(&off) => {
                        let m = off - PRESS;
                        Decoded::Press(kind, (m / 3) as usize, (m % 3) as usize)
                    }
                    CLICK_SHARE => Decoded::ClickShare(kind),
                    _ => return None,
                }
            }
            _ => return None,
        })
    }

    /// The stable name (`key.hold.letter_right.q50`, `ptr.mouse.speed_mean.q25`): the key of a
    /// profile's statistics. `None` for a number no feature has.
    pub fn name(self) -> Option<String> {
        Some(match self.decode()? {
            Decoded::Hold(c, spread) => {
                cat(&["key.hold.", c.name(), if spread { ".iqr" } else { ".q50" }])
            }
            Decoded::Pair(a, b, up_down) => {
                let what = if up_down { "key.ud." } else { "key.dd." };
                cat(&[what, a.name(), ".", b.name(), ".q50"])
            }
            Decoded::Key(n) => match n {
                KEY_SPEED => "key.speed",
                KEY_BURST => "key.burst",
                _ => "key.corrections",
            }
            .into(),
            Decoded::Action(k, i, q) => {
                cat(&["ptr.", k.name(), ".", ACTION_FEATURES[i], ".", QUARTILES[q]])
            }
            Decoded::Press(k, m, q) => {
                cat(&["ptr.", k.name(), ".", PRESS_TIMINGS[m], ".", QUARTILES[q]])
            }
            Decoded::ClickShare(k) => cat(&["ptr.", k.name(), ".click_share"]),
        })
    }

    /// The feature a stable name ([`FeatureId::name`]) names; `None` for any other string.
    pub fn from_name(name: &str) -> Option<Self> {
        let class = |n: &str| KeyClass::ALL.into_iter().find(|c| c.name() == n);
        let mut parts = name.split('.');
        let id = match (parts.next()?, parts.next()?) {
            ("key", "hold") => {
                let c = class(parts.next()?)?;
                match parts.next()? {
                    "q50" => Self::key_hold(c, false),
                    "iqr" => Self::key_hold(c, true),
                    _ => return None,
                }
            }
            ("key", pair @ ("dd" | "ud")) => {
                let (a, b) = (class(parts.next()?)?, class(parts.next()?)?);
                if parts.next()? != "q50" {
                    return None;
                }
                Self::key_pair(a, b, pair == "ud")
            }
            ("key", "speed") => Self::KEY_SPEED,
            ("key", "burst") => Self::KEY_BURST,
            ("key", "corrections") => Self::KEY_CORRECTIONS,
            ("ptr", kind) => {
                let kind = PointerKind::ALL.into_iter().find(|k| k.name() == kind)?;
                let metric = parts.next()?;
                if metric == "click_share" {
                    Self::pointer_click_share(kind)
                } else {
                    let q = parts.next()?;
                    let q = QUARTILES.iter().position(|x| *x == q)?;
                    match ACTION_FEATURES.iter().position(|m| *m == metric) {
                        Some(i) => Self::pointer_action(kind, i, q),
                        None => {
                            let m = PRESS_TIMINGS.iter().position(|m| *m == metric)?;
                            Self::pointer_press(kind, m, q)
                        }
                    }
                }
            }
            _ => return None,
        };
        // Nothing may follow.
        parts.next().is_none().then_some(id)
    }

    /// Words for a reviewer ("hold times of right-hand letters", "low pointer speed (mouse)").
    /// `None` for a number no feature has.
    pub fn label(self) -> Option<String> {
        Some(match self.decode()? {
            Decoded::Hold(c, false) => cat(&["hold times of ", c.describe()]),
            Decoded::Hold(c, true) => cat(&["spread of hold times of ", c.describe()]),
            Decoded::Pair(a, b, false) => cat(&["time from ", a.describe(), " to ", b.describe()]),
            Decoded::Pair(a, b, true) => cat(&[
                "gap between releasing ",
                a.describe(),
                " and pressing ",
                b.describe(),
            ]),
            Decoded::Key(n) => match n {
                KEY_SPEED => "typing speed",
                KEY_BURST => "keys per burst",
                _ => "correction rate",
            }
            .into(),
            Decoded::Action(k, i, q) => {
                let w = ["low", "typical", "high"][q];
                cat(&[w, " ", ACTION_LABELS[i], " (", k.name(), ")"])
            }
            Decoded::Press(k, m, q) => {
                let w = ["short", "typical", "long"][q];
                cat(&[w, " ", PRESS_LABELS[m], " (", k.name(), ")"])
            }
            Decoded::ClickShare(k) => {
                cat(&["share of movements ending in a click (", k.name(), ")"])
            }
        })
    }
}

/// A [`FeatureId`] taken apart.
enum Decoded {
    Hold(KeyClass, bool),
    Pair(KeyClass, KeyClass, bool),
    Key(u32),
    Action(PointerKind, usize, usize),
    Press(PointerKind, usize, usize),
    ClickShare(PointerKind),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_pointer_weights_are_those_of_the_compared_features_of_every_kind() {
        // What `PointerWindow::features` compares: each action feature's upper quartile, the
        // press timings' quartiles and the click share. A reordered feature list would move
        // the table's weights onto other features; this names each offset by what it decodes to.
        for kind in [PointerKind::Mouse, PointerKind::Pen, PointerKind::Touch] {
            let compared: Vec<FeatureId> = (0..ACTION_FEATURES.len())
                .map(|i| FeatureId::pointer_action(kind, i, 2))
                .chain(
                    (0..PRESS_TIMINGS.len())
                        .flat_map(|m| (0..3).map(move |q| FeatureId::pointer_press(kind, m, q))),
                )
                .chain([FeatureId::pointer_click_share(kind)])
                .collect();
            let weighted: Vec<FeatureId> = compared
                .iter()
                .filter(|f| {
                    POINTER_WEIGHTS
                        .iter()
                        .any(|(o, _)| (f.0 - POINTER) % PER_KIND == *o)
                })
                .copied()
                .collect();
            assert_eq!(
                weighted, compared,
                "{kind:?}: a compared feature without a weight"
            );
            assert_eq!(
                POINTER_WEIGHTS.len(),
                compared.len(),
                "a weight for no compared feature"
            );
            let named = |i: usize| compared[i].name().unwrap();
            assert_eq!(named(0), ["ptr.", kind.name(), ".duration_ms.q75"].concat());
            assert_eq!(compared[0].weight(), 0.5);
            assert!(named(14).ends_with(".press_hold.q25"), "{}", named(14));
            assert_eq!(compared[14].weight(), 3.0);
            assert!(named(23).ends_with(".click_share"));
            assert_eq!(compared[23].weight(), 0.1);
        }
    }

    #[test]
    fn every_number_has_one_name_and_words() {
        let all: Vec<FeatureId> = FeatureId::all().collect();
        assert!(
            all.windows(2).all(|w| w[0] < w[1]),
            "increasing, so distinct"
        );
        let names: Vec<String> = all.iter().map(|f| f.name().unwrap()).collect();
        let mut sorted = names.clone();
        sorted.sort();
        sorted.dedup();
        assert_eq!(sorted.len(), names.len(), "every name once");
        assert!(all.iter().all(|f| f.label().is_some()));
        // 9 classes: 2·9 holds + 2·81 pairs + 3; per pointer kind 14·3 + 3·3 + 1.
        assert_eq!(all.len(), 183 + 3 * 52);
        // Numbers between the blocks have no feature.
        for n in [183, 999, 1000 + 42, 1000 + 69, 1000 + 91, 1300] {
            assert_eq!(FeatureId(n).name(), None, "{n}");
        }
    }

    #[test]
    fn names_read_back() {
        for id in FeatureId::all() {
            assert_eq!(
                FeatureId::from_name(&id.name().unwrap()),
                Some(id),
                "{id:?}"
            );
        }
        for bad in [
            "",
            "key",
            "key.hold",
            "key.hold.letter_left",
            "key.hold.letter_left.q25",
            "key.hold.thumb.q50",
            "key.dd.space.q50",
            "key.speed.q50",
            "ptr.mouse",
            "ptr.mouse.speed_mean",
            "ptr.mouse.speed_mean.q99",
            "ptr.finger.speed_mean.q50",
            "ptr.mouse.click_share.q50",
            "ptr.mouse.press_hold.q50.x",
        ] {
            assert_eq!(FeatureId::from_name(bad), None, "{bad}");
        }
    }

    #[test]
    fn names_are_the_stored_profiles_keys() {
        let right = KeyClass::LetterRight;
        assert_eq!(
            FeatureId::key_hold(right, false).name().unwrap(),
            "key.hold.letter_right.q50"
        );
        assert_eq!(
            FeatureId::key_hold(right, false).label().unwrap(),
            "hold times of right-hand letters"
        );
        assert_eq!(
            FeatureId::key_pair(KeyClass::Space, right, true)
                .name()
                .unwrap(),
            "key.ud.space.letter_right.q50"
        );
        assert_eq!(
            FeatureId::KEY_CORRECTIONS.name().unwrap(),
            "key.corrections"
        );
        let speed = ACTION_FEATURES
            .iter()
            .position(|n| *n == "speed_mean")
            .unwrap();
        let f = FeatureId::pointer_action(PointerKind::Pen, speed, 0);
        assert_eq!(f.name().unwrap(), "ptr.pen.speed_mean.q25");
        assert_eq!(f.label().unwrap(), "low pointer speed (pen)");
        assert_eq!(
            FeatureId::pointer_press(PointerKind::Mouse, 0, 2)
                .label()
                .unwrap(),
            "long button hold times (mouse)"
        );
        assert_eq!(
            FeatureId::pointer_click_share(PointerKind::Touch)
                .name()
                .unwrap(),
            "ptr.touch.click_share"
        );
    }
}
