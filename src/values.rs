//! Named array values (parameters in, variables/duals/gradients out) and their JSON
//! form: a number, a flat list (vector) or nested row-major lists (matrix).

use crate::ir::hir::Array;
use crate::ir::shape::Shape;
use indexmap::IndexMap;
use serde_json::Value;

/// Values by name, in a stable order.
pub type Values = IndexMap<String, Array>;

/// Parse one JSON value as an array. `Err` says what is wrong with it.
pub fn array_from_json(v: &Value) -> Result<Array, String> {
    match v {
        Value::Number(n) => Ok(Array::scalar(n.as_f64().ok_or("not a finite number")?)),
        Value::Array(items) => {
            if items.is_empty() {
                return Err("an empty list".into());
            }
            if items.iter().all(|x| x.is_number()) {
                let data: Vec<f64> = items.iter().map(|x| x.as_f64().unwrap_or(f64::NAN)).collect();
                return Ok(Array { shape: Shape::vector(data.len()), data });
            }
            let mut data = Vec::new();
            let mut cols = None;
            for (i, row) in items.iter().enumerate() {
                let Value::Array(r) = row else {
                    return Err(format!("row {i} is not a list (mixing numbers and lists)"));
                };
                if !r.iter().all(|x| x.is_number()) {
                    return Err(format!("row {i} has entries that are not numbers (at most 2 axes)"));
                }
                if *cols.get_or_insert(r.len()) != r.len() {
                    return Err(format!("row {i} has {} entries, row 0 has {}", r.len(), cols.unwrap_or(0)));
                }
                data.extend(r.iter().map(|x| x.as_f64().unwrap_or(f64::NAN)));
            }
            let c = cols.unwrap_or(0);
            if c == 0 {
                return Err("empty rows".into());
            }
            Ok(Array { shape: Shape::matrix(items.len(), c), data })
        }
        Value::Null => Err("null (NaN and infinities are not valid values)".into()),
        Value::String(s) => Err(format!("a string (\"{s}\"), not a number")),
        Value::Bool(_) => Err("a boolean, not a number".into()),
        Value::Object(_) => Err("an object, not a number or list".into()),
    }
}

/// Parse a JSON object of named values.
pub fn values_from_json(text: &str) -> Result<Values, String> {
    let v: Value = serde_json::from_str(text).map_err(|e| format!("malformed JSON: {e}"))?;
    let Value::Object(map) = v else { return Err("expected a JSON object mapping names to values".into()) };
    let mut out = Values::new();
    for (k, v) in map {
        let a = array_from_json(&v).map_err(|e| format!("`{k}`: {e}"))?;
        out.insert(k, a);
    }
    Ok(out)
}

/// A number, rounded JSON-safely (non-finite values become null).
fn num(v: f64) -> Value {
    serde_json::Number::from_f64(v).map(Value::Number).unwrap_or(Value::Null)
}

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
    }
}
