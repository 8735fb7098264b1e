//! CSV readers of the public data sets (../shared/data): one place that parses a row.

use std::path::Path;

use telltale_core::event::{PointerEvent, PointerKind, PointerPhase};

/// Opens a CSV with a header row, fields trimmed.
pub fn open(path: &Path) -> Result<csv::Reader<std::fs::File>, String> {
    csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_path(path)
        .map_err(|e| format!("{}: {e}", path.display()))
}

/// Each data row of `path` with its number in the file (the header is row 1), or the error that
/// names the file.
pub fn rows(
    path: &Path,
) -> Result<impl Iterator<Item = Result<(usize, csv::StringRecord), String>> + '_, String> {
    Ok(open(path)?.into_records().enumerate().map(move |(i, rec)| {
        rec.map(|r| (i + 2, r))
            .map_err(|e| format!("{}: {e}", path.display()))
    }))
}

/// Field `i` of a row as a finite number; the error names the file and row.
pub fn num(rec: &csv::StringRecord, i: usize, path: &Path, row: usize) -> Result<f64, String> {
    rec.get(i)
        .and_then(|v| v.parse::<f64>().ok())
        .filter(|v| v.is_finite())
        .ok_or_else(|| bad(path, row))
}

/// The error for a row whose value cannot be read.
pub fn bad(path: &Path, row: usize) -> String {
    format!("{} row {row}: bad value", path.display())
}

/// A SapiMouse session (`client timestamp, button, state, x, y`; time in ms as recorded) as the
/// pointer events the browser boundary would hand the windower. Rows whose time goes back (a
/// clock step) are skipped.
pub fn sapimouse(path: &Path) -> Result<Vec<PointerEvent>, String> {
    let mut out: Vec<PointerEvent> = Vec::new();
    for row in rows(path)? {
        let (row, rec) = row?;
        let (t, x, y) = (
            num(&rec, 0, path, row)?,
            num(&rec, 3, path, row)?,
            num(&rec, 4, path, row)?,
        );
        // `PointerEvent.buttons`: 1 the left button, 2 the right one.
        let held = if rec.get(1) == Some("Right") { 2 } else { 1 };
        let (phase, buttons) = match rec.get(2).unwrap_or_default() {
            "Move" => (PointerPhase::Move, 0),
            "Drag" => (PointerPhase::Move, held),
            "Pressed" => (PointerPhase::Down, held),
            "Released" => (PointerPhase::Up, 0),
            _ => return Err(bad(path, row)),
        };
        if out.last().is_some_and(|p| t < p.t) {
            continue;
        }
        out.push(PointerEvent {
            t,
            phase,
            kind: PointerKind::Mouse,
            x,
            y,
            buttons,
            movement: None,
            trusted: true,
        });
    }
    Ok(out)
}
