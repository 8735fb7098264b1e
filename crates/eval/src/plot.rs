//! DET curves (miss rate against false-alarm rate, on normal-deviate axes as Martin et al. 1997
//! define them) drawn as SVG.

use std::path::Path;

use plotters::prelude::*;

use crate::metrics::{roc, SubjectScores};

/// Probit of p, clamped to the plotted range (0.1% to 60%).
fn probit(p: f64) -> f64 {
    // Inverse of the normal CDF by bisection on the library's tail function: exact enough for
    // plotting and free of another dependency.
    let p = p.clamp(0.001, 0.6);
    let (mut lo, mut hi) = (-5.0f64, 5.0f64);
    for _ in 0..60 {
        let mid = 0.5 * (lo + hi);
        if 1.0 - telltale_core::score::normal_sf(mid) < p {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    0.5 * (lo + hi)
}

/// Draws one DET curve per detector from pooled per-subject scores.
pub fn det(path: &Path, title: &str, curves: &[(String, SubjectScores)]) -> Result<(), String> {
    let root = SVGBackend::new(path, (720, 620)).into_drawing_area();
    root.fill(&WHITE).map_err(|e| e.to_string())?;
    let ticks = [0.001, 0.01, 0.05, 0.1, 0.2, 0.4, 0.6];
    let (lo, hi) = (probit(0.001), probit(0.6));
    let mut chart = ChartBuilder::on(&root)
        .caption(title, ("sans-serif", 20))
        .margin(15)
        .x_label_area_size(40)
        .y_label_area_size(50)
        .build_cartesian_2d(lo..hi, lo..hi)
        .map_err(|e| e.to_string())?;
    chart
        .configure_mesh()
        .x_desc("false-alarm rate")
        .y_desc("miss rate")
        .x_labels(ticks.len())
        .y_labels(ticks.len())
        .x_label_formatter(&|v| {
            format!(
                "{:.1}%",
                100.0 * (1.0 - telltale_core::score::normal_sf(*v))
            )
        })
        .y_label_formatter(&|v| {
            format!(
                "{:.1}%",
                100.0 * (1.0 - telltale_core::score::normal_sf(*v))
            )
        })
        .draw()
        .map_err(|e| e.to_string())?;
    for (i, (name, per_subject)) in curves.iter().enumerate() {
        // Pool per-subject ROCs by averaging miss rates at fixed false-alarm rates.
        let grid: Vec<f64> = (0..=200)
            .map(|k| 0.001 * (600f64).powf(k as f64 / 200.0))
            .collect();
        let mut miss = vec![0.0; grid.len()];
        for (g, imp) in per_subject {
            let pts = roc(g, imp);
            for (m, &fa) in miss.iter_mut().zip(&grid) {
                let best = pts
                    .iter()
                    .filter(|(f, _)| *f <= fa)
                    .map(|(_, m)| *m)
                    .fold(1.0, f64::min);
                *m += best / per_subject.len() as f64;
            }
        }
        let color = Palette99::pick(i).to_rgba();
        chart
            .draw_series(LineSeries::new(
                grid.iter()
                    .zip(&miss)
                    .map(|(f, m)| (probit(*f), probit(*m))),
                color.stroke_width(2),
            ))
            .map_err(|e| e.to_string())?
            .label(name.clone())
            .legend(move |(x, y)| {
                PathElement::new(vec![(x, y), (x + 20, y)], color.stroke_width(2))
            });
    }
    chart
        .configure_series_labels()
        .background_style(WHITE.mix(0.8))
        .border_style(BLACK)
        .draw()
        .map_err(|e| e.to_string())?;
    root.present().map_err(|e| e.to_string())
}
