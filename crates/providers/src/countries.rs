//! The country table (`countries.txt`): names and the other names shoppers type for them, for
//! adapters whose provider sends only an ISO code (or a name without aliases), and for the
//! sandbox, whose catalogue is made from it.

use std::sync::OnceLock;

use esim_core::{Destination, DestinationKind};

const COUNTRIES: &str = include_str!("countries.txt");

/// One country of the table: its ISO code, name, region, operators (for the sandbox) and the
/// other names shoppers type for it.
#[derive(Debug, Clone)]
pub(crate) struct Country {
    pub code: &'static str,
    pub name: &'static str,
    pub region: &'static str,
    pub operators: Vec<&'static str>,
    pub aliases: Vec<&'static str>,
}

/// The table, read once.
pub(crate) fn table() -> &'static [Country] {
    static TABLE: OnceLock<Vec<Country>> = OnceLock::new();
    TABLE.get_or_init(parse)
}

fn parse() -> Vec<Country> {
    COUNTRIES
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .filter_map(|line| {
            let mut fields = line.split('|');
            let code = fields.next()?;
            let name = fields.next()?;
            let region = fields.next()?;
            let list = |f: Option<&'static str>| -> Vec<&'static str> {
                f.unwrap_or("")
                    .split(',')
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .collect()
            };
            Some(Country {
                code,
                name,
                region,
                operators: list(fields.next()),
                aliases: list(fields.next()),
            })
        })
        .collect()
}

/// Returns the destination for the country `iso` (any case), named by `name` if the provider
/// gave one, else by the table; `None` if `iso` is not a country the table knows and no name
/// was given.
pub fn country(iso: &str, name: Option<&str>) -> Option<Destination> {
    let iso = iso.trim().to_ascii_uppercase();
    let known = table().iter().find(|c| c.code == iso);
    let name = name
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .map(str::to_owned)
        .or_else(|| known.map(|c| c.name.to_owned()))?;
    if iso.len() != 2 || !iso.bytes().all(|b| b.is_ascii_uppercase()) {
        return None;
    }
    Some(Destination {
        code: iso,
        name,
        kind: DestinationKind::Country,
        aliases: known
            .map(|c| c.aliases.iter().map(|a| (*a).to_owned()).collect())
            .unwrap_or_default(),
    })
}

/// Returns the ISO code of a country named `name` (its table name or an alias, any case), or
/// of `name` itself when it is already a two-letter code.
pub fn code_of(name: &str) -> Option<String> {
    let name = name.trim();
    if name.len() == 2 && name.bytes().all(|b| b.is_ascii_alphabetic()) {
        return Some(name.to_ascii_uppercase());
    }
    table()
        .iter()
        .find(|c| {
            c.name.eq_ignore_ascii_case(name)
                || c.aliases.iter().any(|a| a.eq_ignore_ascii_case(name))
        })
        .map(|c| c.code.to_owned())
}

/// The first destination of each code, in the order given: a catalogue lists a destination
/// once per package, a storefront once.
pub fn distinct(all: impl IntoIterator<Item = Destination>) -> Vec<Destination> {
    let mut out: Vec<Destination> = Vec::new();
    for destination in all {
        if !out.iter().any(|d| d.code == destination.code) {
            out.push(destination);
        }
    }
    out
}

/// A destination of any kind, with the names shoppers type for it: a country's from the
/// table, "World" and "Worldwide" for global, none for a region.
pub fn destination(code: String, name: String, kind: DestinationKind) -> Destination {
    let aliases = match kind {
        DestinationKind::Country => country(&code, None).map(|d| d.aliases).unwrap_or_default(),
        DestinationKind::Global => vec!["World".into(), "Worldwide".into()],
        DestinationKind::Region => Vec::new(),
    };
    Destination {
        code,
        name,
        kind,
        aliases,
    }
}

/// A slug for a region's name: "Asia-Pacific" → "asia-pacific".
pub fn slug(name: &str) -> String {
    let mut slug = String::new();
    for c in name.trim().chars() {
        if c.is_ascii_alphanumeric() {
            slug.push(c.to_ascii_lowercase());
        } else if !slug.is_empty() && !slug.ends_with('-') {
            slug.push('-');
        }
    }
    slug.trim_end_matches('-').to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_aliases_from_the_table() {
        let us = country("us", None).unwrap();
        assert_eq!(us.code, "US");
        assert_eq!(us.name, "United States");
        assert!(us.aliases.iter().any(|a| a == "USA"));
        assert_eq!(country("jp", Some("Japan ")).unwrap().name, "Japan");
        assert_eq!(country("XX", None), None);
        assert_eq!(country("X1", Some("Nowhere")), None);
    }

    #[test]
    fn slugs() {
        assert_eq!(slug("Asia-Pacific"), "asia-pacific");
        assert_eq!(slug("  Europe (30 countries) "), "europe-30-countries");
    }
}
