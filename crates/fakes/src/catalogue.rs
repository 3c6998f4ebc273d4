//! The plans every fake sells, each fake rendering them in its own provider's units: a few
//! countries (Japan, the United States, France), a European region and top-ups.

/// One plan in provider-neutral terms.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Plan {
    pub code: &'static str,
    pub name: &'static str,
    /// ISO codes of the countries covered.
    pub countries: &'static [&'static str],
    /// A multi-country plan's region: (code, name).
    pub region: Option<(&'static str, &'static str)>,
    /// Data in binary megabytes (1024 per GB).
    pub mb: u64,
    pub days: u32,
    /// Wholesale price in US cents.
    pub cents: i64,
    /// (country, operator, network types "4G/5G").
    pub networks: &'static [(&'static str, &'static str, &'static str)],
    /// A top-up plan, for eSIMs bought with plans covering the same countries.
    pub top_up: bool,
}

const JAPAN: &[(&str, &str, &str)] = &[("JP", "NTT Docomo", "4G/5G"), ("JP", "SoftBank", "4G")];
const USA: &[(&str, &str, &str)] = &[("US", "AT&T", "4G/LTE"), ("US", "T-Mobile", "4G/5G")];
const FRANCE: &[(&str, &str, &str)] = &[("FR", "Orange", "4G/5G")];
const EUROPE: &[(&str, &str, &str)] = &[
    ("FR", "Orange", "4G/5G"),
    ("DE", "Telekom", "4G/5G"),
    ("IT", "TIM", "4G"),
    ("ES", "Movistar", "4G"),
];

/// Every plan sold, base plans first.
pub const PLANS: &[Plan] = &[
    Plan {
        code: "JP_1GB_7D",
        name: "Japan 1GB 7 Days",
        countries: &["JP"],
        region: None,
        mb: 1024,
        days: 7,
        cents: 450,
        networks: JAPAN,
        top_up: false,
    },
    Plan {
        code: "JP_5GB_30D",
        name: "Japan 5GB 30 Days",
        countries: &["JP"],
        region: None,
        mb: 5120,
        days: 30,
        cents: 1300,
        networks: JAPAN,
        top_up: false,
    },
    Plan {
        code: "JP_10GB_30D",
        name: "Japan 10GB 30 Days",
        countries: &["JP"],
        region: None,
        mb: 10240,
        days: 30,
        cents: 2200,
        networks: JAPAN,
        top_up: false,
    },
    Plan {
        code: "US_5GB_30D",
        name: "USA 5GB 30 Days",
        countries: &["US"],
        region: None,
        mb: 5120,
        days: 30,
        cents: 575,
        networks: USA,
        top_up: false,
    },
    Plan {
        code: "FR_3GB_15D",
        name: "France 3GB 15 Days",
        countries: &["FR"],
        region: None,
        mb: 3072,
        days: 15,
        cents: 500,
        networks: FRANCE,
        top_up: false,
    },
    Plan {
        code: "EU_10GB_30D",
        name: "Europe 10GB 30 Days",
        countries: &["DE", "ES", "FR", "IT"],
        region: Some(("EU", "Europe")),
        mb: 10240,
        days: 30,
        cents: 1900,
        networks: EUROPE,
        top_up: false,
    },
    Plan {
        code: "TOPUP_JP_1GB_7D",
        name: "Japan top-up 1GB 7 Days",
        countries: &["JP"],
        region: None,
        mb: 1024,
        days: 7,
        cents: 400,
        networks: JAPAN,
        top_up: true,
    },
    Plan {
        code: "TOPUP_JP_3GB_15D",
        name: "Japan top-up 3GB 15 Days",
        countries: &["JP"],
        region: None,
        mb: 3072,
        days: 15,
        cents: 950,
        networks: JAPAN,
        top_up: true,
    },
    Plan {
        code: "TOPUP_US_1GB_7D",
        name: "USA top-up 1GB 7 Days",
        countries: &["US"],
        region: None,
        mb: 1024,
        days: 7,
        cents: 350,
        networks: USA,
        top_up: true,
    },
];

impl Plan {
    /// The plan's destination: its region's code, or its one country.
    pub fn location(&self) -> &'static str {
        self.region.map_or(self.countries[0], |(code, _)| code)
    }

    /// Whether this top-up fits an eSIM bought with `base`.
    pub fn tops_up(&self, base: &Plan) -> bool {
        self.top_up && !base.top_up && self.countries == base.countries
    }
}

/// Finds a plan by code.
pub fn plan(code: &str) -> Option<&'static Plan> {
    PLANS.iter().find(|p| p.code == code)
}

/// The base plans.
pub fn base_plans() -> impl Iterator<Item = &'static Plan> {
    PLANS.iter().filter(|p| !p.top_up)
}

/// The top-ups that fit an eSIM bought with `base`.
pub fn top_ups_for(base: &Plan) -> impl Iterator<Item = &'static Plan> + '_ {
    PLANS.iter().filter(move |p| p.tops_up(base))
}

/// A country's English name, for the fakes that send names.
pub fn country_name(iso: &str) -> &'static str {
    match iso {
        "JP" => "Japan",
        "US" => "United States",
        "FR" => "France",
        "DE" => "Germany",
        "IT" => "Italy",
        "ES" => "Spain",
        _ => "Unknown",
    }
}
