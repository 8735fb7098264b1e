//! Pointer evaluation: SapiMouse sessions (or any in its format) cut into blocks, each user
//! enrolled on its own sessions and tested on genuine and impostor blocks.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use rayon::prelude::*;
use telltale_core::detect::{WindowModel, WindowParams, WindowPopulationModel};
use telltale_core::event::PointerKind;
use telltale_core::features::pointer::{
    action_features, ActionFeatures, Gathered, PressTiming, Segment, Segmenter,
};
use telltale_core::Feature;

use crate::keystroke::Users;
use crate::metrics::{auc, eer, halves, mean_sd};

/// A recorded session: what its segmenter handed out, each with its time (ms).
pub struct Session {
    /// Actions and press timings in time order, with the time they ended.
    pub items: Vec<(f64, Item)>,
    /// First and last event time.
    pub span: (f64, f64),
}

/// An owned [`Segment`]: action features or a press timing.
#[derive(Debug, Clone, Copy)]
pub enum Item {
    /// A finished action's features.
    Action(ActionFeatures),
    /// A press timing.
    Timing(PressTiming, f64),
}

/// Reads a session CSV (`client timestamp, button, state, x, y`) and cuts it into actions with
/// the same segmenter the collector runs.
pub fn load_session(path: &Path) -> Result<Session, String> {
    let events = telltale_eval::data::sapimouse(path)?;
    let span = match (events.first(), events.last()) {
        (Some(a), Some(b)) => (a.t, b.t),
        _ => (f64::INFINITY, f64::NEG_INFINITY),
    };
    let mut seg = Segmenter::default();
    let mut items = Vec::new();
    let mut record = |t: f64, s: Segment| match s {
        Segment::Action(kind, pts) => {
            if let Some(a) = action_features(kind, pts) {
                items.push((pts[pts.len() - 1].t, Item::Action(a)));
            }
        }
        Segment::Timing(kind, ms) => items.push((t, Item::Timing(kind, ms))),
    };
    for ev in &events {
        seg.push(ev, &mut |s| record(ev.t, s));
    }
    seg.end_pause(f64::INFINITY, &mut |s| record(span.1, s));
    Ok(Session { items, span })
}

/// The window features of what ended in `[start, start + len)`.
fn block(s: &Session, start: f64, len: f64) -> Option<Vec<Feature>> {
    let mut g = Gathered::default();
    for (_, item) in s
        .items
        .iter()
        .filter(|(t, _)| *t >= start && *t < start + len)
    {
        match *item {
            Item::Action(a) => g.actions.push(a),
            Item::Timing(k, ms) => g.timings[k as usize].push(ms),
        }
    }
    g.take(PointerKind::Mouse).map(|w| w.features())
}

/// Test blocks: the session divided into `round(duration / len)` equal blocks (at least one).
/// SapiMouse's "1-minute" recordings last 57 to 60 s; dividing evenly keeps every block within a
/// few percent of the nominal length instead of dropping a block for a recording that stopped a
/// moment early.
pub fn blocks(s: &Session, len: f64) -> Vec<Vec<Feature>> {
    let span = s.span.1 - s.span.0;
    let n = ((span / len).round() as usize).max(1);
    let step = span / n as f64;
    (0..n)
        .filter_map(|i| {
            // The last block includes the session's final event.
            let extra = if i + 1 == n { 1.0 } else { 0.0 };
            block(s, s.span.0 + i as f64 * step, step + extra)
        })
        .collect()
}

/// Enrollment windows: blocks of `len` ms every `len / 4` (overlapping, so a short enrollment
/// session still gives enough windows to estimate each feature's spread).
pub fn enrollment_blocks(s: &Session, len: f64) -> Vec<Vec<Feature>> {
    let step = len / 4.0;
    let mut out = Vec::new();
    let mut start = s.span.0;
    while start + len <= s.span.1 {
        out.extend(block(s, start, len));
        start += step;
    }
    out
}

/// A manifest: for each user, the sessions to enroll on, genuine test sessions and impostor test
/// sessions (paths relative to the manifest).
#[derive(Debug, Default, Clone)]
pub struct Plan {
    /// Per user: (enroll, genuine, impostor) session paths.
    pub users: BTreeMap<String, [Vec<PathBuf>; 3]>,
}

impl Plan {
    /// Only the users `users` takes (by position in name order), each tested against the
    /// impostor sessions of the users taken: a development half never sees the held-out half's
    /// data. An impostor session that is no user's own (a manifest may list outsiders) stays.
    pub fn pick(self, users: Users) -> Plan {
        let owner: BTreeMap<PathBuf, usize> = self
            .users
            .values()
            .enumerate()
            .flat_map(|(i, sets)| sets[0].iter().chain(&sets[1]).map(move |p| (p.clone(), i)))
            .collect();
        let kept = |p: &PathBuf| owner.get(p).is_none_or(|&o| users.takes(o));
        let users = self
            .users
            .into_iter()
            .enumerate()
            .filter(|(i, _)| users.takes(*i))
            .map(|(_, (u, [enroll, genuine, impostor]))| {
                let impostor = impostor.into_iter().filter(|p| kept(p)).collect();
                (u, [enroll, genuine, impostor])
            })
            .collect();
        Plan { users }
    }
}

/// Reads a manifest CSV with columns `user,path,role` (role: enroll, genuine or impostor).
pub fn load_manifest(path: &Path) -> Result<Plan, String> {
    let base = path.parent().unwrap_or(Path::new("."));
    let mut rdr = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_path(path)
        .map_err(|e| format!("{}: {e}", path.display()))?;
    let mut plan = Plan::default();
    for (line, rec) in rdr.records().enumerate() {
        let rec = rec.map_err(|e| format!("{}: {e}", path.display()))?;
        let (Some(user), Some(p), Some(role)) = (rec.get(0), rec.get(1), rec.get(2)) else {
            return Err(format!(
                "{} row {}: need user,path,role",
                path.display(),
                line + 2
            ));
        };
        let slot = match role {
            "enroll" => 0,
            "genuine" => 1,
            "impostor" => 2,
            other => {
                return Err(format!(
                    "{} row {}: role `{other}` (expected enroll, genuine or impostor)",
                    path.display(),
                    line + 2
                ))
            }
        };
        plan.users.entry(user.to_owned()).or_default()[slot].push(base.join(p));
    }
    Ok(plan)
}

/// The data README's protocol on a SapiMouse folder: enroll on each user's 3-minute session,
/// genuine = the user's 1-minute session, impostors = every other user's 1-minute session.
pub fn sapimouse_plan(dir: &Path) -> Result<Plan, String> {
    let mut users = Vec::new();
    for e in std::fs::read_dir(dir).map_err(|e| format!("{}: {e}", dir.display()))? {
        let e = e.map_err(|e| e.to_string())?;
        if e.path().is_dir() {
            let mut files: Vec<PathBuf> = std::fs::read_dir(e.path())
                .map_err(|e| e.to_string())?
                .filter_map(|f| f.ok().map(|f| f.path()))
                .collect();
            files.sort();
            let find = |suffix: &str| {
                files
                    .iter()
                    .find(|f| f.to_string_lossy().ends_with(suffix))
                    .cloned()
            };
            if let (Some(three), Some(one)) = (find("_3min.csv"), find("_1min.csv")) {
                users.push((e.file_name().to_string_lossy().into_owned(), three, one));
            }
        }
    }
    if users.len() < 2 {
        return Err(format!(
            "{}: no SapiMouse user folders found",
            dir.display()
        ));
    }
    let mut plan = Plan::default();
    for (u, three, one) in &users {
        let impostors = users
            .iter()
            .filter(|(o, _, _)| o != u)
            .map(|(_, _, one)| one.clone())
            .collect();
        plan.users.insert(
            u.clone(),
            [vec![three.clone()], vec![one.clone()], impostors],
        );
    }
    Ok(plan)
}

/// Result for one block length.
#[derive(Debug, Clone, serde::Serialize)]
pub struct PointerResult {
    /// Detector name.
    pub detector: String,
    /// Block length in seconds.
    pub block_seconds: f64,
    /// Mean per-user AUC.
    pub auc_mean: f64,
    /// Its standard deviation.
    pub auc_sd: f64,
    /// Mean per-user EER.
    pub eer_mean: f64,
    /// Its standard deviation.
    pub eer_sd: f64,
    /// Users evaluated.
    pub users: usize,
    /// Whether other users' enrollment data was used.
    pub population: bool,
}

fn summarise_result(
    detector: &str,
    secs: f64,
    population: bool,
    per_user: &[(Vec<f64>, Vec<f64>)],
) -> PointerResult {
    let usable: Vec<&(Vec<f64>, Vec<f64>)> = per_user
        .iter()
        .filter(|(g, i)| !g.is_empty() && !i.is_empty())
        .collect();
    let aucs: Vec<f64> = usable.iter().map(|(g, i)| auc(g, i)).collect();
    let eers: Vec<f64> = usable.iter().map(|(g, i)| eer(g, i)).collect();
    let (am, asd) = mean_sd(&aucs);
    let (em, esd) = mean_sd(&eers);
    PointerResult {
        detector: detector.to_owned(),
        block_seconds: secs,
        auc_mean: am,
        auc_sd: asd,
        eer_mean: em,
        eer_sd: esd,
        users: usable.len(),
        population,
    }
}

/// Runs the plan for one block length: the one-class window detector, and the population
/// variant (other users split into two disjoint halves, background and impostors, then swapped).
pub fn run(plan: &Plan, secs: f64, tick: &(dyn Fn() + Sync)) -> Result<Vec<PointerResult>, String> {
    let len = secs * 1000.0;
    let mut cache: BTreeMap<PathBuf, Session> = BTreeMap::new();
    for sets in plan.users.values() {
        for p in sets.iter().flatten() {
            if !cache.contains_key(p) {
                cache.insert(p.clone(), load_session(p)?);
            }
        }
    }
    let users: Vec<(&String, &[Vec<PathBuf>; 3])> = plan.users.iter().collect();
    let params = WindowParams::default();
    let models: Vec<WindowModel> = users
        .par_iter()
        .map(|(_, sets)| {
            let mut m = WindowModel::new(params);
            for p in &sets[0] {
                for w in enrollment_blocks(&cache[p], len) {
                    m.update(&w);
                }
            }
            m
        })
        .collect();
    let test_blocks = |p: &PathBuf| blocks(&cache[p], len);
    let user_of: BTreeMap<&PathBuf, usize> = users
        .iter()
        .enumerate()
        .flat_map(|(i, (_, sets))| sets[0].iter().chain(&sets[1]).map(move |p| (p, i)))
        .collect();
    let (one, pop): (Vec<_>, Vec<_>) = users
        .par_iter()
        .enumerate()
        .map(|(u, (_, sets))| {
            let m = &models[u];
            let genuine_blocks: Vec<Vec<Feature>> = sets[1].iter().flat_map(test_blocks).collect();
            let score1 = |w: &Vec<Feature>| m.score(w);
            let g1: Vec<f64> = genuine_blocks.iter().filter_map(score1).collect();
            let i1: Vec<f64> = sets[2]
                .iter()
                .flat_map(test_blocks)
                .filter_map(|w| score1(&w))
                .collect();
            // Population: impostor sessions whose owner is known are split by owner parity.
            let owners: Vec<usize> = (0..users.len()).filter(|&o| o != u).collect();
            let halves = halves(&owners);
            let mut g2 = vec![0.0; genuine_blocks.len()];
            let mut i2 = Vec::new();
            for h in 0..2 {
                let bg: Vec<&WindowModel> = halves[h].iter().map(|&o| &models[o]).collect();
                let pm = WindowPopulationModel::new(m, &bg);
                for (g, w) in g2.iter_mut().zip(&genuine_blocks) {
                    *g += pm.score(w).unwrap_or(0.0) / 2.0;
                }
                for p in &sets[2] {
                    let owner = user_of.get(p).copied();
                    let in_test_half = owner.is_none_or(|o| halves[1 - h].contains(&o));
                    if in_test_half && (owner.is_some() || h == 0) {
                        i2.extend(test_blocks(p).iter().filter_map(|w| pm.score(w)));
                    }
                }
            }
            tick();
            ((g1, i1), (g2, i2))
        })
        .unzip();
    Ok(vec![
        summarise_result("telltale-window", secs, false, &one),
        summarise_result("telltale-window-population", secs, true, &pop),
    ])
}

/// Where the README says SapiMouse is, relative to the project root.
pub fn default_sapimouse() -> PathBuf {
    crate::project_root().join("../shared/data/mouse/sapimouse")
}
