//! Pointer windows: movement cut into actions (mouse-move, point-click, drag-drop), each described
//! by speed, acceleration, jerk, curvature, straightness and more (Ahmed and Traore 2007; Feher et
//! al. 2012; Antal et al. 2021), then summarised per window and pointer kind as distributions.
//! Positions are only differenced here: no coordinate reaches a summary.

use crate::math;
use crate::prelude::*;

use serde::{Deserialize, Serialize};

use super::stats::{Dist, MIN_BUCKET};
use super::{Feature, FeatureId};
use crate::event::{PointerEvent, PointerKind, PointerPhase};

/// A pause of at least this long ends an action: the split used by the SapiMouse and Balabit
/// mouse-dynamics work, where 500 ms separates the end of one aimed movement from the next.
pub const ACTION_PAUSE_MS: f64 = 500.0;
/// Actions need at least five points: with four or fewer there are too few segments for an
/// acceleration, let alone a jerk (docs/design.md: "≤ 4 points dropped").
pub const MIN_POINTS: usize = 5;
/// Points kept per action; a longer movement is cut. At 1000 Hz this is a second of continuous
/// motion, longer than any aimed movement.
pub const MAX_POINTS: usize = 1024;
/// Actions kept per pointer kind in one window (bounded memory). At one action every 0.3 s, a
/// default 15 s window holds about 50, a configured 2-minute one 400.
pub const MAX_ACTIONS: usize = 512;
/// A turn sharper than 45 degrees between consecutive segments is a critical point.
const CRITICAL_TURN: f64 = core::f64::consts::FRAC_PI_4;

/// How an action ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ActionType {
    /// Movement that ended in a pause.
    MouseMove,
    /// Movement that ended with a button press.
    PointClick,
    /// Movement with a button held, ended by its release.
    DragDrop,
}

/// One sampled position (collector-internal).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Point {
    /// Time in ms.
    pub t: f64,
    /// x in CSS pixels.
    pub x: f64,
    /// y in CSS pixels.
    pub y: f64,
}

/// Names of the per-action features, in [`ActionFeatures::values`] order.
pub const ACTION_FEATURES: [&str; 14] = [
    "duration_ms",
    "path_px",
    "straightness",
    "speed_mean",
    "speed_sd",
    "speed_max",
    "accel_mean",
    "accel_sd",
    "jerk_mean",
    "curvature_mean",
    "angular_speed_mean",
    "deviation_px",
    "critical_points",
    "peak_time_frac",
];

/// Words for each action feature, for reasons shown to a reviewer.
pub(crate) const ACTION_LABELS: [&str; 14] = [
    "movement duration",
    "movement length",
    "straightness of movements",
    "pointer speed",
    "variation of pointer speed",
    "peak pointer speed",
    "pointer acceleration",
    "variation of acceleration",
    "pointer jerk",
    "path curvature",
    "turning speed",
    "deviation from the straight path",
    "sharp turns per movement",
    "time to peak speed",
];

/// Features that are shares or counts and compared linearly; the rest are positive magnitudes
/// compared on a log scale (they vary multiplicatively across users and devices).
const LINEAR: [bool; 14] = [
    false, false, true, false, false, false, false, false, false, false, false, false, true, true,
];

/// The features of one action.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ActionFeatures {
    /// How the action ended.
    pub kind: ActionType,
    /// Direction of the chord start→end in 8 bins of 45° (0 = rightwards, counter-clockwise on
    /// screen).
    pub direction: u8,
    /// Values named by [`ACTION_FEATURES`]: ms, px, px/s, px/s², px/s³, rad/px, rad/s.
    pub values: [f64; 14],
}

fn wrap_angle(a: f64) -> f64 {
    let mut a = a;
    while a > core::f64::consts::PI {
        a -= core::f64::consts::TAU;
    }
    while a < -core::f64::consts::PI {
        a += core::f64::consts::TAU;
    }
    a
}

/// Computes the features of one action. Points with a time not after the previous point's
/// (coalesced duplicates) are skipped. `None` when fewer than [`MIN_POINTS`] remain, the action
/// has no duration, or the pointer did not move.
pub fn action_features(kind: ActionType, raw: &[Point]) -> Option<ActionFeatures> {
    let mut pts: Vec<Point> = Vec::with_capacity(raw.len());
    for p in raw {
        if pts.last().is_none_or(|l: &Point| p.t > l.t) {
            pts.push(*p);
        }
    }
    if pts.len() < MIN_POINTS {
        return None;
    }
    let (first, last) = (pts[0], pts[pts.len() - 1]);
    let duration = last.t - first.t;
    let (cx, cy) = (last.x - first.x, last.y - first.y);
    let chord = math::hypot(cx, cy);
    let mut path = 0.0;
    let mut speeds: Vec<f64> = Vec::with_capacity(pts.len() - 1);
    let mut accels: Vec<f64> = Vec::with_capacity(pts.len());
    let mut jerks: Vec<f64> = Vec::with_capacity(pts.len());
    let (mut curv, mut ang, mut turns, mut n_turn) = (0.0, 0.0, 0u32, 0u32);
    let mut prev_angle: Option<f64> = None;
    let mut deviation: f64 = 0.0;
    let (mut v_max, mut t_peak) = (0.0, 0.0);
    for w in pts.windows(2) {
        let (a, b) = (w[0], w[1]);
        let dt = (b.t - a.t) / 1000.0;
        let (dx, dy) = (b.x - a.x, b.y - a.y);
        let ds = math::hypot(dx, dy);
        path += ds;
        let v = ds / dt;
        if let Some(&pv) = speeds.last() {
            let acc = (v - pv) / dt;
            if let Some(&pa) = accels.last() {
                jerks.push(((acc - pa) / dt).abs());
            }
            accels.push(acc);
        }
        speeds.push(v);
        if v > v_max {
            v_max = v;
            t_peak = b.t - first.t;
        }
        if ds > 0.0 {
            let angle = math::atan2(dy, dx);
            if let Some(pa) = prev_angle {
                let turn = wrap_angle(angle - pa).abs();
                curv += turn / ds;
                ang += turn / dt;
                n_turn += 1;
                if turn > CRITICAL_TURN {
                    turns += 1;
                }
            }
            prev_angle = Some(angle);
        }
        let d = if chord > 0.0 {
            ((b.x - first.x) * cy - (b.y - first.y) * cx).abs() / chord
        } else {
            math::hypot(b.x - first.x, b.y - first.y)
        };
        deviation = deviation.max(d);
    }
    if duration <= 0.0 || path <= 0.0 {
        return None;
    }
    let (v_mean, v_sd) = mean_sd(&speeds);
    let abs_acc: Vec<f64> = accels.iter().map(|a| a.abs()).collect();
    let (a_mean, _) = mean_sd(&abs_acc);
    let (_, a_sd) = mean_sd(&accels);
    let (j_mean, _) = mean_sd(&jerks);
    let nt = n_turn.max(1) as f64;
    // Not negative (`atan2` is at least -π), so the cast's truncation is the floor.
    let dir = ((math::atan2(cy, cx) + core::f64::consts::PI) / core::f64::consts::FRAC_PI_4) as i64;
    Some(ActionFeatures {
        kind,
        direction: dir.rem_euclid(8) as u8,
        values: [
            duration,
            path,
            chord / path,
            v_mean,
            v_sd,
            v_max,
            a_mean,
            a_sd,
            j_mean,
            curv / nt,
            ang / nt,
            deviation,
            turns as f64,
            t_peak / duration,
        ],
    })
}

fn mean_sd(v: &[f64]) -> (f64, f64) {
    if v.is_empty() {
        return (0.0, 0.0);
    }
    let n = v.len() as f64;
    let m = v.iter().sum::<f64>() / n;
    let var = if v.len() > 1 {
        v.iter().map(|x| (x - m) * (x - m)).sum::<f64>() / (n - 1.0)
    } else {
        0.0
    };
    (m, math::sqrt(var))
}

/// Timings around presses, each summarised per window like a key's hold time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PressTiming {
    /// Press to release.
    Hold = 0,
    /// The pointer's last movement to the press.
    PrePress = 1,
    /// Release to the next movement.
    PostRelease = 2,
}

/// What the segmenter hands out: a finished action, or a press timing.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Segment<'a> {
    /// An action and its points.
    Action(ActionType, &'a [Point]),
    /// A press timing in ms.
    Timing(PressTiming, f64),
}

/// Cuts one pointer's events into actions and press timings.
#[derive(Debug, Clone, Default)]
pub struct Segmenter {
    path: Vec<Point>,
    pressed: Option<f64>,
    released: Option<f64>,
}

impl Segmenter {
    /// Adds one event; finished actions and press timings are handed to `out`.
    pub fn push(&mut self, ev: &PointerEvent, out: &mut impl FnMut(Segment)) {
        let p = Point {
            t: ev.t,
            x: ev.x,
            y: ev.y,
        };
        // A pause of ACTION_PAUSE_MS or more is idling, not part of a press.
        let timing = |out: &mut dyn FnMut(Segment), kind, gap: f64| {
            if (0.0..ACTION_PAUSE_MS).contains(&gap) {
                out(Segment::Timing(kind, gap));
            }
        };
        match ev.phase {
            PointerPhase::Move => {
                if ev.buttons == 0 && self.pressed.is_some() {
                    // No button is down, yet the press never ended: its release was not seen
                    // (over an iframe, a native context menu, outside the window). It ends
                    // here as a cancel does.
                    self.cancel();
                }
                if let Some(r) = self.released.take() {
                    timing(out, PressTiming::PostRelease, ev.t - r);
                }
                // A button is down (a buttonless move has just ended any press).
                let pressed = self.pressed.is_some();
                if !pressed {
                    self.end_pause(ev.t, out);
                }
                if self.path.len() >= MAX_POINTS {
                    let kind = if pressed {
                        ActionType::DragDrop
                    } else {
                        ActionType::MouseMove
                    };
                    out(Segment::Action(kind, &self.path));
                    let last = self.path[self.path.len() - 1];
                    self.path.clear();
                    self.path.push(last);
                }
                self.path.push(p);
            }
            PointerPhase::Down => {
                self.pressed = None;
                self.released = None;
                if let Some(last) = self.path.last() {
                    timing(out, PressTiming::PrePress, ev.t - last.t);
                }
                self.end_pause(ev.t, out);
                self.path.push(p);
                out(Segment::Action(ActionType::PointClick, &self.path));
                self.path.clear();
                self.path.push(p);
                self.pressed = Some(ev.t);
            }
            PointerPhase::Up => {
                if let Some(down) = self.pressed.take() {
                    self.path.push(p);
                    out(Segment::Action(ActionType::DragDrop, &self.path));
                    if ev.t >= down {
                        out(Segment::Timing(PressTiming::Hold, ev.t - down));
                    }
                    self.released = Some(ev.t);
                }
                self.path.clear();
            }
            PointerPhase::Cancel => self.cancel(),
        }
    }

    /// Ends a press that the browser took over: the press is over, so pauses end hover
    /// movements again; what it was (a drag whose end the page never sees) is neither an action
    /// nor a hold time, and the cancel's position is no point of a path.
    fn cancel(&mut self) {
        self.pressed = None;
        self.released = None;
        self.path.clear();
    }

    /// Ends a hover movement if the pointer has rested for [`ACTION_PAUSE_MS`] by time `now`.
    pub fn end_pause(&mut self, now: f64, out: &mut impl FnMut(Segment)) {
        if self.pressed.is_some() {
            return;
        }
        if let Some(last) = self.path.last() {
            if now - last.t >= ACTION_PAUSE_MS {
                out(Segment::Action(ActionType::MouseMove, &self.path));
                self.path.clear();
            }
        }
    }
}

/// The summary of one window for one pointer kind.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PointerWindow {
    /// Mouse, pen or touch.
    pub kind: PointerKind,
    /// Actions in the window.
    pub actions: u32,
    /// Actions that ended in a pause.
    pub mouse_moves: u32,
    /// Actions that ended in a press.
    pub point_clicks: u32,
    /// Drags.
    pub drag_drops: u32,
    /// Distribution over actions of each feature, in [`ACTION_FEATURES`] order.
    pub features: Vec<NamedDist>,
    /// Actions per direction bin (8 bins of 45°); a bin with fewer than five actions reads 0.
    pub directions: [u32; 8],
    /// Actions on a straight line at constant speed (an automation signal: human movements
    /// accelerate and decelerate, Fitts 1954; Flash and Hogan 1985).
    pub robotic_actions: u32,
    /// How long buttons were held per press, ms (present with at least five presses).
    pub press_hold_ms: Option<Dist>,
    /// Pause between the pointer's last movement and the press, ms (at least five).
    pub pre_press_ms: Option<Dist>,
    /// Pause between a release and the next movement, ms (at least five).
    pub post_release_ms: Option<Dist>,
}

/// A named distribution.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NamedDist {
    /// Feature name (one of [`ACTION_FEATURES`]).
    pub name: String,
    /// Its distribution over the window's actions.
    pub dist: Dist,
}

/// What one window of one pointer kind has gathered: actions and press timings (bounded).
#[derive(Debug, Clone, Default)]
pub struct Gathered {
    /// Features of each action.
    pub actions: Vec<ActionFeatures>,
    /// Press timings, indexed by [`PressTiming`].
    pub timings: [Vec<f64>; 3],
}

impl Gathered {
    /// Adds what the segmenter handed out (beyond [`MAX_ACTIONS`] items of a kind, drops it).
    pub fn add(&mut self, seg: Segment) {
        match seg {
            Segment::Action(kind, pts) => {
                if self.actions.len() < MAX_ACTIONS {
                    self.actions.extend(action_features(kind, pts));
                }
            }
            Segment::Timing(kind, ms) => {
                let v = &mut self.timings[kind as usize];
                if v.len() < MAX_ACTIONS {
                    v.push(ms);
                }
            }
        }
    }

    /// The window summary (see [`summarise`]), emptying `self`.
    pub fn take(&mut self, kind: PointerKind) -> Option<PointerWindow> {
        let mut g = core::mem::take(self);
        summarise(kind, &g.actions, &mut g.timings)
    }
}

/// Streams pointer events into per-kind windows.
#[derive(Debug, Clone, Default)]
pub struct PointerWindowBuilder {
    segmenters: [Segmenter; 3],
    gathered: [Gathered; 3],
}

impl PointerWindowBuilder {
    /// An empty builder.
    pub fn new() -> Self {
        Self::default()
    }

    /// Actions of all kinds in the current window so far.
    pub fn actions(&self) -> usize {
        self.gathered.iter().map(|g| g.actions.len()).sum()
    }

    /// Adds one (validated, trusted) pointer event.
    pub fn push(&mut self, ev: &PointerEvent) {
        let k = kind_index(ev.kind);
        let g = &mut self.gathered[k];
        self.segmenters[k].push(ev, &mut |s| g.add(s));
    }

    /// Closes the window at time `now`: one summary per pointer kind with at least
    /// [`MIN_BUCKET`] actions. A movement still under way carries over to the next window.
    pub fn finish(&mut self, now: f64) -> Vec<PointerWindow> {
        let mut out = Vec::new();
        for (k, kind) in PointerKind::ALL.iter().enumerate() {
            let g = &mut self.gathered[k];
            self.segmenters[k].end_pause(now, &mut |s| g.add(s));
            out.extend(g.take(*kind));
        }
        out
    }
}

fn kind_index(k: PointerKind) -> usize {
    match k {
        PointerKind::Mouse => 0,
        PointerKind::Pen => 1,
        PointerKind::Touch => 2,
    }
}

/// Summarises the actions and press timings (indexed by [`PressTiming`]) of one window and
/// kind; `None` under [`MIN_BUCKET`] actions.
pub fn summarise(
    kind: PointerKind,
    actions: &[ActionFeatures],
    timings: &mut [Vec<f64>; 3],
) -> Option<PointerWindow> {
    if actions.len() < MIN_BUCKET {
        return None;
    }
    let count = |t: ActionType| actions.iter().filter(|a| a.kind == t).count() as u32;
    let mut features = Vec::with_capacity(ACTION_FEATURES.len());
    let mut col = Vec::with_capacity(actions.len());
    for (i, name) in ACTION_FEATURES.iter().enumerate() {
        col.clear();
        col.extend(actions.iter().map(|a| a.values[i]));
        if let Some(dist) = Dist::of(&mut col) {
            features.push(NamedDist {
                name: (*name).to_owned(),
                dist,
            });
        }
    }
    let mut directions = [0u32; 8];
    for a in actions {
        directions[a.direction as usize] += 1;
    }
    for d in &mut directions {
        if (*d as usize) < MIN_BUCKET {
            *d = 0;
        }
    }
    Some(PointerWindow {
        kind,
        actions: actions.len() as u32,
        mouse_moves: count(ActionType::MouseMove),
        point_clicks: count(ActionType::PointClick),
        drag_drops: count(ActionType::DragDrop),
        features,
        directions,
        robotic_actions: actions.iter().filter(|a| a.is_robotic()).count() as u32,
        press_hold_ms: Dist::of(&mut timings[PressTiming::Hold as usize]),
        pre_press_ms: Dist::of(&mut timings[PressTiming::PrePress as usize]),
        post_release_ms: Dist::of(&mut timings[PressTiming::PostRelease as usize]),
    })
}

/// Straightness above this is a ruler-straight path (human aimed movements curve by a few
/// percent of their length: Flash and Hogan 1985).
const ROBOTIC_STRAIGHTNESS: f64 = 0.999;
/// Speed variation under this share of the mean is constant speed; human movements follow a
/// bell-shaped speed profile with a coefficient of variation near 0.5.
const ROBOTIC_SPEED_CV: f64 = 0.05;

impl ActionFeatures {
    /// A straight line at constant speed: what a script's interpolated `mouse.move` produces.
    pub fn is_robotic(&self) -> bool {
        self.values[2] > ROBOTIC_STRAIGHTNESS && self.values[4] < ROBOTIC_SPEED_CV * self.values[3]
    }
}

impl PointerWindow {
    /// The window's features for detection: the upper quartile of every action feature, the
    /// quartiles of the press timings, and the share of actions that end in a click.
    ///
    /// Only the upper quartile of the action features is compared: a window's lower half of
    /// movements is mostly short corrective sub-movements near a target, whose shape follows the
    /// target's size and the sensor more than the hand (Meyer et al. 1988, the optimised
    /// submovement model), while the upper quartile describes the primary, ballistic movements
    /// that carry a person's motor habits. Measured on SapiMouse's development half
    /// (`telltale-eval pointer --users dev`): one-class AUC at 15 / 30 / 60 s 0.888 0.925 0.941
    /// with every quartile, 0.904 0.947 0.968 with the upper one only, 0.901 0.937 0.949 with the
    /// median only, 0.868 0.909 0.928 with the lower one only; the held-out half moved as the
    /// development half did (README, "SapiMouse"), and so did the session figures and the demo
    /// (docs/figures.md). The summary still carries every quartile: a reviewer's plots read them.
    pub fn features(&self) -> Vec<Feature> {
        let kind = self.kind;
        let mut f = Vec::with_capacity(self.features.len() + 10);
        for nd in &self.features {
            let Some(i) = ACTION_FEATURES.iter().position(|n| *n == nd.name) else {
                continue;
            };
            let id = FeatureId::pointer_action(kind, i, 2);
            let q75 = if LINEAR[i] {
                Feature::linear(id, nd.dist.q75)
            } else {
                Feature::log(id, nd.dist.q75)
            };
            f.push(q75.of(nd.dist.n));
        }
        // In `PRESS_TIMINGS` order.
        for (m, d) in [
            &self.press_hold_ms,
            &self.pre_press_ms,
            &self.post_release_ms,
        ]
        .into_iter()
        .enumerate()
        {
            if let Some(h) = d {
                for (q, v) in [h.q25, h.q50, h.q75].into_iter().enumerate() {
                    f.push(Feature::log(FeatureId::pointer_press(kind, m, q), v).of(h.n));
                }
            }
        }
        f.push(
            Feature::linear(
                FeatureId::pointer_click_share(kind),
                self.point_clicks as f64 / self.actions.max(1) as f64,
            )
            .of(self.actions),
        );
        f.retain(|x| x.value.is_finite());
        f
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(n: usize, dt: f64, dx: f64) -> Vec<Point> {
        (0..n)
            .map(|i| Point {
                t: i as f64 * dt,
                x: i as f64 * dx,
                y: 0.0,
            })
            .collect()
    }

    #[test]
    fn straight_constant_speed_line() {
        let a = action_features(ActionType::MouseMove, &line(10, 10.0, 5.0)).unwrap();
        assert!((a.values[2] - 1.0).abs() < 1e-12); // straightness
        assert!((a.values[3] - 500.0).abs() < 1e-9); // 5 px / 10 ms
        assert_eq!(a.values[4], 0.0);
        assert_eq!(a.values[6], 0.0);
        assert_eq!(a.values[11], 0.0);
        assert_eq!(a.direction, 4);
    }

    #[test]
    fn zero_length_and_short_actions_are_dropped() {
        assert!(action_features(ActionType::MouseMove, &line(4, 10.0, 5.0)).is_none());
        assert!(action_features(ActionType::MouseMove, &line(10, 10.0, 0.0)).is_none());
        assert!(action_features(ActionType::MouseMove, &line(10, 0.0, 3.0)).is_none());
    }

    /// A trusted mouse event at time `t` and `(x, 0)`.
    fn mouse_at(t: f64, x: f64, phase: PointerPhase, buttons: u16) -> PointerEvent {
        PointerEvent {
            t,
            phase,
            kind: PointerKind::Mouse,
            x,
            y: 0.0,
            buttons,
            movement: None,
            trusted: true,
        }
    }

    #[test]
    fn segmenter_splits_on_pause_and_click() {
        let mut s = Segmenter::default();
        let mut actions = Vec::new();
        let mut timings = Vec::new();
        let mut events = Vec::new();
        events.extend((0..6).map(|i| mouse_at(i as f64 * 16.0, i as f64, PointerPhase::Move, 0)));
        events.extend(
            (0..6).map(|i| mouse_at(1000.0 + i as f64 * 16.0, i as f64, PointerPhase::Move, 0)),
        );
        events.push(mouse_at(1100.0, 9.0, PointerPhase::Down, 1));
        events.extend((0..5).map(|i| {
            mouse_at(
                1110.0 + i as f64 * 16.0,
                10.0 + i as f64,
                PointerPhase::Move,
                1,
            )
        }));
        events.push(mouse_at(1200.0, 20.0, PointerPhase::Up, 0));
        events.push(mouse_at(1230.0, 21.0, PointerPhase::Move, 0));
        for ev in &events {
            s.push(ev, &mut |seg| match seg {
                Segment::Action(k, p) => actions.push((k, p.len())),
                Segment::Timing(k, ms) => timings.push((k, ms)),
            });
        }
        assert_eq!(
            actions,
            vec![
                (ActionType::MouseMove, 6),
                (ActionType::PointClick, 7),
                (ActionType::DragDrop, 7)
            ]
        );
        assert_eq!(
            timings,
            vec![
                (PressTiming::PrePress, 20.0),
                (PressTiming::Hold, 100.0),
                (PressTiming::PostRelease, 30.0)
            ]
        );
    }

    #[test]
    fn a_press_ended_unseen_ends_without_an_action_or_hold() {
        // A native drag: down, a few moves, then `pointercancel` (at 0, 0 in Chromium) and no
        // up; or a release the page never saw (over an iframe, a native context menu), which
        // only the next move's empty `buttons` tells. Then hovering with a pause, which must
        // end a movement as before any press.
        for cancel in [true, false] {
            let mut s = Segmenter::default();
            let mut got = Vec::new();
            let mut events = vec![mouse_at(0.0, 50.0, PointerPhase::Down, 1)];
            events.extend(
                (1..4).map(|i| mouse_at(i as f64 * 16.0, 50.0 + i as f64, PointerPhase::Move, 1)),
            );
            if cancel {
                events.push(mouse_at(60.0, 0.0, PointerPhase::Cancel, 0));
            }
            for t0 in [900.0, 2000.0] {
                events.extend((0..6).map(|i| {
                    mouse_at(
                        t0 + i as f64 * 16.0,
                        t0 / 3.0 + i as f64,
                        PointerPhase::Move,
                        0,
                    )
                }));
            }
            for e in &events {
                s.push(e, &mut |seg| match seg {
                    Segment::Action(k, p) => got.push(alloc::format!("{k:?} {}", p.len())),
                    Segment::Timing(k, ms) => got.push(alloc::format!("{k:?} {ms}")),
                });
            }
            // The press's click (emitted at the down), then the hover movement the pause
            // ended; no drag, no hold, no point at 0, 0.
            assert_eq!(
                got,
                ["PointClick 1", "MouseMove 6"],
                "cancel sent: {cancel}"
            );
        }
    }
}
