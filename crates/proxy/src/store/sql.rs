//! One SQL text for both engines: statements are written once, with SQLite's numbered
//! placeholders (`?1`), which PostgreSQL reads as `$1`; values cross as [`Value`] (integers,
//! text, null; a boolean is stored as 0 or 1 in both), and rows come back as [`Row`]s of them,
//! so that each row is read by one function whatever the engine. The SQL itself keeps to what
//! both engines mean the same way (`ON CONFLICT DO NOTHING`, `COALESCE`, subqueries).

use super::{StoreError, StoreResult};

/// A value bound to a statement or read from a row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Value {
    Null,
    Int(i64),
    Text(String),
}

impl From<i64> for Value {
    fn from(v: i64) -> Value {
        Value::Int(v)
    }
}

impl From<u32> for Value {
    fn from(v: u32) -> Value {
        Value::Int(i64::from(v))
    }
}

impl From<u16> for Value {
    fn from(v: u16) -> Value {
        Value::Int(i64::from(v))
    }
}

impl From<bool> for Value {
    fn from(v: bool) -> Value {
        Value::Int(i64::from(v))
    }
}

impl From<String> for Value {
    fn from(v: String) -> Value {
        Value::Text(v)
    }
}

impl From<&str> for Value {
    fn from(v: &str) -> Value {
        Value::Text(v.to_owned())
    }
}

impl From<&String> for Value {
    fn from(v: &String) -> Value {
        Value::Text(v.clone())
    }
}

impl<T: Into<Value>> From<Option<T>> for Value {
    fn from(v: Option<T>) -> Value {
        v.map_or(Value::Null, Into::into)
    }
}

/// Builds a statement's parameters: `values![a, b]`.
macro_rules! values {
    ($($v:expr),* $(,)?) => {
        vec![$($crate::store::sql::Value::from($v)),*]
    };
}
pub(super) use values;

/// A statement and its parameters, for a transaction.
pub(super) type Statement = (String, Vec<Value>);

/// One row read back, its columns in the order the statement selected them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Row(pub(super) Vec<Value>);

impl Row {
    fn at(&self, i: usize) -> StoreResult<&Value> {
        self.0
            .get(i)
            .ok_or_else(|| StoreError(format!("no column {i}")))
    }

    pub(super) fn opt_text(&self, i: usize) -> StoreResult<Option<String>> {
        match self.at(i)? {
            Value::Null => Ok(None),
            Value::Text(s) => Ok(Some(s.clone())),
            Value::Int(v) => Err(StoreError(format!("column {i}: {v}, not text"))),
        }
    }

    pub(super) fn text(&self, i: usize) -> StoreResult<String> {
        self.opt_text(i)?
            .ok_or_else(|| StoreError(format!("column {i}: null, not text")))
    }

    pub(super) fn opt_int(&self, i: usize) -> StoreResult<Option<i64>> {
        match self.at(i)? {
            Value::Null => Ok(None),
            Value::Int(v) => Ok(Some(*v)),
            Value::Text(s) => Err(StoreError(format!("column {i}: {s:?}, not a number"))),
        }
    }

    pub(super) fn int(&self, i: usize) -> StoreResult<i64> {
        self.opt_int(i)?
            .ok_or_else(|| StoreError(format!("column {i}: null, not a number")))
    }

    pub(super) fn u32(&self, i: usize) -> StoreResult<u32> {
        u32::try_from(self.int(i)?).map_err(|e| StoreError(format!("column {i}: {e}")))
    }

    pub(super) fn opt_u16(&self, i: usize) -> StoreResult<Option<u16>> {
        self.opt_int(i)?
            .map(|v| u16::try_from(v).map_err(|e| StoreError(format!("column {i}: {e}"))))
            .transpose()
    }

    pub(super) fn bool(&self, i: usize) -> StoreResult<bool> {
        Ok(self.int(i)? != 0)
    }
}

/// A statement written for SQLite as PostgreSQL reads it: `?N` becomes `$N`. (No statement
/// of ours has a `?` inside a string literal.)
pub(super) fn for_postgres(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len());
    let mut chars = sql.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '?' && chars.peek().is_some_and(char::is_ascii_digit) {
            out.push('$');
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_numbered_as_postgresql_numbers_them() {
        assert_eq!(
            for_postgres("UPDATE t SET a = ?2 WHERE id = ?1 AND b IN (?10, 'x')"),
            "UPDATE t SET a = $2 WHERE id = $1 AND b IN ($10, 'x')"
        );
    }

    #[test]
    fn a_row_reads_what_it_holds_and_refuses_what_it_does_not() {
        let row = Row(values![7i64, "x", None::<String>, true]);
        assert_eq!(row.int(0).unwrap(), 7);
        assert_eq!(row.text(1).unwrap(), "x");
        assert_eq!(row.opt_text(2).unwrap(), None);
        assert!(row.bool(3).unwrap());
        assert!(row.text(0).is_err());
        assert!(row.int(1).is_err());
        assert!(row.text(2).is_err());
        assert!(row.int(9).is_err());
    }
}
