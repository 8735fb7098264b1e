//! Error rates: equal-error rate exactly as Killourhy and Maxion computed it, AUC, DET points.

/// Per subject (or user): the genuine scores and the impostor scores.
pub type SubjectScores = Vec<(Vec<f64>, Vec<f64>)>;

/// Points of the ROC: (false-alarm rate, miss rate) for every cut-off, from the strictest.
/// Scores are anomaly scores (higher = more likely an impostor); a sample is flagged when its
/// score is at or above the cut-off (ROCR's convention, which the CMU paper used).
pub fn roc(genuine: &[f64], impostor: &[f64]) -> Vec<(f64, f64)> {
    let mut all: Vec<(f64, bool)> = genuine
        .iter()
        .map(|&s| (s, false))
        .chain(impostor.iter().map(|&s| (s, true)))
        .collect();
    all.sort_by(|a, b| b.0.total_cmp(&a.0));
    let (ng, ni) = (genuine.len() as f64, impostor.len() as f64);
    let (mut fp, mut tp) = (0.0, 0.0);
    let mut pts = vec![(0.0, 1.0)];
    let mut i = 0;
    while i < all.len() {
        let s = all[i].0;
        while i < all.len() && all[i].0 == s {
            if all[i].1 {
                tp += 1.0;
            } else {
                fp += 1.0;
            }
            i += 1;
        }
        pts.push((fp / ng, (ni - tp) / ni));
    }
    pts
}

/// Equal-error rate: the two ROC points either side of miss rate = false-alarm rate, and the
/// point on the line between them where the two rates are equal (the CMU paper's R code).
pub fn eer(genuine: &[f64], impostor: &[f64]) -> f64 {
    let pts = roc(genuine, impostor);
    // dist = miss - fa decreases from 1 to -1 along the curve.
    let mut idx1 = 0; // smallest dist >= 0
    for (k, &(fa, miss)) in pts.iter().enumerate() {
        if miss - fa >= 0.0 {
            idx1 = k;
        } else {
            break;
        }
    }
    let Some(&(fa2, miss2)) = pts.get(idx1 + 1) else {
        return pts[idx1].0;
    };
    let (fa1, miss1) = pts[idx1];
    let (x1, x2, y1, y2) = (miss1, fa1, miss2, fa2);
    let denom = y2 - x2 - y1 + x1;
    if denom == 0.0 {
        return x1;
    }
    let a = (x1 - x2) / denom;
    x1 + a * (y1 - x1)
}

/// Area under the ROC: the probability that an impostor scores above a genuine sample, ties
/// counting half (Mann-Whitney).
pub fn auc(genuine: &[f64], impostor: &[f64]) -> f64 {
    let mut all: Vec<(f64, bool)> = genuine
        .iter()
        .map(|&s| (s, false))
        .chain(impostor.iter().map(|&s| (s, true)))
        .collect();
    all.sort_by(|a, b| a.0.total_cmp(&b.0));
    let mut rank_sum = 0.0;
    let mut i = 0;
    while i < all.len() {
        let mut j = i;
        while j < all.len() && all[j].0 == all[i].0 {
            j += 1;
        }
        let avg_rank = (i + j + 1) as f64 / 2.0; // ranks i+1..=j
        rank_sum += avg_rank * all[i..j].iter().filter(|x| x.1).count() as f64;
        i = j;
    }
    let (ng, ni) = (genuine.len() as f64, impostor.len() as f64);
    (rank_sum - ni * (ni + 1.0) / 2.0) / (ng * ni)
}

/// Mean and sample standard deviation.
pub fn mean_sd(v: &[f64]) -> (f64, f64) {
    let n = v.len() as f64;
    let m = v.iter().sum::<f64>() / n;
    let var = v.iter().map(|x| (x - m) * (x - m)).sum::<f64>() / (n - 1.0).max(1.0);
    (m, var.sqrt())
}

/// `users` split by position into two halves (even positions, odd positions): a population
/// row's background and impostors, which then swap, so no impostor is in its target's
/// background.
pub fn halves(users: &[usize]) -> [Vec<usize>; 2] {
    [
        users.iter().copied().step_by(2).collect(),
        users.iter().copied().skip(1).step_by(2).collect(),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn perfect_and_useless_detectors() {
        assert_eq!(eer(&[0.0, 1.0, 2.0], &[5.0, 6.0]), 0.0);
        assert_eq!(auc(&[0.0, 1.0, 2.0], &[5.0, 6.0]), 1.0);
        assert_eq!(auc(&[1.0, 1.0], &[1.0, 1.0]), 0.5);
        assert!((eer(&[1.0, 1.0], &[1.0, 1.0]) - 0.5).abs() < 1e-12);
    }

    #[test]
    fn eer_interpolates_between_roc_points() {
        // genuine 0..10, impostors 5..15: overlap of half
        let g: Vec<f64> = (0..10).map(f64::from).collect();
        let i: Vec<f64> = (5..15).map(|x| f64::from(x) + 0.5).collect();
        let e = eer(&g, &i);
        assert!((e - 0.2).abs() < 1e-12, "{e}");
        let a = auc(&g, &i);
        assert!((a - 0.9).abs() < 1e-12, "{a}");
    }
}
