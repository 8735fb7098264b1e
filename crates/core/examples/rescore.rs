//! The server's side of "one scorer", on the command line: enrolls a profile from summaries and
//! re-scores summaries against it, so the end-to-end tests can compare the shipped collector's
//! in-page scores with the host's (`tests/e2e/`).
//!
//! ```text
//! rescore enroll N < summaries.json            # JSON array of summaries -> packed scorer
//! rescore score < {"profile": packed, "summaries": [...]}   # -> JSON array of scores
//! ```
//! `enroll N` learns every summary into a profile whose modalities are scored after `N` windows
//! and `N` fixed-text entries (the fixed-text warm-up shortened to `N - 5`, so that the last five
//! calibrate): 10 at least, the smallest `ProfileParams::check` then accepts.

use std::io::Read;
use std::process::ExitCode;

use serde::Deserialize;
use telltale_core::score::MIN_CALIBRATION;
use telltale_core::{Packed, Profile, ProfileParams, Scorer, Summary};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ScoreInput {
    profile: Packed,
    summaries: Vec<Summary>,
}

fn run() -> Result<String, String> {
    let args: Vec<String> = std::env::args().collect();
    let mut input = String::new();
    std::io::stdin()
        .read_to_string(&mut input)
        .map_err(|e| format!("reading stdin: {e}"))?;
    match args.iter().map(String::as_str).collect::<Vec<_>>()[..] {
        [_, "enroll", n] => {
            let n: u32 = n.parse().map_err(|_| format!("not a count: {n}"))?;
            let mut params = ProfileParams {
                enroll_fixed: n,
                enroll_windows: n,
                ..ProfileParams::default()
            };
            params.fixed.warmup = n.saturating_sub(MIN_CALIBRATION as u32);
            let params = params.check().map_err(|e| e.to_string())?;
            let summaries: Vec<Summary> =
                serde_json::from_str(&input).map_err(|e| format!("summaries: {e}"))?;
            let mut profile = Profile::new(params);
            for s in &summaries {
                s.validate().map_err(|e| e.to_string())?;
                profile.learn(s).map_err(|e| e.to_string())?;
            }
            serde_json::to_string(&profile.scorer().pack()).map_err(|e| e.to_string())
        }
        [_, "score"] => {
            let input: ScoreInput =
                serde_json::from_str(&input).map_err(|e| format!("input: {e}"))?;
            let scorer = Scorer::unpack(&input.profile.names, &input.profile.nums)
                .map_err(|e| format!("profile: {e}"))?;
            let mut scores = Vec::new();
            for s in &input.summaries {
                s.validate().map_err(|e| e.to_string())?;
                scores.push(scorer.score(s));
            }
            serde_json::to_string(&scores).map_err(|e| e.to_string())
        }
        _ => Err("usage: rescore enroll N < summaries.json | rescore score < input.json".into()),
    }
}

fn main() -> ExitCode {
    match run() {
        Ok(out) => {
            println!("{out}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("rescore: {e}");
            ExitCode::FAILURE
        }
    }
}
