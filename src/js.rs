//! Records to JavaScript objects, and the packed profile from JavaScript: the one place records
//! cross the boundary, in place of serde (whose generic code would triple the WebAssembly; see
//! `telltale_core::json` and `telltale_core::pack`). Numbers stay `f64` both ways, so
//! JavaScript prints them.

use crate::prelude::*;
use js_sys::{Array, Reflect};
use telltale_core::ToJson;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

/// A plain JavaScript object for a record: its JSON text with the numbers in slots
/// ([`telltale_core::Json`]), parsed by `JSON.parse` with the numbers put back (`src/send.js`).
pub fn to_js(record: &impl ToJson) -> JsValue {
    let out = record.to_json();
    revive(&out.text, &out.nums)
}

#[wasm_bindgen(module = "/src/send.js")]
extern "C" {
    /// `src/send.js`: `JSON.parse(text)` with every number `i` replaced by `nums[i]`.
    fn revive(text: &str, nums: &[f64]) -> JsValue;
}

/// The two lists of a packed profile (`{names, nums}`, see `telltale_core::pack`), checked to be
/// an array of strings and an array of numbers.
pub fn packed(profile: &JsValue) -> Result<(Vec<String>, Vec<f64>), &'static str> {
    let list = |key: &str| {
        Reflect::get(profile, &JsValue::from_str(key))
            .ok()
            .filter(Array::is_array)
            .map(JsCast::unchecked_into::<Array>)
    };
    let (Some(names), Some(nums)) = (list("names"), list("nums")) else {
        return Err("expected an object with the arrays `names` and `nums`");
    };
    let names = names
        .iter()
        .map(|v| v.as_string())
        .collect::<Option<_>>()
        .ok_or("`names` must hold only strings")?;
    let nums = nums
        .iter()
        .map(|v| v.as_f64())
        .collect::<Option<_>>()
        .ok_or("`nums` must hold only numbers")?;
    Ok((names, nums))
}
