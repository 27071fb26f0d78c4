//! Named array values (parameters in, variables/duals/gradients out) and their JSON
//! form: a number, a flat list (vector) or nested row-major lists (matrix).

use crate::ir::hir::Array;
use crate::ir::shape::Shape;
use indexmap::IndexMap;
use serde_json::Value;

/// Arrays by name, in insertion order: parameter values in, variables, duals and
/// gradients out. The JSON form is an object of numbers and (nested) lists, see
/// [`values_from_json`] and [`values_to_json`].
///
/// ```
/// use dopt::{Array, Values};
/// use dopt::values::{values_from_json, values_to_json};
///
/// let v = values_from_json(r#"{"x": [1, 2], "A": [[1, 2], [3, 4]], "lam": 0.5}"#).unwrap();
/// assert_eq!(v["A"].at(1, 0), 3.0);
/// assert_eq!(v["lam"], Array::scalar(0.5));
/// assert_eq!(values_to_json(&v).to_string(), r#"{"x":[1.0,2.0],"A":[[1.0,2.0],[3.0,4.0]],"lam":0.5}"#);
///
/// let built = Values::from([("x".to_string(), Array::vector(&[1.0, 2.0]))]);
/// assert_eq!(built["x"], v["x"]);
/// ```
pub type Values = IndexMap<String, Array>;

/// Most characters of an input text (a name, a string value) that a message repeats.
pub const ECHO_CHARS: usize = 80;

/// `s` as a message quotes it: whole up to [`ECHO_CHARS`] characters, else its start
/// and `…` (a 10 MB string in a values file is not repeated whole).
///
/// ```
/// use dopt::values::clip;
///
/// assert_eq!(clip("x"), "x");
/// let long = "a".repeat(1000);
/// assert_eq!(clip(&long).chars().count(), 81);
/// assert!(clip(&long).ends_with('…'));
/// ```
pub fn clip(s: &str) -> std::borrow::Cow<'_, str> {
    match s.char_indices().nth(ECHO_CHARS) {
        None => s.into(),
        Some((at, _)) => format!("{}…", &s[..at]).into(),
    }
}

/// What a JSON value that should be a number is instead.
fn not_a_number(v: &Value) -> String {
    match v {
        Value::Null => "null (NaN and infinities are not valid values)".into(),
        Value::String(s) => {
            let t = s.trim().to_ascii_lowercase();
            let nonfinite = matches!(t.trim_start_matches(['+', '-']), "nan" | "inf" | "infinity");
            let why = if nonfinite { "; NaN and infinities are not valid values" } else { "" };
            format!("a string (\"{}\"), not a number{why}", clip(s))
        }
        Value::Bool(_) => "a boolean, not a number".into(),
        Value::Object(_) => "an object, not a number or list".into(),
        Value::Array(_) => "a list (at most 2 axes)".into(),
        Value::Number(n) => format!("{n}, not a finite number"),
    }
}

fn number(v: &Value) -> Option<f64> {
    v.as_f64().filter(|x| x.is_finite())
}

/// Parse one JSON value as an array. `Err` says what is wrong with it.
pub fn array_from_json(v: &Value) -> Result<Array, String> {
    match v {
        Value::Number(_) => Ok(Array::scalar(number(v).ok_or_else(|| not_a_number(v))?)),
        Value::Array(items) => {
            if items.is_empty() {
                return Err("an empty list".into());
            }
            if !items.iter().any(|x| x.is_array()) {
                let mut data = Vec::with_capacity(items.len());
                for (i, x) in items.iter().enumerate() {
                    data.push(number(x).ok_or_else(|| format!("entry {i} is {}", not_a_number(x)))?);
                }
                return Ok(Array { shape: Shape::vector(data.len()), data });
            }
            let mut data = Vec::new();
            let mut cols = None;
            for (i, row) in items.iter().enumerate() {
                let Value::Array(r) = row else {
                    return Err(format!("row {i} is not a list (mixing numbers and lists)"));
                };
                if *cols.get_or_insert(r.len()) != r.len() {
                    return Err(format!("row {i} has {} entries, row 0 has {}", r.len(), cols.unwrap_or(0)));
                }
                for (j, x) in r.iter().enumerate() {
                    data.push(number(x).ok_or_else(|| format!("entry [{i}][{j}] is {}", not_a_number(x)))?);
                }
            }
            let c = cols.unwrap_or(0);
            if c == 0 {
                return Err("empty rows".into());
            }
            Ok(Array { shape: Shape::matrix(items.len(), c), data })
        }
        _ => Err(not_a_number(v)),
    }
}

/// Parse a JSON object of named values. (A panic inside is a bug, returned as an
/// "internal error" message.)
pub fn values_from_json(text: &str) -> Result<Values, String> {
    crate::frontend::catch_panic("values_from_json", || parse_values(text)).unwrap_or_else(|p| {
        let d = crate::frontend::internal_error("values_from_json", &p);
        Err(format!("{} ({})", d.message, d.help.join("; ")))
    })
}

fn parse_values(text: &str) -> Result<Values, String> {
    let v: Value = serde_json::from_str(text).map_err(|e| {
        // JSON has no NaN or infinity: say so when the parser stops at one.
        let at = text.lines().nth(e.line().saturating_sub(1)).unwrap_or("");
        let rest = at.chars().skip(e.column().saturating_sub(1)).collect::<String>().to_ascii_lowercase();
        let rest = rest.trim_start_matches(['+', '-']);
        let nonfinite = e.to_string().starts_with("number out of range")
            || rest.starts_with("nan")
            || rest.starts_with("inf");
        let hint =
            if nonfinite { " (values must be finite numbers: JSON has no NaN or infinity)" } else { "" };
        format!("malformed JSON: {e}{hint}")
    })?;
    if !v.is_object() {
        return Err("expected a JSON object mapping names to values".into());
    }
    // serde_json keeps the last of repeated keys; a file that names a parameter twice
    // is a mistake worth reporting, so read the entries again with the repeats kept.
    let Entries(entries) = serde_json::from_str(text).map_err(|e| format!("malformed JSON: {e}"))?;
    let mut out = Values::new();
    for (k, v) in entries {
        if out.contains_key(&k) {
            return Err(format!("`{}` is given twice", clip(&k)));
        }
        let a = array_from_json(&v).map_err(|e| format!("`{}`: {e}", clip(&k)))?;
        out.insert(k, a);
    }
    Ok(out)
}

/// The top-level entries of a JSON object in file order, repeated keys included.
struct Entries(Vec<(String, Value)>);

impl<'de> serde::Deserialize<'de> for Entries {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Entries, D::Error> {
        struct Visit;
        impl<'de> serde::de::Visitor<'de> for Visit {
            type Value = Entries;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<M: serde::de::MapAccess<'de>>(self, mut m: M) -> Result<Entries, M::Error> {
                let mut v = Vec::new();
                while let Some(entry) = m.next_entry::<String, Value>()? {
                    v.push(entry);
                }
                Ok(Entries(v))
            }
        }
        d.deserialize_map(Visit)
    }
}

/// A number, rounded JSON-safely (non-finite values become null).
fn num(v: f64) -> Value {
    serde_json::Number::from_f64(v).map(Value::Number).unwrap_or(Value::Null)
}

/// The JSON form of an array: a number, a list, or a list of rows. Non-finite entries
/// become `null`.
pub fn array_to_json(a: &Array) -> Value {
    match a.shape.ndim() {
        0 => num(a.data[0]),
        1 => Value::Array(a.data.iter().map(|v| num(*v)).collect()),
        _ => {
            let (m, n) = a.shape.rows_cols();
            Value::Array(
                (0..m).map(|i| Value::Array((0..n).map(|j| num(a.data[i * n + j])).collect())).collect(),
            )
        }
    }
}

/// The JSON object of named arrays (in the map's order), each as [`array_to_json`].
pub fn values_to_json(v: &Values) -> Value {
    Value::Object(v.iter().map(|(k, a)| (k.clone(), array_to_json(a))).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_round_trip_and_errors() {
        let v = values_from_json(r#"{"a": 1.5, "x": [1, 2], "A": [[1, 2, 3], [4, 5, 6]]}"#).unwrap();
        assert_eq!(v["a"].shape, Shape::SCALAR);
        assert_eq!(v["x"].data, vec![1.0, 2.0]);
        assert_eq!(v["A"].shape, Shape::matrix(2, 3));
        assert_eq!(v["A"].data[3], 4.0);
        let back = values_to_json(&v).to_string();
        assert_eq!(back, r#"{"a":1.5,"x":[1.0,2.0],"A":[[1.0,2.0,3.0],[4.0,5.0,6.0]]}"#);
        assert!(values_from_json("{").unwrap_err().contains("malformed JSON"));
        assert!(values_from_json(r#"{"A": [[1, 2], [3]]}"#).unwrap_err().contains("row 1 has 1"));
        assert!(values_from_json(r#"{"a": null}"#).unwrap_err().contains("null"));
        assert!(values_from_json(r#"[1]"#).is_err());
        let e = values_from_json(r#"{"x": [1, "NaN", 3]}"#).unwrap_err();
        assert!(e.contains("`x`: entry 1 is a string (\"NaN\")") && e.contains("NaN and infinities"), "{e}");
        let e = values_from_json(r#"{"A": [[1, 2], [3, null]]}"#).unwrap_err();
        assert!(e.contains("entry [1][1] is null"), "{e}");
        let e = values_from_json(r#"{"A": [[1, [2]], [3, 4]]}"#).unwrap_err();
        assert!(e.contains("entry [0][1] is a list (at most 2 axes)"), "{e}");
        assert!(values_from_json(r#"{"x": [1, true]}"#).unwrap_err().contains("entry 1 is a boolean"));
        for text in [r#"{"x": [1, 1e999]}"#, r#"{"x": -1e999}"#, r#"{"x": [NaN]}"#, "{\"x\":\n -Infinity}"] {
            let e = values_from_json(text).unwrap_err();
            assert!(e.contains("malformed JSON") && e.contains("JSON has no NaN or infinity"), "{text}: {e}");
        }
        assert!(!values_from_json(r#"{"x": [1, 2}"#).unwrap_err().contains("NaN"));
        let e = values_from_json(r#"{"x": [1, 2], "y": 3, "x": [4, 5]}"#).unwrap_err();
        assert_eq!(e, "`x` is given twice");
    }
}
