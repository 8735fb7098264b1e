//! Collector options, read from the JavaScript object once and checked into a valid value
//! (linfa's `check()`): an invalid option is a clear error naming it, at construction.

use js_sys::{Function, Object, Reflect};
use telltale_core::summary::{valid_token, MAX_TOKEN_LEN};
use telltale_core::WindowConfig;
use wasm_bindgen::prelude::wasm_bindgen;
use wasm_bindgen::{JsCast, JsValue};

use crate::prelude::*;
use telltale_core::text::{cat, uint};

/// Summaries waiting to be sent, at most. 64 windows of 15 s are 16 minutes offline; the
/// oldest are dropped first (and counted) beyond that, keeping memory fixed.
pub const DEFAULT_MAX_QUEUE: u32 = 64;

/// Checked options.
#[derive(Debug, Clone)]
pub struct Options {
    /// Where batches go (`None`: only `onSummary`).
    pub endpoint: Option<String>,
    /// The session token from the server (empty until there is one: `setSessionToken`).
    pub session_token: String,
    /// Window settings.
    pub window: WindowConfig,
    /// Queue bound.
    pub max_queue: u32,
    /// Every summary, as a plain object.
    pub on_summary: Option<Function>,
    /// Every score.
    pub on_score: Option<Function>,
}

const KNOWN: [&str; 7] = [
    "endpoint",
    "sessionToken",
    "windowMs",
    "maxKeyEvents",
    "maxQueue",
    "onSummary",
    "onScore",
];
/// [`KNOWN`] in words, written out (`join` would add a kilobyte of WebAssembly); a test keeps
/// the two equal.
const KNOWN_LIST: &str =
    "endpoint, sessionToken, windowMs, maxKeyEvents, maxQueue, onSummary, onScore";

#[wasm_bindgen(module = "/src/send.js")]
extern "C" {
    /// `src/send.js`: whether the URL is http(s), absolute or relative to the page.
    #[wasm_bindgen(js_name = endpointOk)]
    fn endpoint_ok(url: &str) -> bool;
}

fn err(msg: &str) -> JsValue {
    js_sys::TypeError::new(&cat(&["telltale: ", msg])).into()
}

fn option_err(name: &str, must: &str) -> JsValue {
    err(&cat(&["option `", name, "` must be ", must]))
}

/// Whether `n` has no fractional part (`f64::fract` needs std).
fn whole(n: f64) -> bool {
    n % 1.0 == 0.0
}

fn get(obj: &JsValue, name: &str) -> Result<Option<JsValue>, JsValue> {
    let v = Reflect::get(obj, &JsValue::from_str(name))?;
    Ok((!v.is_undefined() && !v.is_null()).then_some(v))
}

fn string(obj: &JsValue, name: &str) -> Result<Option<String>, JsValue> {
    get(obj, name)?
        .map(|v| v.as_string().ok_or_else(|| option_err(name, "a string")))
        .transpose()
}

fn number(obj: &JsValue, name: &str) -> Result<Option<f64>, JsValue> {
    get(obj, name)?
        .map(|v| {
            v.as_f64()
                .filter(|n| n.is_finite())
                .ok_or_else(|| option_err(name, "a finite number"))
        })
        .transpose()
}

fn function(obj: &JsValue, name: &str) -> Result<Option<Function>, JsValue> {
    get(obj, name)?
        .map(|v| {
            v.dyn_into::<Function>()
                .map_err(|_| option_err(name, "a function"))
        })
        .transpose()
}

/// Checks a session token (the `sessionToken` option, `setSessionToken`): 1 to
/// [`MAX_TOKEN_LEN`] visible ASCII characters, what an HTTP header carries unchanged, so that
/// no token is taken that `fetch` could never send. `what` names it in the error.
pub fn check_token(token: &str, what: &str) -> Result<(), JsValue> {
    if valid_token(token) {
        return Ok(());
    }
    Err(err(&cat(&[
        what,
        " must be 1 to ",
        &uint(MAX_TOKEN_LEN as u64),
        " visible ASCII characters (it is sent in an HTTP header)",
    ])))
}

impl Options {
    /// Reads and checks the options object.
    pub fn from_js(obj: &JsValue) -> Result<Options, JsValue> {
        let obj = if obj.is_undefined() || obj.is_null() {
            Object::new().into()
        } else if obj.is_object() {
            obj.clone()
        } else {
            return Err(err("options must be an object"));
        };
        for key in Object::keys(obj.unchecked_ref::<Object>()).iter() {
            let key = key.as_string().unwrap_or_default();
            if !KNOWN.contains(&key.as_str()) {
                return Err(err(&cat(&[
                    "unknown option `",
                    &key,
                    "` (known: ",
                    KNOWN_LIST,
                    ")",
                ])));
            }
        }
        let endpoint = string(&obj, "endpoint")?;
        if endpoint
            .as_deref()
            .is_some_and(|e| e.is_empty() || !endpoint_ok(e))
        {
            return Err(option_err(
                "endpoint",
                "an http(s) URL, absolute or relative to the page",
            ));
        }
        // Without a token, a collector with an endpoint holds its summaries until
        // `setSessionToken` (a login page, before there is a session).
        let session_token = string(&obj, "sessionToken")?.unwrap_or_default();
        if get(&obj, "sessionToken")?.is_some() {
            check_token(&session_token, "option `sessionToken`")?;
        }
        let mut window = WindowConfig::default();
        if let Some(ms) = number(&obj, "windowMs")? {
            window.window_ms = ms;
        }
        if let Some(n) = number(&obj, "maxKeyEvents")? {
            window.max_key_events = n as u32;
            if !whole(n) || n < 0.0 {
                return Err(option_err("maxKeyEvents", "a whole number"));
            }
        }
        let window = window
            .check()
            .map_err(|e| err(&cat(&["option ", &e.message()])))?;
        let max_queue = match number(&obj, "maxQueue")? {
            None => DEFAULT_MAX_QUEUE,
            Some(n) if whole(n) && (1.0..=10_000.0).contains(&n) => n as u32,
            Some(_) => return Err(option_err("maxQueue", "a whole number from 1 to 10000")),
        };
        Ok(Options {
            endpoint,
            session_token,
            window,
            max_queue,
            on_summary: function(&obj, "onSummary")?,
            on_score: function(&obj, "onScore")?,
        })
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_list_in_words_is_the_list() {
        assert_eq!(super::KNOWN.join(", "), super::KNOWN_LIST);
    }
}
