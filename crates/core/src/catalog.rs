//! The catalogue: destinations, packages, and the queries a shopper makes of them.
//!
//! A [`Destination`] is where a plan works: one country, a region such as Europe, or the whole
//! world. A [`Package`] is one plan for sale. [`PackageQuery`] filters and sorts packages the
//! way the package browser does, and [`search_destinations`] finds destinations by name or ISO
//! code while the shopper types, ignoring case, accents and punctuation, so that
//! "cote d ivoire" finds "Côte d'Ivoire".

use std::cmp::Ordering;

use serde::{Deserialize, Serialize};

use crate::money::Money;
use crate::validity::Validity;
use crate::volume::{Volume, GIB};

/// Whether a destination is one country, a region, or the world.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DestinationKind {
    /// One country or territory, keyed by its ISO 3166-1 alpha-2 code.
    Country,
    /// Several countries, such as Europe or Asia.
    Region,
    /// (Almost) everywhere.
    Global,
}

impl DestinationKind {
    /// Reads a kind from its name ("country", "region", "global").
    pub fn parse(name: &str) -> Option<DestinationKind> {
        [
            DestinationKind::Country,
            DestinationKind::Region,
            DestinationKind::Global,
        ]
        .into_iter()
        .find(|k| k.as_str() == name.trim())
    }

    /// Returns the lowercase name used on the wire and in class names.
    pub fn as_str(&self) -> &'static str {
        match self {
            DestinationKind::Country => "country",
            DestinationKind::Region => "region",
            DestinationKind::Global => "global",
        }
    }
}

/// Somewhere plans are sold for.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Destination {
    /// ISO 3166-1 alpha-2 code for a country ("JP"); a slug for a region ("europe").
    pub code: String,
    /// The English name ("Côte d'Ivoire").
    pub name: String,
    /// Country, region or global.
    pub kind: DestinationKind,
    /// Other names shoppers type ("USA", "Holland").
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub aliases: Vec<String>,
}

/// One plan for sale.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Package {
    /// The provider's package code.
    pub code: String,
    /// A short title ("Japan 5GB 30 days").
    pub title: String,
    /// The destination the package is sold under.
    pub destination: String,
    /// Whether that destination is a country, a region or global.
    pub kind: DestinationKind,
    /// ISO codes of every country covered.
    pub countries: Vec<String>,
    /// Data included.
    pub data: Volume,
    /// How long it lasts.
    pub validity: Validity,
    /// The shopper's price (or, inside a provider adapter, the wholesale cost).
    pub price: Money,
    /// Operators and network types per covered country.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub networks: Vec<Network>,
    /// Whether compatible top-ups exist for eSIMs bought with this package.
    #[serde(default)]
    pub top_up: bool,
    /// The provider's description, shown as plain text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

/// One operator a package uses in one country.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Network {
    /// ISO code of the country.
    pub country: String,
    /// The operator's name ("NTT Docomo").
    pub operator: String,
    /// Network generations available ("4G", "5G").
    pub types: Vec<String>,
}

impl Package {
    /// Returns the price of one binary gigabyte (rounded half up to the minor unit), or `None`
    /// for unlimited or empty plans.
    pub fn price_per_gb(&self) -> Option<Money> {
        let bytes = self.data.bytes().filter(|b| *b > 0)?;
        let minor = i128::from(self.price.minor()) * i128::from(GIB);
        let per_gb = (minor + i128::from(bytes) / 2) / i128::from(bytes);
        i64::try_from(per_gb)
            .ok()
            .map(|m| Money::from_minor(m, self.price.currency()))
    }

    /// Returns the fastest network generation the package offers anywhere ("5G" over "4G"
    /// over "LTE"), for a badge on its card.
    pub fn best_network(&self) -> Option<&str> {
        let rank = |t: &str| -> u32 {
            let t = t.trim().to_ascii_uppercase();
            match t.as_str() {
                "LTE" => 4,
                _ => t
                    .strip_suffix('G')
                    .and_then(|n| n.parse().ok())
                    .unwrap_or(0),
            }
        };
        self.networks
            .iter()
            .flat_map(|n| n.types.iter())
            .max_by_key(|t| rank(t))
            .map(String::as_str)
    }

    /// Returns whether the package works in the country `iso` (any case).
    pub fn covers(&self, iso: &str) -> bool {
        self.countries.iter().any(|c| c.eq_ignore_ascii_case(iso))
    }
}

/// How packages are ordered.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SortKey {
    /// Cheapest first.
    #[default]
    Price,
    /// Most data first (unlimited first of all).
    Data,
    /// Longest validity first.
    Days,
    /// Cheapest per gigabyte first; unlimited plans last.
    PricePerGb,
}

impl SortKey {
    /// Every sort key, in the order a shopper is offered them.
    pub const ALL: [SortKey; 4] = [
        SortKey::Price,
        SortKey::Data,
        SortKey::Days,
        SortKey::PricePerGb,
    ];

    /// Reads a sort key from its query-string name ("price_per_gb").
    pub fn parse(name: &str) -> Option<SortKey> {
        SortKey::ALL.into_iter().find(|k| k.as_str() == name.trim())
    }

    /// Returns the snake_case name used in query strings.
    pub fn as_str(&self) -> &'static str {
        match self {
            SortKey::Price => "price",
            SortKey::Data => "data",
            SortKey::Days => "days",
            SortKey::PricePerGb => "price_per_gb",
        }
    }
}

/// A shopper's filters and sort order over packages. Every filter is optional.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct PackageQuery {
    /// Only packages sold under this destination code (any case).
    #[serde(default)]
    pub destination: Option<String>,
    /// Only packages that work in this country, whatever they are sold under.
    #[serde(default)]
    pub covers: Option<String>,
    /// Only country, region or global packages.
    #[serde(default)]
    pub kind: Option<DestinationKind>,
    /// Only packages with at least this much data (unlimited always qualifies).
    #[serde(default)]
    pub min_data: Option<Volume>,
    /// Only packages valid for at least this many days.
    #[serde(default)]
    pub min_days: Option<u32>,
    /// Only packages costing at most this; packages priced in another currency never match.
    #[serde(default)]
    pub max_price: Option<Money>,
    /// Only unlimited (`true`) or only capped (`false`) packages.
    #[serde(default)]
    pub unlimited: Option<bool>,
    /// The order of the result.
    #[serde(default)]
    pub sort: SortKey,
}

impl PackageQuery {
    /// Returns whether `package` passes every filter.
    pub fn matches(&self, package: &Package) -> bool {
        let destination_ok = self
            .destination
            .as_ref()
            .is_none_or(|d| package.destination.eq_ignore_ascii_case(d));
        let covers_ok = self.covers.as_ref().is_none_or(|c| package.covers(c));
        let kind_ok = self.kind.is_none_or(|k| package.kind == k);
        let data_ok = self.min_data.is_none_or(|min| package.data >= min);
        let days_ok = self
            .min_days
            .is_none_or(|min| package.validity.whole_days() >= min);
        let price_ok = self
            .max_price
            .is_none_or(|max| package.price.partial_cmp(&max).is_some_and(Ordering::is_le));
        let unlimited_ok = self
            .unlimited
            .is_none_or(|u| package.data.is_unlimited() == u);
        destination_ok && covers_ok && kind_ok && data_ok && days_ok && price_ok && unlimited_ok
    }

    /// Returns the packages that pass every filter, in the query's order. Ties are broken by
    /// price, then code, so the order is the same on every call.
    pub fn apply<'a>(&self, packages: &'a [Package]) -> Vec<&'a Package> {
        let mut found: Vec<&Package> = packages.iter().filter(|p| self.matches(p)).collect();
        found.sort_by(|a, b| compare(self.sort, a, b));
        found
    }
}

fn compare(sort: SortKey, a: &Package, b: &Package) -> Ordering {
    let by_price = |a: &Package, b: &Package| {
        a.price
            .currency()
            .cmp(&b.price.currency())
            .then(a.price.minor().cmp(&b.price.minor()))
    };
    let primary = match sort {
        SortKey::Price => by_price(a, b),
        SortKey::Data => b.data.cmp(&a.data),
        SortKey::Days => b.validity.seconds().cmp(&a.validity.seconds()),
        SortKey::PricePerGb => match (a.price_per_gb(), b.price_per_gb()) {
            (Some(x), Some(y)) => x.minor().cmp(&y.minor()),
            (Some(_), None) => Ordering::Less,
            (None, Some(_)) => Ordering::Greater,
            (None, None) => Ordering::Equal,
        },
    };
    primary
        .then_with(|| by_price(a, b))
        .then_with(|| a.code.cmp(&b.code))
}

/// Returns the destinations matching what the shopper typed, best first: an exact ISO code or
/// name, then names starting with the query, then names with a word starting with it, then
/// names containing it; alphabetical within each. Case, accents and punctuation are ignored.
/// An empty query matches nothing. To search the same list at every keystroke, build a
/// [`DestinationIndex`] once.
pub fn search_destinations<'a>(
    destinations: &'a [Destination],
    query: &str,
) -> Vec<&'a Destination> {
    let index = DestinationIndex::new(destinations);
    index
        .search(query)
        .into_iter()
        .map(|i| &destinations[i])
        .collect()
}

/// Destinations with their names and aliases folded once, for searching as the shopper types.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DestinationIndex {
    /// Per destination, in the order given: its code and its folded name, then aliases.
    entries: Vec<(String, Vec<String>)>,
}

impl DestinationIndex {
    /// Folds the names and aliases of `destinations`.
    pub fn new(destinations: &[Destination]) -> DestinationIndex {
        let entries = destinations
            .iter()
            .map(|d| {
                let names = std::iter::once(&d.name).chain(&d.aliases).map(|n| fold(n));
                (d.code.clone(), names.collect())
            })
            .collect();
        DestinationIndex { entries }
    }

    /// Returns the positions (in the list the index was built from) of the destinations
    /// matching `query`, best first, as [`search_destinations`] ranks them.
    pub fn search(&self, query: &str) -> Vec<usize> {
        let needle = fold(query);
        if needle.is_empty() {
            return Vec::new();
        }
        let code = query.trim();
        let mut ranked: Vec<(u8, &str, usize)> = self
            .entries
            .iter()
            .enumerate()
            .filter_map(|(i, (c, names))| {
                let rank = names
                    .iter()
                    .map(|name| rank(name, &needle))
                    .chain(std::iter::once(c.eq_ignore_ascii_case(code).then_some(0)))
                    .flatten()
                    .min()?;
                Some((rank, names[0].as_str(), i))
            })
            .collect();
        ranked.sort_by(|a, b| a.0.cmp(&b.0).then_with(|| a.1.cmp(b.1)));
        ranked.into_iter().map(|(_, _, i)| i).collect()
    }
}

fn rank(name: &str, needle: &str) -> Option<u8> {
    if name == needle {
        Some(0)
    } else if name.starts_with(needle) {
        Some(1)
    } else if name
        .match_indices(needle)
        .any(|(at, _)| name[..at].ends_with(' '))
    {
        Some(2)
    } else if name.contains(needle) {
        Some(3)
    } else {
        None
    }
}

/// Folds text for matching: Latin letters lowercased with their accents removed (precomposed
/// or combining), punctuation and runs of spaces made one space. "Côte d'Ivoire" folds to
/// "cote d ivoire". Letters of other scripts are kept as they are.
///
/// Case and punctuation are decided by hand for the Latin blocks rather than by
/// `char::to_lowercase` and `char::is_alphanumeric`: their Unicode tables would add about
/// 15 KB to the widget, which runs this as the shopper types.
pub fn fold(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut pending_space = false;
    for c in text.chars().map(lower_latin) {
        if is_combining_mark(c) {
            continue;
        }
        if is_separator(c) {
            pending_space = true;
            continue;
        }
        if pending_space && !out.is_empty() {
            out.push(' ');
        }
        pending_space = false;
        match c {
            'ß' => out.push_str("ss"),
            'æ' => out.push_str("ae"),
            'œ' => out.push_str("oe"),
            _ => out.push(strip_accent(c)),
        }
    }
    out
}

/// Lowercases the letters of Basic Latin, Latin-1 and Latin Extended-A (and Romanian Ș, Ț);
/// other characters pass through.
fn lower_latin(c: char) -> char {
    let code = u32::from(c);
    let lower = match code {
        0x41..=0x5a => code + 0x20,
        0xc0..=0xde if code != 0xd7 => code + 0x20,
        0x100..=0x137 | 0x14a..=0x177 | 0x218..=0x21b if code % 2 == 0 => code + 1,
        0x139..=0x148 | 0x179..=0x17e if code % 2 == 1 => code + 1,
        0x178 => 0xff,
        _ => code,
    };
    char::from_u32(lower).unwrap_or(c)
}

/// Whether `c` separates words: ASCII other than letters and digits, the Latin-1 signs
/// (U+00A0 to U+00BF, × and ÷), general punctuation (’ and “ among them) and CJK punctuation.
fn is_separator(c: char) -> bool {
    match u32::from(c) {
        0..=0x7f => !c.is_ascii_alphanumeric(),
        0x80..=0xbf | 0xd7 | 0xf7 | 0x2000..=0x206f | 0x3000..=0x303f => true,
        _ => false,
    }
}

/// Combining diacritical marks, as in a decomposed "e\u{301}".
fn is_combining_mark(c: char) -> bool {
    ('\u{300}'..='\u{36f}').contains(&c)
}

/// Maps a lowercase Latin letter with a diacritic to its base letter; others pass through.
fn strip_accent(c: char) -> char {
    match c {
        'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' | 'ā' | 'ă' | 'ą' => 'a',
        'ç' | 'ć' | 'ĉ' | 'ċ' | 'č' => 'c',
        'ď' | 'đ' | 'ð' => 'd',
        'è' | 'é' | 'ê' | 'ë' | 'ē' | 'ĕ' | 'ė' | 'ę' | 'ě' => 'e',
        'ĝ' | 'ğ' | 'ġ' | 'ģ' => 'g',
        'ĥ' | 'ħ' => 'h',
        'ì' | 'í' | 'î' | 'ï' | 'ĩ' | 'ī' | 'ĭ' | 'į' | 'ı' => 'i',
        'ĵ' => 'j',
        'ķ' => 'k',
        'ĺ' | 'ļ' | 'ľ' | 'ŀ' | 'ł' => 'l',
        'ñ' | 'ń' | 'ņ' | 'ň' => 'n',
        'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ø' | 'ō' | 'ŏ' | 'ő' => 'o',
        'ŕ' | 'ŗ' | 'ř' => 'r',
        'ś' | 'ŝ' | 'ş' | 'š' | 'ș' => 's',
        'ţ' | 'ť' | 'ŧ' | 'ț' => 't',
        'ù' | 'ú' | 'û' | 'ü' | 'ũ' | 'ū' | 'ŭ' | 'ů' | 'ű' | 'ų' => 'u',
        'ŵ' => 'w',
        'ý' | 'ÿ' | 'ŷ' => 'y',
        'ź' | 'ż' | 'ž' => 'z',
        'þ' => 't',
        _ => c,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::money::Currency;
    use crate::volume::MIB;
    use proptest::prelude::*;

    fn dest(code: &str, name: &str, kind: DestinationKind) -> Destination {
        Destination {
            code: code.into(),
            name: name.into(),
            kind,
            aliases: Vec::new(),
        }
    }

    fn destinations() -> Vec<Destination> {
        let mut us = dest("US", "United States", DestinationKind::Country);
        us.aliases = vec!["USA".into(), "America".into()];
        vec![
            dest("CI", "Côte d'Ivoire", DestinationKind::Country),
            dest("JP", "Japan", DestinationKind::Country),
            dest("RE", "Réunion", DestinationKind::Country),
            dest("ST", "São Tomé and Príncipe", DestinationKind::Country),
            dest("TR", "Türkiye", DestinationKind::Country),
            dest("DE", "Germany", DestinationKind::Country),
            dest("europe", "Europe", DestinationKind::Region),
            dest("global", "Global", DestinationKind::Global),
            dest("GB", "United Kingdom", DestinationKind::Country),
            dest("AE", "United Arab Emirates", DestinationKind::Country),
            dest("CW", "Curaçao", DestinationKind::Country),
            dest("AX", "Åland Islands", DestinationKind::Country),
            us,
        ]
    }

    fn names(found: Vec<&Destination>) -> Vec<&str> {
        found.into_iter().map(|d| d.name.as_str()).collect()
    }

    #[test]
    fn folding_removes_case_accents_and_punctuation() {
        assert_eq!(fold("Côte d'Ivoire"), "cote d ivoire");
        assert_eq!(fold("  São   Tomé & Príncipe "), "sao tome principe");
        assert_eq!(fold("TÜRKIYE"), "turkiye");
        assert_eq!(fold("Curaçao"), "curacao");
        assert_eq!(fold("Åland"), "aland");
        assert_eq!(fold("Straße"), "strasse");
        assert_eq!(fold("Guinea-Bissau"), "guinea bissau");
        assert_eq!(fold("'''"), "");
        assert_eq!(fold("Re\u{301}union"), "reunion", "decomposed accents");
        assert_eq!(fold("日本"), "日本");
        assert_eq!(
            fold("Côte d’Ivoire"),
            "cote d ivoire",
            "typographic apostrophe"
        );
        assert_eq!(
            fold("ŁÓDŹ ŞİŞLİ ȚARA"),
            "lodz sisli tara",
            "Latin Extended-A"
        );
        assert_eq!(fold("2 × 3 ÷ 1"), "2 3 1");
        assert_eq!(fold("Ÿ Œ Æ"), "y oe ae");
    }

    #[test]
    fn search_ignores_accents_and_case() {
        let all = destinations();
        assert_eq!(
            names(search_destinations(&all, "cote d ivoire")),
            ["Côte d'Ivoire"]
        );
        assert_eq!(
            names(search_destinations(&all, "COTE D'IVOIRE")),
            ["Côte d'Ivoire"]
        );
        assert_eq!(names(search_destinations(&all, "reunion")), ["Réunion"]);
        assert_eq!(
            names(search_destinations(&all, "sao tome")),
            ["São Tomé and Príncipe"]
        );
        assert_eq!(names(search_destinations(&all, "turk")), ["Türkiye"]);
        assert_eq!(names(search_destinations(&all, "curacao")), ["Curaçao"]);
        assert_eq!(names(search_destinations(&all, "aland")), ["Åland Islands"]);
    }

    #[test]
    fn search_finds_iso_codes_and_aliases() {
        let all = destinations();
        assert_eq!(names(search_destinations(&all, "jp")), ["Japan"]);
        assert_eq!(names(search_destinations(&all, "usa")), ["United States"]);
        assert_eq!(
            names(search_destinations(&all, "america")),
            ["United States"]
        );
        // "de" is Germany's code first, then names containing "de" as a word start.
        let de = names(search_destinations(&all, "de"));
        assert_eq!(de[0], "Germany");
    }

    #[test]
    fn search_ranks_prefixes_before_word_starts_before_substrings() {
        let all = destinations();
        assert_eq!(
            names(search_destinations(&all, "united")),
            ["United Arab Emirates", "United Kingdom", "United States"]
        );
        // "an" starts "and" in São Tomé's name (a word start) and sits inside Japan, Réunion...
        let found = names(search_destinations(&all, "is"));
        assert_eq!(found[0], "Åland Islands", "word start before substring");
        assert_eq!(names(search_destinations(&all, "europe")), ["Europe"]);
    }

    #[test]
    fn empty_or_unmatched_queries_find_nothing() {
        let all = destinations();
        assert!(search_destinations(&all, "").is_empty());
        assert!(search_destinations(&all, " '- ").is_empty());
        assert!(search_destinations(&all, "atlantis").is_empty());
    }

    fn package(
        code: &str,
        dest: &str,
        kind: DestinationKind,
        data: Volume,
        days: u32,
        cents: i64,
    ) -> Package {
        Package {
            code: code.into(),
            title: code.into(),
            destination: dest.into(),
            kind,
            countries: match kind {
                DestinationKind::Country => vec![dest.to_uppercase()],
                DestinationKind::Region => vec!["DE".into(), "FR".into(), "JP".into()],
                DestinationKind::Global => vec!["DE".into(), "FR".into(), "JP".into(), "US".into()],
            },
            data,
            validity: Validity::days(days),
            price: Money::from_minor(cents, Currency::USD),
            networks: Vec::new(),
            top_up: false,
            description: None,
        }
    }

    fn catalogue() -> Vec<Package> {
        use DestinationKind::*;
        let gb = |n| Volume::from_gigabytes(n).unwrap();
        vec![
            package("JP-1", "JP", Country, gb(1), 7, 450),
            package("JP-5", "JP", Country, gb(5), 30, 1600),
            package("JP-U", "JP", Country, Volume::Unlimited, 10, 3500),
            package("JP-20", "JP", Country, gb(20), 30, 3600),
            package("DE-3", "DE", Country, gb(3), 30, 800),
            package("EU-10", "europe", Region, gb(10), 30, 2100),
            package(
                "GL-1",
                "global",
                Global,
                Volume::from_bytes(512 * MIB),
                7,
                900,
            ),
        ]
    }

    fn codes(found: Vec<&Package>) -> Vec<&str> {
        found.into_iter().map(|p| p.code.as_str()).collect()
    }

    #[test]
    fn filters_by_destination_and_coverage_and_kind() {
        let all = catalogue();
        let q = |f: fn(&mut PackageQuery)| {
            let mut q = PackageQuery::default();
            f(&mut q);
            codes(q.apply(&all))
        };
        assert_eq!(
            q(|q| q.destination = Some("jp".into())),
            ["JP-1", "JP-5", "JP-U", "JP-20"]
        );
        assert_eq!(
            q(|q| q.covers = Some("JP".into())),
            ["JP-1", "GL-1", "JP-5", "EU-10", "JP-U", "JP-20"]
        );
        assert_eq!(q(|q| q.kind = Some(DestinationKind::Region)), ["EU-10"]);
        assert_eq!(q(|q| q.kind = Some(DestinationKind::Global)), ["GL-1"]);
    }

    #[test]
    fn filters_by_data_days_price_and_unlimited() {
        let all = catalogue();
        let run = |q: PackageQuery| codes(q.apply(&all));
        let min_data = PackageQuery {
            min_data: Some(Volume::from_gigabytes(10).unwrap()),
            ..Default::default()
        };
        assert_eq!(
            run(min_data),
            ["EU-10", "JP-U", "JP-20"],
            "unlimited qualifies"
        );
        let min_days = PackageQuery {
            min_days: Some(30),
            destination: Some("JP".into()),
            ..Default::default()
        };
        assert_eq!(run(min_days), ["JP-5", "JP-20"]);
        let max_price = PackageQuery {
            max_price: Some(Money::from_minor(900, Currency::USD)),
            ..Default::default()
        };
        assert_eq!(run(max_price), ["JP-1", "DE-3", "GL-1"], "inclusive bound");
        let other_currency = PackageQuery {
            max_price: Some(Money::from_minor(
                100_000,
                Currency::from_code("EUR").unwrap(),
            )),
            ..Default::default()
        };
        assert!(
            run(other_currency).is_empty(),
            "prices in another currency never match"
        );
        let unlimited = PackageQuery {
            unlimited: Some(true),
            ..Default::default()
        };
        assert_eq!(run(unlimited), ["JP-U"]);
        let capped = PackageQuery {
            unlimited: Some(false),
            destination: Some("JP".into()),
            ..Default::default()
        };
        assert_eq!(run(capped), ["JP-1", "JP-5", "JP-20"]);
    }

    #[test]
    fn sorts_by_each_key() {
        let all = catalogue();
        let jp = |sort| {
            codes(
                PackageQuery {
                    destination: Some("JP".into()),
                    sort,
                    ..Default::default()
                }
                .apply(&all),
            )
        };
        assert_eq!(jp(SortKey::Price), ["JP-1", "JP-5", "JP-U", "JP-20"]);
        assert_eq!(jp(SortKey::Data), ["JP-U", "JP-20", "JP-5", "JP-1"]);
        // Equal days (30) fall back to price.
        assert_eq!(jp(SortKey::Days), ["JP-5", "JP-20", "JP-U", "JP-1"]);
        // $1.80/GB, $3.20/GB, $4.50/GB, then unlimited last.
        assert_eq!(jp(SortKey::PricePerGb), ["JP-20", "JP-5", "JP-1", "JP-U"]);
    }

    #[test]
    fn the_best_network_is_the_fastest_generation_offered() {
        let mut p = catalogue()[0].clone();
        assert_eq!(p.best_network(), None);
        let net = |types: &[&str]| Network {
            country: "JP".into(),
            operator: "X".into(),
            types: types.iter().map(|t| (*t).to_owned()).collect(),
        };
        p.networks = vec![net(&["3G", "LTE"]), net(&["4G"])];
        assert_eq!(p.best_network(), Some("4G"));
        p.networks.push(net(&["5G", "4G"]));
        assert_eq!(p.best_network(), Some("5G"));
    }

    #[test]
    fn price_per_gb_is_rounded_and_absent_for_unlimited() {
        let all = catalogue();
        assert_eq!(
            all[1].price_per_gb(),
            Some(Money::from_minor(320, Currency::USD))
        );
        // $9.00 for 512MB is $18.00 per GB.
        assert_eq!(all[6].price_per_gb().unwrap().minor(), 1800);
        assert_eq!(all[2].price_per_gb(), None);
        let mut empty = all[0].clone();
        empty.data = Volume::from_bytes(0);
        assert_eq!(empty.price_per_gb(), None);
    }

    #[test]
    fn sort_keys_and_kinds_read_back_their_names() {
        for key in SortKey::ALL {
            assert_eq!(SortKey::parse(key.as_str()), Some(key));
        }
        assert_eq!(SortKey::parse("random"), None);
        assert_eq!(
            DestinationKind::parse("region"),
            Some(DestinationKind::Region)
        );
        assert_eq!(DestinationKind::parse("planet"), None);
    }

    #[test]
    fn query_wire_form_accepts_partial_objects() {
        let q: PackageQuery = serde_json::from_str(
            r#"{"destination":"JP","sort":"price_per_gb","min_data":1073741824}"#,
        )
        .unwrap();
        assert_eq!(q.destination.as_deref(), Some("JP"));
        assert_eq!(q.sort, SortKey::PricePerGb);
        assert_eq!(q.min_data, Some(Volume::Bytes(GIB)));
        assert!(serde_json::from_str::<PackageQuery>(r#"{"sort":"random"}"#).is_err());
    }

    proptest! {
        #[test]
        fn sorted_results_respect_the_key_and_keep_every_match(
            prices in proptest::collection::vec((1i64..100_000, 0u64..50, 1u32..90), 0..40),
            key in prop_oneof![Just(SortKey::Price), Just(SortKey::Data), Just(SortKey::Days), Just(SortKey::PricePerGb)],
        ) {
            let packages: Vec<Package> = prices
                .iter()
                .enumerate()
                .map(|(i, (cents, gb, days))| {
                    let data = if *gb == 0 { Volume::Unlimited } else { Volume::from_gigabytes(*gb).unwrap() };
                    package(&format!("P{i:03}"), "JP", DestinationKind::Country, data, *days, *cents)
                })
                .collect();
            let query = PackageQuery { sort: key, ..Default::default() };
            let sorted = query.apply(&packages);
            prop_assert_eq!(sorted.len(), packages.len());
            for pair in sorted.windows(2) {
                prop_assert_ne!(compare(key, pair[0], pair[1]), Ordering::Greater);
            }
        }

        #[test]
        fn search_never_panics_and_only_returns_real_matches(query in "\\PC{0,12}") {
            let all = destinations();
            for found in search_destinations(&all, &query) {
                let needle = fold(&query);
                let hit = fold(&found.name).contains(&needle)
                    || found.aliases.iter().any(|a| fold(a).contains(&needle))
                    || found.code.eq_ignore_ascii_case(query.trim());
                prop_assert!(hit, "{query:?} found {}", found.name);
            }
        }
    }
}
