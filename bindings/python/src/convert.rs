//! Python values ⇄ `serde_json::Value`, so dicts pass straight into the engine's serde types
//! (the same parsing, and the same field-naming errors, as JSON bodies) and results come back
//! in their JSON shape.

use crate::request::ContentRequest;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyBool, PyDict, PyFloat, PyInt, PyList, PyMapping, PySequence, PyString, PyTuple, PyType};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Number, Value};
use splants::Error;

/// Deepest nesting accepted from Python (guards against self-referencing containers).
const MAX_DEPTH: usize = 64;

/// Converts a Python value to JSON: `None`, `bool`, `int`, `float`, `str`, mappings, lists and
/// tuples, enum members (their `.value`, as pydantic's `model_dump()` leaves them), `datetime`
/// / `date` (ISO 8601) and [`ContentRequest`] objects. `field` names the value in errors.
pub(crate) fn to_json(obj: &Bound<'_, PyAny>, field: &str) -> Result<Value, Error> {
    to_json_at(obj, field, 0)
}

fn to_json_at(obj: &Bound<'_, PyAny>, path: &str, depth: usize) -> Result<Value, Error> {
    if depth > MAX_DEPTH {
        return Err(Error::validation(path, format!("is nested more than {MAX_DEPTH} levels deep")));
    }
    if obj.is_none() {
        return Ok(Value::Null);
    }
    if let Ok(b) = obj.cast::<PyBool>() {
        return Ok(Value::Bool(b.is_true()));
    }
    if obj.is_instance_of::<PyInt>() {
        if let Ok(i) = obj.extract::<i64>() {
            return Ok(Value::from(i));
        }
        return obj
            .extract::<u64>()
            .map(Value::from)
            .map_err(|_| Error::validation(path, "is an integer too large for 64 bits"));
    }
    if let Ok(f) = obj.cast::<PyFloat>() {
        return Number::from_f64(f.value())
            .map(Value::Number)
            .ok_or_else(|| Error::validation(path, format!("{} is not a finite number", f.value())));
    }
    if let Ok(s) = obj.cast::<PyString>() {
        return s
            .to_cow()
            .map(|s| Value::String(s.into_owned()))
            .map_err(|_| Error::validation(path, "is not valid UTF-8"));
    }
    if let Ok(d) = obj.cast::<PyDict>() {
        let mut map = Map::with_capacity(d.len());
        for (k, v) in d.iter() {
            let key = dict_key(&k, path)?;
            let value = to_json_at(&v, &join(path, &key), depth + 1)?;
            map.insert(key, value);
        }
        return Ok(Value::Object(map));
    }
    if obj.is_instance_of::<PyList>() || obj.is_instance_of::<PyTuple>() {
        let seq = obj.cast::<PySequence>().map_err(|_| Error::validation(path, "is not a sequence"))?;
        let len = seq.len().map_err(|e| Error::validation(path, e.to_string()))?;
        let mut out = Vec::with_capacity(len);
        for i in 0..len {
            let item = seq.get_item(i).map_err(|e| Error::validation(path, e.to_string()))?;
            out.push(to_json_at(&item, &format!("{path}[{i}]"), depth + 1)?);
        }
        return Ok(Value::Array(out));
    }
    if let Ok(req) = obj.cast::<ContentRequest>() {
        return serde_json::to_value(&req.get().0).map_err(|e| Error::internal(e.to_string()));
    }
    if is_instance(obj, &ENUM, "enum", "Enum") {
        let value = obj.getattr("value").map_err(|e| Error::validation(path, e.to_string()))?;
        return to_json_at(&value, path, depth + 1);
    }
    if is_instance(obj, &DATE, "datetime", "date") {
        let iso = obj.call_method0("isoformat").map_err(|e| Error::validation(path, e.to_string()))?;
        return to_json_at(&iso, path, depth + 1);
    }
    if let Ok(m) = obj.cast::<PyMapping>() {
        let items = m.items().map_err(|e| Error::validation(path, e.to_string()))?;
        let mut map = Map::new();
        for item in items.iter() {
            let (k, v): (Bound<'_, PyAny>, Bound<'_, PyAny>) =
                item.extract().map_err(|e: PyErr| Error::validation(path, e.to_string()))?;
            let key = dict_key(&k, path)?;
            let value = to_json_at(&v, &join(path, &key), depth + 1)?;
            map.insert(key, value);
        }
        return Ok(Value::Object(map));
    }
    let type_name = obj.get_type().name().map(|n| n.to_string()).unwrap_or_else(|_| "?".to_owned());
    Err(Error::validation(path, format!("has unsupported type `{type_name}`; expected JSON-like data")))
}

static ENUM: PyOnceLock<Py<PyType>> = PyOnceLock::new();
static DATE: PyOnceLock<Py<PyType>> = PyOnceLock::new();

fn is_instance(obj: &Bound<'_, PyAny>, cell: &'static PyOnceLock<Py<PyType>>, module: &str, name: &str) -> bool {
    cell.import(obj.py(), module, name).is_ok_and(|ty| obj.is_instance(ty).unwrap_or(false))
}

fn dict_key(k: &Bound<'_, PyAny>, path: &str) -> Result<String, Error> {
    match k.cast::<PyString>() {
        Ok(s) => s.to_cow().map(|c| c.into_owned()).map_err(|_| Error::validation(path, "has a key that is not UTF-8")),
        Err(_) => Err(Error::validation(path, "has a key that is not a string")),
    }
}

fn join(path: &str, key: &str) -> String {
    if path.is_empty() { key.to_owned() } else { format!("{path}.{key}") }
}

/// Parses the Python argument called `arg` into a core shape through JSON, as the core parses
/// every binding's argument ([`splants::shapes::from_value_in`]): errors name the field inside
/// it (`events[0].event_name`, `overrides.tone`).
pub(crate) fn from_py<T: DeserializeOwned>(obj: &Bound<'_, PyAny>, arg: &str) -> Result<T, Error> {
    splants::shapes::from_value_in(to_json(obj, arg)?, arg)
}

/// The given keyword arguments (`None` left out) as one JSON object, the shape the core parses
/// with [`splants::shapes::from_value`]; a value that is not JSON-like is an error of its keyword.
pub(crate) fn keyword_object(fields: &[(&str, Option<&Bound<'_, PyAny>>)]) -> Result<Value, Error> {
    let mut map = Map::new();
    for (name, value) in fields {
        if let Some(v) = value.filter(|v| !v.is_none()) {
            map.insert((*name).to_owned(), to_json(v, name)?);
        }
    }
    Ok(Value::Object(map))
}

/// Converts JSON to plain Python values (`dict`, `list`, `str`, `int`, `float`, `bool`, `None`).
pub(crate) fn json_to_py<'py>(py: Python<'py>, value: &Value) -> PyResult<Bound<'py, PyAny>> {
    Ok(match value {
        Value::Null => py.None().into_bound(py),
        Value::Bool(b) => PyBool::new(py, *b).to_owned().into_any(),
        Value::Number(n) => {
            if let Some(i) = n.as_i64() {
                i.into_pyobject(py)?.into_any()
            } else if let Some(u) = n.as_u64() {
                u.into_pyobject(py)?.into_any()
            } else {
                n.as_f64().unwrap_or(f64::NAN).into_pyobject(py)?.into_any()
            }
        }
        Value::String(s) => PyString::new(py, s).into_any(),
        Value::Array(items) => {
            let list = PyList::empty(py);
            for item in items {
                list.append(json_to_py(py, item)?)?;
            }
            list.into_any()
        }
        Value::Object(map) => {
            let dict = PyDict::new(py);
            for (k, v) in map {
                dict.set_item(k, json_to_py(py, v)?)?;
            }
            dict.into_any()
        }
    })
}

/// A serializable Rust value as plain Python values (its JSON shape).
pub(crate) fn to_py<'py, T: Serialize>(py: Python<'py>, value: &T) -> PyResult<Bound<'py, PyAny>> {
    let json =
        serde_json::to_value(value).map_err(|e| crate::errors::to_py_err(py, &Error::internal(e.to_string())))?;
    json_to_py(py, &json)
}
