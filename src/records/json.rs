//! How both record loaders read JSON: what is an error is serde_json's
//! parser's to say, and these visitors accept whatever it parses, so the
//! reference loader (which keeps every value) and the fast store (which
//! keeps only the fields a program reads) reject exactly the same texts.
//!
//! Two things serde offers would break that. `IgnoredAny` only scans for
//! brackets and quotes: it passes a number out of range (`1e999`), a lone
//! surrogate escape (`"\ud800"`), nesting past serde_json's depth limit
//! and bytes that are not UTF-8, all of which parsing rejects. And
//! `Value`'s own `Deserialize`, with serde_json's `raw_value` feature on (the
//! JSON report uses it), reads an object whose key is serde_json's private
//! raw-value token as the JSON text held in its value: a record could hide
//! inside a string.

use std::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Number, Value};

/// One JSON value from the whole of `text` (nothing but whitespace may
/// follow), as `serde_json::from_slice::<Value>` reads it, keys as written.
pub(crate) fn parse(text: &[u8]) -> Result<Value, serde_json::Error> {
    let mut de = serde_json::Deserializer::from_slice(text);
    let value = JsonValue.deserialize(&mut de)?;
    de.end()?;
    Ok(value)
}

/// A JSON value as a [`Value`], object keys taken as written.
pub(crate) struct JsonValue;

impl<'de> DeserializeSeed<'de> for JsonValue {
    type Value = Value;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for JsonValue {
    type Value = Value;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }
    fn visit_bool<E: de::Error>(self, b: bool) -> Result<Value, E> {
        Ok(Value::Bool(b))
    }
    fn visit_i64<E: de::Error>(self, n: i64) -> Result<Value, E> {
        Ok(Value::Number(n.into()))
    }
    fn visit_u64<E: de::Error>(self, n: u64) -> Result<Value, E> {
        Ok(Value::Number(n.into()))
    }
    fn visit_f64<E: de::Error>(self, n: f64) -> Result<Value, E> {
        Ok(Number::from_f64(n).map_or(Value::Null, Value::Number))
    }
    fn visit_str<E: de::Error>(self, s: &str) -> Result<Value, E> {
        Ok(Value::String(s.to_string()))
    }
    fn visit_string<E: de::Error>(self, s: String) -> Result<Value, E> {
        Ok(Value::String(s))
    }
    fn visit_unit<E: de::Error>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_none<E: de::Error>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(4096));
        while let Some(item) = seq.next_element_seed(JsonValue)? {
            items.push(item);
        }
        Ok(Value::Array(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut fields = Map::new();
        while let Some(key) = map.next_key::<String>()? {
            fields.insert(key, map.next_value_seed(JsonValue)?);
        }
        Ok(Value::Object(fields))
    }
}

/// A JSON value parsed as [`JsonValue`] parses it, and dropped: what the
/// fast store reads in place of the fields a program does not use.
pub(crate) struct Skip;

impl<'de> DeserializeSeed<'de> for Skip {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Skip {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }
    fn visit_bool<E: de::Error>(self, _: bool) -> Result<(), E> {
        Ok(())
    }
    fn visit_i64<E: de::Error>(self, _: i64) -> Result<(), E> {
        Ok(())
    }
    fn visit_u64<E: de::Error>(self, _: u64) -> Result<(), E> {
        Ok(())
    }
    fn visit_f64<E: de::Error>(self, _: f64) -> Result<(), E> {
        Ok(())
    }
    fn visit_str<E: de::Error>(self, _: &str) -> Result<(), E> {
        Ok(())
    }
    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        Ok(())
    }
    fn visit_none<E: de::Error>(self) -> Result<(), E> {
        Ok(())
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while seq.next_element_seed(Skip)?.is_some() {}
        Ok(())
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while map.next_key_seed(Skip)?.is_some() {
            map.next_value_seed(Skip)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What `parse` and `Skip` must agree on: every text `serde_json`
    /// rejects as a `Value`, at the same place.
    fn skipped(text: &[u8]) -> Result<(), String> {
        let mut de = serde_json::Deserializer::from_slice(text);
        Skip.deserialize(&mut de).and_then(|()| de.end()).map_err(|e| e.to_string())
    }

    #[test]
    fn skipping_rejects_what_parsing_rejects_at_the_same_place() {
        let deep = format!("{}{}", "[".repeat(200), "]".repeat(200));
        let texts: [&[u8]; 9] = [
            b"[1e999]",
            b"{\"a\": [\"\\ud800\"]}",
            b"{\"a\": \"\xff\"}",
            b"{\"\xff\": 1}",
            b"[\"\\q\"]",
            b"[\"a\x01\"]",
            deep.as_bytes(),
            b"{\"a\": 1,}",
            b"[1, {\"b\": -0.5e-3, \"c\": [true, null]}] ",
        ];
        for text in texts {
            let parsed = parse(text).map(|_| ()).map_err(|e| e.to_string());
            assert_eq!(skipped(text), parsed, "{}", String::from_utf8_lossy(text));
            let by_serde = serde_json::from_slice::<Value>(text).map(|_| ()).map_err(|e| e.to_string());
            assert_eq!(parsed, by_serde, "{}", String::from_utf8_lossy(text));
        }
        assert!(skipped(b"[1e999]").is_err() && skipped(deep.as_bytes()).is_err());
    }

    #[test]
    fn keys_are_taken_as_written() {
        let token = "{\"$serde_json::private::RawValue\": \"{\\\"id\\\": \\\"a\\\"}\"}";
        let value = parse(token.as_bytes()).unwrap_or(Value::Null);
        assert_eq!(value.get("$serde_json::private::RawValue").and_then(Value::as_str), Some("{\"id\": \"a\"}"));
        assert_eq!(parse(b"{\"a\": 1, \"a\": [2.5]}").ok(), Some(serde_json::json!({"a": [2.5]})));
    }
}
