//! Property-based fuzzing of the decoder and validator (bounded: a fixed number of cases, a few
//! seconds in CI): arbitrary bytes and mutated valid batches never panic, and a batch is either
//! stored whole or refused with nothing stored.

mod common;

use axum::http::StatusCode;
use common::*;
use proptest::prelude::*;
use proptest::strategy::ValueTree;
use serde_json::Value;
use telltale_server::ingest::decode_batch;

/// A valid batch as JSON text, made by the core's windower.
fn valid_batch(token: &str) -> Value {
    serde_json::to_value(ALICE.summaries(token, "0123456789abcdef0123", 3)).unwrap()
}

/// Every path to a leaf of a JSON value, as a list of steps.
fn leaves(v: &Value, path: &mut Vec<Step>, out: &mut Vec<Vec<Step>>) {
    match v {
        Value::Array(a) => {
            for (i, x) in a.iter().enumerate() {
                path.push(Step::Index(i));
                leaves(x, path, out);
                path.pop();
            }
        }
        Value::Object(o) => {
            for (k, x) in o {
                path.push(Step::Key(k.clone()));
                leaves(x, path, out);
                path.pop();
            }
        }
        _ => out.push(path.clone()),
    }
}

#[derive(Clone, Debug)]
enum Step {
    Index(usize),
    Key(String),
}

fn at<'a>(v: &'a mut Value, path: &[Step]) -> &'a mut Value {
    path.iter().fold(v, |v, s| match s {
        Step::Index(i) => &mut v[*i],
        Step::Key(k) => &mut v[k.as_str()],
    })
}

/// Replacement values that break types and ranges.
fn mutation() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        Just(serde_json::json!(-1)),
        Just(serde_json::json!(1e308)),
        Just(serde_json::json!(-1e308)),
        Just(serde_json::json!(0)),
        Just(serde_json::json!(u64::MAX)),
        Just(serde_json::json!("")),
        Just(serde_json::json!("x".repeat(300))),
        Just(serde_json::json!([])),
        Just(serde_json::json!({})),
        Just(serde_json::json!(true)),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(|f| serde_json::json!(f)),
        any::<i64>().prop_map(|i| serde_json::json!(i)),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..2048)) {
        let _ = decode_batch(&bytes);
    }

    #[test]
    fn arbitrary_text_never_panics(text in "[\\[\\]{}\":,0-9a-z.eE+-]{0,400}") {
        let _ = decode_batch(text.as_bytes());
    }

    #[test]
    fn mutated_batches_never_panic(pick in any::<prop::sample::Index>(), value in mutation(), cut in any::<prop::sample::Index>()) {
        let mut v = valid_batch("tok");
        let mut paths = Vec::new();
        leaves(&v, &mut Vec::new(), &mut paths);
        let path = pick.get(&paths).clone();
        *at(&mut v, &path) = value;
        let text = v.to_string();
        let _ = decode_batch(text.as_bytes());
        // And the same text cut anywhere.
        let n = cut.index(text.len() + 1);
        let _ = decode_batch(&text.as_bytes()[..n]);
    }
}

/// Through the whole route: each mutated batch is stored whole (every summary of it) or
/// refused with no row stored.
#[tokio::test]
async fn mutated_batches_are_stored_whole_or_refused() {
    let app = app().await;
    let (_, token) = app.login("alice").await;
    let base = valid_batch(&token);
    let mut paths = Vec::new();
    leaves(&base, &mut Vec::new(), &mut paths);
    let mut runner = proptest::test_runner::TestRunner::deterministic();
    let strategy = (any::<prop::sample::Index>(), mutation());
    let (mut stored, mut refused) = (0, 0);
    for i in 0..200u64 {
        let (pick, value) = strategy.new_tree(&mut runner).unwrap().current();
        let mut v = base.clone();
        // A new page per try, so that an accepted batch never collides with an earlier one.
        for s in v.as_array_mut().unwrap() {
            s["page"] = serde_json::json!(format!("fuzzpage{i:012}"));
        }
        let path: &Vec<Step> = pick.get(&paths);
        *at(&mut v, path) = value;
        let before = app.count("summaries").await;
        let a = app.post_text(&token, v.to_string()).await;
        let after = app.count("summaries").await;
        if a.status == StatusCode::ACCEPTED {
            let n = a.body["accepted"].as_i64().unwrap() + a.body["duplicates"].as_i64().unwrap();
            assert_eq!(n, 3, "{}", a.text);
            assert_eq!(after - before, a.body["accepted"].as_i64().unwrap());
            stored += 1;
        } else {
            assert!(a.status.is_client_error(), "{} {}", a.status, a.text);
            assert_eq!(after, before, "a refused batch stored nothing");
            refused += 1;
        }
    }
    assert!(
        stored > 0 && refused > 0,
        "stored {stored}, refused {refused}"
    );
    assert_eq!(
        app.request("GET", "/healthz", &[], "").await.status,
        StatusCode::OK
    );
}
