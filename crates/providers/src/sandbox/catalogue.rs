//! The sandbox's catalogue: every country in the country table (`countries.txt`), five regions and a global
//! destination, with packages whose volumes, durations, prices, operators and network types
//! follow what travel-eSIM shops really sell. Generated deterministically: the same code
//! always yields the same catalogue, so tests can name packages.

use esim_core::{
    Currency, Destination, DestinationKind, Money, Network, Package, Validity, Volume,
};

use crate::countries::Country;

/// The regional destinations sold, with the country regions each covers.
const REGIONS: &[(&str, &str, &[&str])] = &[
    ("europe", "Europe", &["europe"]),
    ("asia-pacific", "Asia-Pacific", &["asia", "oceania"]),
    ("americas", "Americas", &["americas"]),
    ("africa", "Africa", &["africa"]),
    ("middle-east", "Middle East", &["middle-east"]),
];

/// A plan shape: data (None = unlimited), validity, and price as a multiple (in hundredths)
/// of the destination's price for 1GB.
struct Shape {
    gb: Option<u64>,
    validity: Validity,
    multiple: u64,
    /// Which destinations offer it: every one, or only where `hash % 3 != 0`.
    common: bool,
}

use esim_core::ValidityUnit::{Day, Hour, Month};

/// A shape of `gb` (None: unlimited) lasting `amount` `unit`s.
const fn shape(
    gb: Option<u64>,
    amount: u32,
    unit: esim_core::ValidityUnit,
    multiple: u64,
    common: bool,
) -> Shape {
    Shape {
        gb,
        validity: Validity { amount, unit },
        multiple,
        common,
    }
}

const COUNTRY_SHAPES: &[Shape] = &[
    shape(Some(1), 24, Hour, 70, false),
    shape(Some(1), 7, Day, 100, true),
    shape(Some(3), 15, Day, 230, true),
    shape(Some(5), 30, Day, 340, true),
    shape(Some(10), 30, Day, 560, true),
    shape(Some(20), 30, Day, 890, true),
    shape(Some(50), 2, Month, 1800, false),
    shape(None, 1, Day, 120, true),
    shape(None, 7, Day, 520, true),
    shape(None, 15, Day, 900, false),
    shape(None, 30, Day, 1500, true),
];

const MULTI_SHAPES: &[Shape] = &[
    shape(Some(1), 7, Day, 100, true),
    shape(Some(3), 15, Day, 240, true),
    shape(Some(5), 30, Day, 360, true),
    shape(Some(10), 30, Day, 600, true),
    shape(Some(20), 30, Day, 950, true),
    shape(Some(50), 3, Month, 2000, true),
    shape(None, 7, Day, 600, true),
    shape(None, 15, Day, 1000, true),
    shape(None, 30, Day, 1700, true),
];

/// Top-ups an eSIM can take: data plus days, added to the plan it has.
pub(crate) const TOP_UP_SHAPES: &[(u64, u32)] = &[(1, 7), (3, 15), (5, 30), (10, 30)];

/// The whole generated catalogue.
pub(crate) struct Catalogue {
    pub destinations: Vec<Destination>,
    pub packages: Vec<Package>,
}

/// FNV-1a: a small, stable hash for deterministic variety.
pub(crate) fn fnv(text: &str) -> u64 {
    text.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// The price of 1GB for a week in a region, in US cents, before per-country variety.
fn region_base_cents(region: &str) -> u64 {
    match region {
        "europe" => 320,
        "americas" => 430,
        "asia" => 420,
        "middle-east" => 620,
        "oceania" => 600,
        _ => 760,
    }
}

fn network_types(region: &str, hash: u64) -> Vec<String> {
    let types: &[&str] = match (region, hash % 4) {
        ("africa", 0) => &["3G", "4G", "5G"],
        ("africa", _) => &["3G", "4G"],
        ("europe" | "asia", _) => &["4G", "5G"],
        (_, 0) => &["4G"],
        _ => &["4G", "5G"],
    };
    types.iter().map(|t| (*t).to_owned()).collect()
}

fn shape_code(prefix: &str, shape: &Shape) -> String {
    let data = shape.gb.map_or("UNL".to_owned(), |gb| format!("{gb}GB"));
    let validity = match shape.validity.unit {
        esim_core::ValidityUnit::Hour => format!("{}H", shape.validity.amount),
        esim_core::ValidityUnit::Day => format!("{}D", shape.validity.amount),
        esim_core::ValidityUnit::Month => format!("{}M", shape.validity.amount),
    };
    format!("{prefix}-{data}-{validity}")
}

/// Rounds cents to the nearest ten, as wholesale price lists do.
fn round_ten(cents: u64) -> i64 {
    i64::try_from((cents + 5) / 10 * 10).unwrap_or(i64::MAX)
}

fn describe(place: &str, shape: &Shape, networks: &[Network]) -> String {
    let mut operators: Vec<&str> = networks.iter().map(|n| n.operator.as_str()).collect();
    operators.dedup();
    let on = if operators.len() <= 3 {
        format!("Connects to {}.", operators.join(", "))
    } else {
        format!(
            "Connects to the best local network in each of {} countries.",
            networks.len()
        )
    };
    let policy = if shape.gb.is_none() {
        " Fair use: full speed for the first 2GB each day, then 1 Mbps."
    } else {
        ""
    };
    format!(
        "Data-only eSIM for {place}. {on}{policy} The plan starts when the eSIM first connects in {place}; hotspot allowed."
    )
}

#[allow(clippy::too_many_arguments)]
fn package(
    code: String,
    title: String,
    destination: &str,
    kind: DestinationKind,
    countries: Vec<String>,
    shape: &Shape,
    base_cents: u64,
    networks: Vec<Network>,
    place: &str,
) -> Package {
    let data = shape.gb.map_or(Volume::Unlimited, |gb| {
        Volume::Bytes(gb * esim_core::volume::GIB)
    });
    let one_day = shape.validity.whole_days() <= 1;
    Package {
        description: Some(describe(place, shape, &networks)),
        code,
        title,
        destination: destination.to_owned(),
        kind,
        countries,
        data,
        validity: shape.validity,
        price: Money::from_minor(round_ten(base_cents * shape.multiple / 100), Currency::USD),
        networks,
        top_up: !one_day,
    }
}

fn title(place: &str, shape: &Shape) -> String {
    let data = shape
        .gb
        .map_or("Unlimited".to_owned(), |gb| format!("{gb}GB"));
    format!("{place} {data} · {}", shape.validity)
}

impl Catalogue {
    /// Generates the catalogue.
    pub(crate) fn generate() -> Catalogue {
        let countries = crate::countries::table();
        let mut destinations = Vec::new();
        let mut packages = Vec::new();

        for country in countries {
            let hash = fnv(country.code);
            let base = region_base_cents(country.region) + hash % 180;
            let types = network_types(country.region, hash);
            let networks: Vec<Network> = country
                .operators
                .iter()
                .take(2)
                .map(|op| Network {
                    country: country.code.to_owned(),
                    operator: (*op).to_owned(),
                    types: types.clone(),
                })
                .collect();
            destinations.push(Destination {
                code: country.code.to_owned(),
                name: country.name.to_owned(),
                kind: DestinationKind::Country,
                aliases: country.aliases.iter().map(|a| (*a).to_owned()).collect(),
            });
            for shape in COUNTRY_SHAPES
                .iter()
                .filter(|s| s.common || !hash.is_multiple_of(3))
            {
                packages.push(package(
                    shape_code(country.code, shape),
                    title(country.name, shape),
                    country.code,
                    DestinationKind::Country,
                    vec![country.code.to_owned()],
                    shape,
                    base,
                    networks.clone(),
                    country.name,
                ));
            }
        }

        for (slug, name, regions) in REGIONS {
            let members: Vec<&Country> = countries
                .iter()
                .filter(|c| regions.contains(&c.region))
                .collect();
            let base = members
                .iter()
                .map(|c| region_base_cents(c.region))
                .sum::<u64>()
                / members.len().max(1) as u64
                * 5
                / 4;
            destinations.push(Destination {
                code: (*slug).to_owned(),
                name: (*name).to_owned(),
                kind: DestinationKind::Region,
                aliases: Vec::new(),
            });
            let networks = multi_networks(&members);
            for shape in MULTI_SHAPES {
                packages.push(package(
                    shape_code(&slug.to_uppercase(), shape),
                    title(name, shape),
                    slug,
                    DestinationKind::Region,
                    members.iter().map(|c| c.code.to_owned()).collect(),
                    shape,
                    base,
                    networks.clone(),
                    name,
                ));
            }
        }

        let everywhere: Vec<&Country> = countries.iter().collect();
        destinations.push(Destination {
            code: "global".into(),
            name: "Global".into(),
            kind: DestinationKind::Global,
            aliases: vec!["World".into(), "Worldwide".into()],
        });
        let networks = multi_networks(&everywhere);
        for shape in MULTI_SHAPES {
            packages.push(package(
                shape_code("GLOBAL", shape),
                title("Global", shape),
                "global",
                DestinationKind::Global,
                everywhere.iter().map(|c| c.code.to_owned()).collect(),
                shape,
                650,
                networks.clone(),
                "over 190 countries",
            ));
        }

        Catalogue {
            destinations,
            packages,
        }
    }

    /// Returns the top-up packages for eSIMs bought under `destination`, each priced like the
    /// destination's base plan of the same data and days.
    pub(crate) fn top_ups(&self, destination: &str) -> Vec<Package> {
        let place = self
            .destinations
            .iter()
            .find(|d| d.code == destination)
            .map_or(destination, |d| d.name.as_str());
        TOP_UP_SHAPES
            .iter()
            .filter_map(|(gb, days)| {
                let data = Volume::Bytes(gb * esim_core::volume::GIB);
                let base = self.packages.iter().find(|p| {
                    p.destination == destination
                        && p.data == data
                        && p.validity == Validity::days(*days)
                })?;
                Some(Package {
                    code: format!("TOPUP-{}-{gb}GB-{days}D", destination.to_uppercase()),
                    title: format!("{place} top-up {gb}GB · {days} days"),
                    destination: destination.to_owned(),
                    kind: base.kind,
                    countries: base.countries.clone(),
                    data,
                    validity: Validity::days(*days),
                    price: base.price,
                    networks: Vec::new(),
                    top_up: true,
                    description: Some(format!("Adds {gb}GB and {days} days to your {place} eSIM.")),
                })
            })
            .collect()
    }
}

fn multi_networks(members: &[&Country]) -> Vec<Network> {
    members
        .iter()
        .filter_map(|c| {
            c.operators.first().map(|op| Network {
                country: c.code.to_owned(),
                operator: (*op).to_owned(),
                types: network_types(c.region, fnv(c.code)),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn the_catalogue_is_as_big_and_varied_as_a_real_shop() {
        let cat = Catalogue::generate();
        let countries = cat
            .destinations
            .iter()
            .filter(|d| d.kind == DestinationKind::Country)
            .count();
        assert!(countries >= 150, "{countries} countries");
        let n = cat.packages.len();
        assert!((1800..=2400).contains(&n), "about 2,000 packages, got {n}");
        for region in [
            "europe",
            "asia-pacific",
            "americas",
            "africa",
            "middle-east",
        ] {
            assert!(
                cat.packages.iter().any(|p| p.destination == region),
                "{region}"
            );
        }
        assert!(cat
            .packages
            .iter()
            .any(|p| p.kind == DestinationKind::Global));
        assert!(
            cat.packages
                .iter()
                .filter(|p| p.data.is_unlimited())
                .count()
                > 300
        );
        let codes: HashSet<&str> = cat.packages.iter().map(|p| p.code.as_str()).collect();
        assert_eq!(codes.len(), n, "package codes are unique");
    }

    #[test]
    fn generation_is_deterministic() {
        let a = Catalogue::generate();
        let b = Catalogue::generate();
        assert_eq!(a.packages, b.packages);
    }

    #[test]
    fn japan_sells_the_usual_plans_on_real_operators() {
        let cat = Catalogue::generate();
        let jp5 = cat
            .packages
            .iter()
            .find(|p| p.code == "JP-5GB-30D")
            .unwrap();
        assert_eq!(jp5.data, Volume::Bytes(5 * esim_core::volume::GIB));
        assert_eq!(jp5.validity, Validity::days(30));
        assert_eq!(jp5.countries, ["JP"]);
        assert!(jp5.networks.iter().any(|n| n.operator == "NTT Docomo"));
        assert!(jp5.top_up);
        let price = jp5.price.minor();
        assert!((1000..3000).contains(&price), "a believable price: {price}");
        assert!(jp5.description.as_deref().unwrap().contains("Japan"));
    }

    #[test]
    fn bigger_plans_cost_more_but_less_per_gigabyte() {
        let cat = Catalogue::generate();
        let price = |code: &str| {
            cat.packages
                .iter()
                .find(|p| p.code == code)
                .unwrap()
                .price
                .minor()
        };
        for country in ["DE", "JP", "NG", "US"] {
            let one = price(&format!("{country}-1GB-7D"));
            let five = price(&format!("{country}-5GB-30D"));
            let twenty = price(&format!("{country}-20GB-30D"));
            assert!(one < five && five < twenty, "{country}");
            assert!(twenty / 20 < one, "{country}: volume discount");
        }
        assert!(
            price("NG-5GB-30D") > price("DE-5GB-30D"),
            "Africa costs more than Europe"
        );
    }

    #[test]
    fn top_ups_are_offered_per_destination() {
        let cat = Catalogue::generate();
        let tops = cat.top_ups("JP");
        assert_eq!(tops.len(), TOP_UP_SHAPES.len());
        assert!(tops
            .iter()
            .all(|p| p.code.starts_with("TOPUP-JP-") && p.price.minor() > 0));
        assert!(cat.top_ups("atlantis").is_empty());
    }
}
