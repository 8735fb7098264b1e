//! Records to JavaScript objects and JavaScript values to telltale-core's [`Value`]: the one
//! place records cross the boundary, in place of serde (whose generic code would triple the
//! WebAssembly; see `telltale_core::json` and `telltale_core::value`). Numbers stay `f64` both
//! ways, so JavaScript prints them.

use crate::prelude::*;
use js_sys::{Array, Object};
use telltale_core::{ToJson, Value};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

/// Nesting deeper than any record has (a profile is five levels deep): refuses cyclic objects.
const MAX_DEPTH: u32 = 16;

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

/// Reads a JSON-shaped JavaScript value (what `JSON.parse` gives); `undefined` reads as null.
/// Functions, symbols, big integers and cycles are refused.
pub fn from_js(v: &JsValue) -> Result<Value, &'static str> {
    read(v, 0)
}

fn read(v: &JsValue, depth: u32) -> Result<Value, &'static str> {
    if depth > MAX_DEPTH {
        return Err("nested too deeply");
    }
    if v.is_null() || v.is_undefined() {
        return Ok(Value::Null);
    }
    if let Some(b) = v.as_bool() {
        return Ok(Value::Bool(b));
    }
    if let Some(n) = v.as_f64() {
        return Ok(Value::Num(n));
    }
    if let Some(s) = v.as_string() {
        return Ok(Value::Str(s));
    }
    if Array::is_array(v) {
        let a: &Array = v.unchecked_ref();
        return a
            .iter()
            .map(|x| read(&x, depth + 1))
            .collect::<Result<_, _>>()
            .map(Value::Arr);
    }
    if v.is_object() && !v.is_function() {
        let o: &Object = v.unchecked_ref();
        let mut fields = Vec::new();
        for entry in Object::entries(o).iter() {
            let pair: Array = entry.unchecked_into();
            let key = pair
                .get(0)
                .as_string()
                .ok_or("a key that is not a string")?;
            fields.push((key, read(&pair.get(1), depth + 1)?));
        }
        return Ok(Value::Obj(fields));
    }
    Err("a value that is not JSON")
}
