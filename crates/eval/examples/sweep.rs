use telltale_core::detect::{TelltaleFixed, TelltaleFixedParams};
use telltale_core::{Detector, Model};

fn eer(g: &[f64], i: &[f64]) -> f64 {
    let mut all: Vec<(f64, bool)> = g
        .iter()
        .map(|&s| (s, false))
        .chain(i.iter().map(|&s| (s, true)))
        .collect();
    all.sort_by(|a, b| b.0.total_cmp(&a.0));
    let (ng, ni) = (g.len() as f64, i.len() as f64);
    let (mut fp, mut tp) = (0.0, 0.0);
    let mut pts = vec![(0.0, 1.0)];
    let mut k = 0;
    while k < all.len() {
        let s = all[k].0;
        while k < all.len() && all[k].0 == s {
            if all[k].1 {
                tp += 1.0
            } else {
                fp += 1.0
            }
            k += 1;
        }
        pts.push((fp / ng, (ni - tp) / ni));
    }
    let mut idx = 0;
    for (k, &(fa, m)) in pts.iter().enumerate() {
        if m - fa >= 0.0 {
            idx = k
        } else {
            break;
        }
    }
    let (fa1, m1) = pts[idx];
    let (fa2, m2) = pts[idx + 1];
    let d = fa2 - fa1 - m2 + m1;
    if d == 0.0 {
        return m1;
    }
    let a = (m1 - fa1) / d;
    m1 + a * (m2 - m1)
}

fn main() {
    let text =
        std::fs::read_to_string("../shared/data/keystroke/DSL-StrongPasswordData.csv").unwrap();
    let mut subj: Vec<(String, Vec<Vec<f64>>)> = vec![];
    for l in text.lines().skip(1) {
        let f: Vec<&str> = l.trim().split(',').collect();
        let row: Vec<f64> = f[3..]
            .iter()
            .map(|v| v.parse::<f64>().unwrap() * 1000.0)
            .collect();
        if subj.last().map(|s| s.0 != f[0]).unwrap_or(true) {
            subj.push((f[0].to_string(), vec![]))
        }
        subj.last_mut().unwrap().1.push(row);
    }
    let args: Vec<f64> = std::env::args()
        .skip(1)
        .map(|a| a.parse().unwrap())
        .collect();
    let p = TelltaleFixedParams {
        tau_ms: args[0],
        min_half_life: args[1],
        max_half_life: args[4],
        cap: args[2],
        clip: args[3],
        warmup: 10,
    };
    let d = p.check().unwrap();
    let mut eers = vec![];
    for (u, s) in subj.iter().enumerate() {
        let m = d.fit(&s.1[..200].to_vec()).unwrap();
        let g: Vec<f64> = s.1[200..].iter().map(|x| m.score(x)).collect();
        let i: Vec<f64> = subj
            .iter()
            .enumerate()
            .filter(|(o, _)| *o != u)
            .flat_map(|(_, o)| o.1[..5].iter())
            .map(|x| m.score(x))
            .collect();
        eers.push(eer(&g, &i));
    }
    println!(
        "{:?} {:.4}",
        args,
        eers.iter().sum::<f64>() / eers.len() as f64
    );
}
