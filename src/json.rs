//! Reading JavaScript values (parsed JSON, the page's mount options) into Rust types.
//!
//! The value is first copied into a small tree by one non-generic walk, which serde's own map
//! and sequence deserializers then read. This replaced `serde_wasm_bindgen::from_value`, whose
//! deserializer, copied for every type read, and whose error messages, which format floats with
//! Rust's float printing, were a sixth of the first download. Errors here say the same things;
//! numbers in them are printed by JavaScript.

use std::fmt::{self, Display};

use serde::de::value::{MapAccessDeserializer, MapDeserializer, SeqDeserializer};
use serde::de::{self, DeserializeOwned, Expected, IntoDeserializer, Unexpected, Visitor};
use wasm_bindgen::{JsCast, JsValue};

/// Reads `value` as a `T`, or says why it is not one.
pub(crate) fn from_value<T: DeserializeOwned>(value: &JsValue) -> Result<T, String> {
    T::deserialize(Value::from_js(value)).map_err(|e| e.0)
}

/// A JavaScript value as JSON sees it.
#[derive(Debug, Clone)]
enum Value {
    Null,
    Bool(bool),
    Number(f64),
    String(String),
    Array(Vec<Value>),
    Object(Vec<(String, Value)>),
    /// Anything JSON has no word for: a function, a symbol, a bigint.
    Other,
}

/// Integers JavaScript numbers hold exactly.
const SAFE_INTEGER: f64 = 9_007_199_254_740_991.0;

impl Value {
    fn from_js(value: &JsValue) -> Value {
        if value.is_null() || value.is_undefined() {
            Value::Null
        } else if let Some(b) = value.as_bool() {
            Value::Bool(b)
        } else if let Some(n) = value.as_f64() {
            Value::Number(n)
        } else if let Some(s) = value.as_string() {
            Value::String(s)
        } else if let Some(array) = value.dyn_ref::<js_sys::Array>() {
            Value::Array(array.iter().map(|v| Value::from_js(&v)).collect())
        } else if value.is_function() || !value.is_object() {
            Value::Other
        } else {
            // Own enumerable properties, as JSON.stringify sees them; an undefined one is absent.
            let entries = js_sys::Object::entries(value.unchecked_ref());
            let mut fields = Vec::with_capacity(entries.length() as usize);
            for entry in entries.iter() {
                let entry: js_sys::Array = entry.unchecked_into();
                let (key, field) = (entry.get(0), entry.get(1));
                if let (Some(key), false) = (key.as_string(), field.is_undefined()) {
                    fields.push((key, Value::from_js(&field)));
                }
            }
            Value::Object(fields)
        }
    }

    fn unexpected(&self) -> Unexpected<'_> {
        match self {
            Value::Null => Unexpected::Unit,
            Value::Bool(b) => Unexpected::Bool(*b),
            Value::Number(n) => Unexpected::Float(*n),
            Value::String(s) => Unexpected::Str(s),
            Value::Array(_) => Unexpected::Seq,
            Value::Object(_) => Unexpected::Map,
            Value::Other => Unexpected::Other("a value JSON cannot hold"),
        }
    }
}

/// Why a value is not what was asked for.
#[derive(Debug)]
pub(crate) struct Error(String);

impl Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Error {}

impl de::Error for Error {
    fn custom<T: Display>(message: T) -> Error {
        Error(message.to_string())
    }

    fn invalid_type(found: Unexpected<'_>, expected: &dyn Expected) -> Error {
        Error(format!(
            "invalid type: {}, expected {expected}",
            describe(found)
        ))
    }

    fn invalid_value(found: Unexpected<'_>, expected: &dyn Expected) -> Error {
        Error(format!(
            "invalid value: {}, expected {expected}",
            describe(found)
        ))
    }
}

/// Says what a value was, as serde's `Unexpected` does, but with numbers written by JavaScript.
fn describe(found: Unexpected<'_>) -> String {
    let number = |n: f64| {
        js_sys::Number::from(n)
            .to_string_with_radix(10)
            .map(String::from)
            .unwrap_or_default()
    };
    match found {
        Unexpected::Bool(b) => format!("boolean `{b}`"),
        Unexpected::Unsigned(n) => format!("integer `{n}`"),
        Unexpected::Signed(n) => format!("integer `{n}`"),
        Unexpected::Float(n) => format!("number `{}`", number(n)),
        Unexpected::Char(c) => format!("character `{c}`"),
        Unexpected::Str(s) => format!("string {s:?}"),
        Unexpected::Unit => "null".to_owned(),
        Unexpected::Seq => "an array".to_owned(),
        Unexpected::Map => "an object".to_owned(),
        Unexpected::Other(what) => what.to_owned(),
        _ => "another kind of value".to_owned(),
    }
}

impl<'de> IntoDeserializer<'de, Error> for Value {
    type Deserializer = Value;

    fn into_deserializer(self) -> Value {
        self
    }
}

impl Value {
    /// Hands a scalar to `visitor`; anything else is the wrong type. Each visitor gets only the
    /// branches it can use: a list or an object is never built into a string's visitor.
    fn scalar<'de, V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self {
            Value::Null => visitor.visit_unit(),
            Value::Bool(b) => visitor.visit_bool(b),
            Value::Number(n) if n.fract() == 0.0 && n.abs() <= SAFE_INTEGER => {
                if n >= 0.0 {
                    visitor.visit_u64(n as u64)
                } else {
                    visitor.visit_i64(n as i64)
                }
            }
            Value::Number(n) => visitor.visit_f64(n),
            Value::String(s) => visitor.visit_string(s),
            other => Err(other.wrong(&visitor)),
        }
    }

    fn seq<'de, V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        let Value::Array(items) = self else {
            return Err(self.wrong(&visitor));
        };
        let mut seq = SeqDeserializer::new(items.into_iter());
        let value = visitor.visit_seq(&mut seq)?;
        seq.end()?;
        Ok(value)
    }

    fn map<'de, V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        let Value::Object(fields) = self else {
            return Err(self.wrong(&visitor));
        };
        let mut map = MapDeserializer::new(fields.into_iter());
        let value = visitor.visit_map(&mut map)?;
        map.end()?;
        Ok(value)
    }

    fn wrong(&self, expected: &dyn Expected) -> Error {
        de::Error::invalid_type(self.unexpected(), expected)
    }
}

/// Methods of `Deserializer` that all hand a scalar to the visitor.
macro_rules! scalars {
    ($($method:ident)*) => {
        $(
            fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
                self.scalar(visitor)
            }
        )*
    };
}

impl<'de> de::Deserializer<'de> for Value {
    type Error = Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self {
            Value::Array(_) => self.seq(visitor),
            Value::Object(_) => self.map(visitor),
            scalar => scalar.scalar(visitor),
        }
    }

    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.seq(visitor)
    }

    fn deserialize_tuple<V: Visitor<'de>>(
        self,
        _len: usize,
        visitor: V,
    ) -> Result<V::Value, Error> {
        self.seq(visitor)
    }

    fn deserialize_map<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.map(visitor)
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        self.map(visitor)
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self {
            Value::Null => visitor.visit_none(),
            value => visitor.visit_some(value),
        }
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        match self {
            // "variant" for a unit variant, {"variant": value} for one with data.
            Value::String(s) => visitor.visit_enum(s.into_deserializer()),
            Value::Object(fields) if fields.len() == 1 => visitor.visit_enum(
                MapAccessDeserializer::new(MapDeserializer::new(fields.into_iter())),
            ),
            other => Err(other.wrong(&visitor)),
        }
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, Error> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        visitor.visit_unit()
    }

    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _len: usize,
        visitor: V,
    ) -> Result<V::Value, Error> {
        self.seq(visitor)
    }

    fn deserialize_bool<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.scalar(visitor)
    }

    scalars! {
        deserialize_i8 deserialize_i16 deserialize_i32 deserialize_i64 deserialize_i128
        deserialize_u8 deserialize_u16 deserialize_u32 deserialize_u64 deserialize_u128
        deserialize_f32 deserialize_f64 deserialize_char deserialize_str deserialize_string
        deserialize_bytes deserialize_byte_buf deserialize_unit deserialize_identifier
    }

    fn deserialize_unit_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, Error> {
        self.scalar(visitor)
    }
}

#[cfg(all(test, target_arch = "wasm32"))]
mod tests {
    use super::*;
    use serde::Deserialize;
    use wasm_bindgen_test::wasm_bindgen_test;

    #[derive(Debug, Deserialize, PartialEq)]
    #[serde(rename_all = "camelCase", deny_unknown_fields)]
    struct Sample {
        count: u32,
        ratio: f64,
        name: Option<String>,
        #[serde(default)]
        tags: Vec<String>,
        kind: Kind,
    }

    #[derive(Debug, Deserialize, PartialEq)]
    #[serde(rename_all = "lowercase")]
    enum Kind {
        Country,
        Region,
    }

    fn parse<T: DeserializeOwned>(json: &str) -> Result<T, String> {
        from_value(&js_sys::JSON::parse(json).unwrap())
    }

    #[wasm_bindgen_test]
    fn reads_numbers_strings_options_lists_and_enums() {
        let sample: Sample =
            parse(r#"{"count": 3, "ratio": 0.5, "name": null, "tags": ["a"], "kind": "region"}"#)
                .unwrap();
        assert_eq!(
            sample,
            Sample {
                count: 3,
                ratio: 0.5,
                name: None,
                tags: vec!["a".into()],
                kind: Kind::Region,
            }
        );
    }

    #[wasm_bindgen_test]
    fn says_what_is_wrong_and_writes_numbers_as_javascript_does() {
        let error =
            parse::<Sample>(r#"{"count": 2.5, "ratio": 1, "kind": "country"}"#).unwrap_err();
        assert_eq!(error, "invalid type: number `2.5`, expected u32");
        let error = parse::<Sample>(r#"{"count": -1, "ratio": 1, "kind": "country"}"#).unwrap_err();
        assert_eq!(error, "invalid value: integer `-1`, expected u32");
        let error = parse::<Sample>(r#"{"count": 1, "ratio": 1, "kind": "city"}"#).unwrap_err();
        assert!(error.starts_with("unknown variant `city`"), "{error}");
        let error = parse::<Sample>(r#"{"count": 1, "ratio": 1}"#).unwrap_err();
        assert_eq!(error, "missing field `kind`");
        let error =
            parse::<Sample>(r#"{"count": 1, "ratio": 1, "kind": "country", "x": 1}"#).unwrap_err();
        assert!(error.starts_with("unknown field `x`"), "{error}");
    }

    #[wasm_bindgen_test]
    fn an_undefined_property_is_an_absent_one_and_a_function_is_refused() {
        let object = js_sys::Object::new();
        js_sys::Reflect::set(&object, &"count".into(), &1.into()).unwrap();
        js_sys::Reflect::set(&object, &"ratio".into(), &2.into()).unwrap();
        js_sys::Reflect::set(&object, &"kind".into(), &"country".into()).unwrap();
        js_sys::Reflect::set(&object, &"name".into(), &JsValue::UNDEFINED).unwrap();
        let sample: Sample = from_value(&object).unwrap();
        assert_eq!(sample.name, None);

        let function = js_sys::Function::new_no_args("return 1");
        js_sys::Reflect::set(&object, &"name".into(), &function).unwrap();
        let error = from_value::<Sample>(&object).unwrap_err();
        assert_eq!(
            error,
            "invalid type: a value JSON cannot hold, expected a string"
        );
    }
}
