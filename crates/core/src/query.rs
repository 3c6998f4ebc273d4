//! The package list's query string, written by the widget and read by the proxy from one
//! definition, so that both agree on every name and form; and percent-encoding, the one
//! place any id, code or value is made safe for a URL.

use std::fmt::Write;

use crate::{Currency, DestinationKind, Money, PackageQuery, SortKey, Volume};

/// Percent-encodes `text` as one URL path segment or query value: everything but RFC 3986's
/// unreserved characters (letters, digits, `-`, `.`, `_`, `~`) is written as `%XX` of its
/// UTF-8 bytes.
pub fn encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            out.push(byte as char);
        } else {
            let _ = write!(out, "%{byte:02X}");
        }
    }
    out
}

impl PackageQuery {
    /// The query string for this query, without a leading `?`: `destination=JP&sort=price`,
    /// then each filter that is set (`min_data=5GB`, `min_days=15`, `max_price=32.99`,
    /// `unlimited=true`, `covers=FR`, `kind=region`). The currency is the caller's to add:
    /// a maximum price is written in its own.
    pub fn to_query(&self) -> String {
        let mut out = String::new();
        let mut pair = |key: &str, value: &str| {
            if !out.is_empty() {
                out.push('&');
            }
            out.push_str(key);
            out.push('=');
            out.push_str(&encode(value));
        };
        if let Some(destination) = &self.destination {
            pair("destination", destination);
        }
        pair("sort", self.sort.as_str());
        if let Some(covers) = &self.covers {
            pair("covers", covers);
        }
        if let Some(kind) = self.kind {
            pair("kind", kind.as_str());
        }
        if let Some(data) = self.min_data {
            pair("min_data", &data.to_string());
        }
        if let Some(days) = self.min_days {
            pair("min_days", &days.to_string());
        }
        if let Some(price) = self.max_price {
            pair("max_price", &price.amount_text());
        }
        if let Some(unlimited) = self.unlimited {
            pair("unlimited", if unlimited { "true" } else { "false" });
        }
        out
    }

    /// Reads a query from decoded query pairs, a maximum price in `currency`. An empty value
    /// is the same as none; keys it does not know (the currency among them) are left to the
    /// caller. Says in a sentence what is wrong with a value it cannot read.
    pub fn from_pairs<'a>(
        pairs: impl IntoIterator<Item = (&'a str, &'a str)>,
        currency: Currency,
    ) -> Result<PackageQuery, String> {
        let mut query = PackageQuery::default();
        for (key, value) in pairs {
            let text = value.trim();
            if text.is_empty() {
                continue;
            }
            match key {
                "destination" => query.destination = Some(text.to_owned()),
                "covers" => query.covers = Some(text.to_owned()),
                "kind" => {
                    query.kind = Some(DestinationKind::parse(text).ok_or_else(|| {
                        format!("kind must be country, region or global, not {value:?}.")
                    })?)
                }
                "min_data" => {
                    query.min_data = Some(
                        text.parse::<Volume>()
                            .map_err(|e| format!("min_data: {e}."))?,
                    )
                }
                "min_days" => {
                    query.min_days = Some(text.parse().map_err(|_| {
                        format!("min_days must be a whole number of days, not {value:?}.")
                    })?)
                }
                "max_price" => {
                    let max = Money::parse_major(text, currency)
                        .map_err(|e| format!("max_price: {e}."))?;
                    if max.minor() < 0 {
                        return Err(format!("max_price cannot be negative, not {value:?}."));
                    }
                    query.max_price = Some(max);
                }
                "unlimited" => {
                    query.unlimited = Some(match text {
                        "true" => true,
                        "false" => false,
                        _ => {
                            return Err(format!("unlimited must be true or false, not {value:?}."))
                        }
                    })
                }
                "sort" => {
                    query.sort = SortKey::parse(text).ok_or_else(|| {
                        format!("sort must be price, data, days or price_per_gb, not {value:?}.")
                    })?
                }
                _ => {}
            }
        }
        Ok(query)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn eur() -> Currency {
        Currency::from_code("EUR").unwrap()
    }

    #[test]
    fn only_unreserved_characters_go_out_as_they_are() {
        assert_eq!(encode("JP-5GB_30D.v2~"), "JP-5GB_30D.v2~");
        assert_eq!(encode("a b/c?d&e=f#g"), "a%20b%2Fc%3Fd%26e%3Df%23g");
        assert_eq!(encode("Côte"), "C%C3%B4te");
        assert_eq!(encode(""), "");
    }

    #[test]
    fn a_query_reads_back_as_it_was_written() {
        let query = PackageQuery {
            destination: Some("Saint Kitts & Nevis".into()),
            covers: Some("FR".into()),
            kind: Some(DestinationKind::Region),
            min_data: Some(Volume::from_gigabytes(5).unwrap()),
            min_days: Some(15),
            max_price: Some(Money::parse_major("32.99", eur()).unwrap()),
            unlimited: Some(false),
            sort: SortKey::PricePerGb,
        };
        let text = query.to_query();
        assert_eq!(
            text,
            "destination=Saint%20Kitts%20%26%20Nevis&sort=price_per_gb&covers=FR&kind=region\
             &min_data=5GB&min_days=15&max_price=32.99&unlimited=false"
        );
        let pairs: Vec<(String, String)> = text
            .split('&')
            .map(|pair| {
                let (k, v) = pair.split_once('=').unwrap();
                (k.to_owned(), decode(v))
            })
            .collect();
        let read = PackageQuery::from_pairs(pairs.iter().map(|(k, v)| (&**k, &**v)), eur());
        assert_eq!(read.unwrap(), query);
    }

    #[test]
    fn a_negative_maximum_price_is_refused() {
        let refused = PackageQuery::from_pairs([("max_price", "-1")], eur()).unwrap_err();
        assert!(refused.contains("negative"), "{refused}");
        assert!(PackageQuery::from_pairs([("max_price", "0")], eur()).is_ok());
    }

    #[test]
    fn the_plain_query_is_the_destination_and_the_default_sort() {
        let query = PackageQuery {
            destination: Some("JP".into()),
            ..PackageQuery::default()
        };
        assert_eq!(query.to_query(), "destination=JP&sort=price");
        assert_eq!(
            PackageQuery::from_pairs([("destination", "JP"), ("currency", "EUR")], eur()),
            Ok(query)
        );
    }

    #[test]
    fn bad_values_are_explained_and_empty_ones_ignored() {
        let read = |k, v| PackageQuery::from_pairs([(k, v)], Currency::USD);
        assert!(read("sort", "random").unwrap_err().contains("sort must be"));
        assert!(read("min_data", "lots")
            .unwrap_err()
            .starts_with("min_data:"));
        assert!(read("max_price", "cheap")
            .unwrap_err()
            .starts_with("max_price:"));
        assert!(read("unlimited", "perhaps")
            .unwrap_err()
            .contains("true or false"));
        assert!(read("min_days", "-3").unwrap_err().contains("whole number"));
        assert!(read("kind", "planet").unwrap_err().contains("kind must be"));
        assert_eq!(read("min_data", " "), Ok(PackageQuery::default()));
    }

    /// Undoes [`encode`], for the round trip above.
    fn decode(text: &str) -> String {
        let bytes = text.as_bytes();
        let mut out = Vec::new();
        let mut i = 0;
        while i < bytes.len() {
            if bytes[i] == b'%' {
                out.push(u8::from_str_radix(&text[i + 1..i + 3], 16).unwrap());
                i += 3;
            } else {
                out.push(bytes[i]);
                i += 1;
            }
        }
        String::from_utf8(out).unwrap()
    }
}
