//! Form input to typed values, with one message per field for the form that was sent.

use std::collections::BTreeMap;

use chrono::{NaiveDate, NaiveDateTime};

/// Messages per field name; rendered beside the fields, the input kept.
#[derive(Debug, Default, Clone)]
pub struct Errors(BTreeMap<std::borrow::Cow<'static, str>, String>);

impl Errors {
    pub fn add(&mut self, field: &'static str, message: impl Into<String>) {
        self.0.entry(field.into()).or_insert_with(|| message.into());
    }

    /// For fields named at run time (`q_12`, `workshop_3`).
    pub fn add_owned(&mut self, field: String, message: impl Into<String>) {
        self.0.entry(field.into()).or_insert_with(|| message.into());
    }

    /// The message for `field`, or "" (templates test `is_empty()`).
    pub fn get(&self, field: &str) -> &str {
        self.0.get(field).map(String::as_str).unwrap_or("")
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Adds `other`'s messages; a field that has one keeps its own.
    pub fn merge(&mut self, other: Errors) {
        for (k, v) in other.0 {
            self.0.entry(k).or_insert(v);
        }
    }

    /// Ok when no field has a message.
    pub fn into_result<T>(self, value: T) -> Result<T, Errors> {
        if self.0.is_empty() {
            Ok(value)
        } else {
            Err(self)
        }
    }
}

/// A trimmed text that must not be empty.
pub fn required(errors: &mut Errors, field: &'static str, value: &str, message: &str) -> String {
    let v = value.trim();
    if v.is_empty() {
        errors.add(field, message);
    }
    v.to_string()
}

/// An optional non-negative whole number ("" is none).
pub fn optional_count(
    errors: &mut Errors,
    field: &'static str,
    value: &str,
    message: &str,
) -> Option<i32> {
    let v = value.trim();
    if v.is_empty() {
        return None;
    }
    match v.parse::<i32>() {
        Ok(n) if n >= 0 => Some(n),
        _ => {
            errors.add(field, message);
            None
        }
    }
}

/// A whole number, 0 when empty.
pub fn number_or_zero(errors: &mut Errors, field: &'static str, value: &str, message: &str) -> i32 {
    let v = value.trim();
    if v.is_empty() {
        return 0;
    }
    v.parse::<i32>().unwrap_or_else(|_| {
        errors.add(field, message);
        0
    })
}

/// A date as sent by `<input type="date">` (YYYY-MM-DD).
pub fn date(
    errors: &mut Errors,
    field: &'static str,
    value: &str,
    message: &str,
) -> Option<NaiveDate> {
    match value.trim().parse::<NaiveDate>() {
        Ok(d) => Some(d),
        Err(_) => {
            errors.add(field, message);
            None
        }
    }
}

/// An optional local date-time as sent by `<input type="datetime-local">`.
pub fn optional_local_datetime(
    errors: &mut Errors,
    field: &'static str,
    value: &str,
    message: &str,
) -> Option<NaiveDateTime> {
    let v = value.trim();
    if v.is_empty() {
        return None;
    }
    let parsed = NaiveDateTime::parse_from_str(v, "%Y-%m-%dT%H:%M")
        .or_else(|_| NaiveDateTime::parse_from_str(v, "%Y-%m-%dT%H:%M:%S"))
        .or_else(|_| NaiveDateTime::parse_from_str(v, "%Y-%m-%d %H:%M"));
    match parsed {
        Ok(d) => Some(d),
        Err(_) => {
            errors.add(field, message);
            None
        }
    }
}

/// A `#rrggbb` or `#rgb` colour.
pub fn colour(errors: &mut Errors, field: &'static str, value: &str, message: &str) -> String {
    let v = value.trim().to_ascii_lowercase();
    if crate::web::views::safe_colour(&v) != v {
        errors.add(field, message);
    }
    v
}

/// A checkbox: present means on.
pub fn checkbox(value: &Option<String>) -> bool {
    value
        .as_deref()
        .is_some_and(|v| !v.is_empty() && v != "0" && v != "false")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_parse_or_report() {
        let mut e = Errors::default();
        assert_eq!(required(&mut e, "name", "  Saal ", "x"), "Saal");
        assert_eq!(optional_count(&mut e, "cap", "", "x"), None);
        assert_eq!(optional_count(&mut e, "cap", "40", "x"), Some(40));
        assert!(e.is_empty());
        optional_count(&mut e, "cap", "-1", "bad number");
        required(&mut e, "title", "   ", "needed");
        date(&mut e, "day", "2027-02-30", "bad date");
        colour(&mut e, "colour", "red", "bad colour");
        assert_eq!(e.get("cap"), "bad number");
        assert_eq!(e.get("title"), "needed");
        assert_eq!(e.get("day"), "bad date");
        assert_eq!(e.get("colour"), "bad colour");
        assert_eq!(e.get("other"), "");
        assert_eq!(
            optional_local_datetime(&mut e, "t", "2027-01-20T09:30", "x"),
            NaiveDate::from_ymd_opt(2027, 1, 20)
                .unwrap()
                .and_hms_opt(9, 30, 0)
        );
        assert!(checkbox(&Some("on".into())) && !checkbox(&None));
    }
}

/// A form read as name/value pairs in order (for forms with repeated or dynamic fields).
#[derive(Debug, Default, Clone, serde::Deserialize)]
#[serde(transparent)]
pub struct FormMap(pub Vec<(String, String)>);

impl FormMap {
    /// The first value of `name`, or "".
    pub fn get(&self, name: &str) -> &str {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .unwrap_or("")
    }

    /// Every value of `name`, in order.
    pub fn all(&self, name: &str) -> Vec<&str> {
        self.0
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .collect()
    }

    pub fn has(&self, name: &str) -> bool {
        self.0.iter().any(|(k, v)| k == name && !v.is_empty())
    }
}
