//! Money, currencies, exchange rates and merchant markup.
//!
//! An amount of [`Money`] is an integer number of minor units (cents, kobo, yen) of one ISO 4217
//! [`Currency`], which knows its own exponent (JPY 0, USD 2, KWD 3). No float ever holds money:
//! provider amounts arrive as decimal text or integers, rates are exact decimals
//! ([`rust_decimal::Decimal`]), and every operation rounds **once**, at its end, by one rule:
//!
//! > **Rounding rule.** A result that falls between two minor units is rounded to the nearest
//! > one, and a result exactly halfway is rounded away from zero (half-up for prices).
//! > Price endings ([`PriceEnding`]) then only ever round *up*, so a markup never lowers a price.

use std::cmp::Ordering;
use std::fmt;
use std::str::FromStr;

use rust_decimal::prelude::{RoundingStrategy, ToPrimitive};
use rust_decimal::Decimal;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// An ISO 4217 currency: its three-letter code and the number of digits of its minor unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Currency {
    code: [u8; 3],
    exponent: u8,
}

/// Why an amount of money could not be built or computed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum MoneyError {
    /// A code that is not an active ISO 4217 currency.
    #[error("\"{0}\" is not a known currency code")]
    UnknownCurrency(String),
    /// Text that is not a decimal amount.
    #[error("\"{0}\" is not an amount of money")]
    InvalidAmount(String),
    /// Two amounts, or an amount and a rate, in different currencies.
    #[error("cannot combine {0} with {1}")]
    CurrencyMismatch(String, String),
    /// No exchange rate is known between two currencies.
    #[error("no exchange rate from {0} to {1}")]
    NoRate(String, String),
    /// A rate of zero or less.
    #[error("an exchange rate must be positive, got {0}")]
    InvalidRate(String),
    /// A result too large to hold.
    #[error("amount is too large")]
    Overflow,
}

/// Currencies with an exponent other than 2 (ISO 4217, current list).
const EXPONENTS: &[(&str, u8)] = &[
    ("BIF", 0),
    ("CLP", 0),
    ("DJF", 0),
    ("GNF", 0),
    ("ISK", 0),
    ("JPY", 0),
    ("KMF", 0),
    ("KRW", 0),
    ("PYG", 0),
    ("RWF", 0),
    ("UGX", 0),
    ("UYI", 0),
    ("VND", 0),
    ("VUV", 0),
    ("XAF", 0),
    ("XOF", 0),
    ("XPF", 0),
    ("BHD", 3),
    ("IQD", 3),
    ("JOD", 3),
    ("KWD", 3),
    ("LYD", 3),
    ("OMR", 3),
    ("TND", 3),
    ("CLF", 4),
    ("UYW", 4),
];

/// Every other active ISO 4217 currency; all have two decimal places.
const TWO_DIGIT: &str = "AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BMD BND BOB BOV \
    BRL BSD BTN BWP BYN BZD CAD CDF CHE CHF CHW CNY COP COU CRC CUC CUP CVE CZK DKK DOP DZD EGP \
    ERN ETB EUR FJD FKP GBP GEL GHS GIP GMD GTQ GYD HKD HNL HTG HUF IDR ILS INR IRR JMD KES KGS \
    KHR KPW KYD KZT LAK LBP LKR LRD LSL MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MXV MYR \
    MZN NAD NGN NIO NOK NPR NZD PAB PEN PGK PHP PKR PLN QAR RON RSD RUB SAR SBD SCR SDG SEK SGD \
    SHP SLE SLL SOS SRD SSP STN SVC SYP SZL THB TJS TMT TOP TRY TTD TWD TZS UAH USD USN UYU UZS \
    VED VES WST XCD XCG YER ZAR ZMW ZWG ZWL";

impl Currency {
    /// The US dollar, in which most providers price their catalogues.
    pub const USD: Currency = Currency {
        code: *b"USD",
        exponent: 2,
    };

    /// Returns the currency for an ISO 4217 code, in any case (`"usd"`, `"KWD"`).
    pub fn from_code(code: &str) -> Result<Currency, MoneyError> {
        let upper = code.trim().to_ascii_uppercase();
        let unknown = || MoneyError::UnknownCurrency(code.to_owned());
        let bytes: [u8; 3] = upper.as_bytes().try_into().map_err(|_| unknown())?;
        if let Some((_, exponent)) = EXPONENTS.iter().find(|(c, _)| *c == upper) {
            return Ok(Currency {
                code: bytes,
                exponent: *exponent,
            });
        }
        if TWO_DIGIT.split_whitespace().any(|c| c == upper) {
            return Ok(Currency {
                code: bytes,
                exponent: 2,
            });
        }
        Err(unknown())
    }

    /// Returns the three-letter code, e.g. `"EUR"`.
    pub fn code(&self) -> &str {
        // Built only from the ASCII tables above.
        std::str::from_utf8(&self.code).unwrap_or("XXX")
    }

    /// Returns the number of decimal digits of the minor unit (JPY 0, USD 2, KWD 3).
    pub fn exponent(&self) -> u8 {
        self.exponent
    }

    /// Returns how many minor units make one major unit (100 for USD).
    pub fn minor_per_major(&self) -> i64 {
        10i64.pow(u32::from(self.exponent))
    }
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl FromStr for Currency {
    type Err = MoneyError;
    fn from_str(s: &str) -> Result<Currency, MoneyError> {
        Currency::from_code(s)
    }
}

impl Serialize for Currency {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.code())
    }
}

impl<'de> Deserialize<'de> for Currency {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Currency, D::Error> {
        let code = String::deserialize(deserializer)?;
        Currency::from_code(&code).map_err(serde::de::Error::custom)
    }
}

/// An amount of money: integer minor units of one currency.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Money {
    minor: i64,
    currency: Currency,
}

impl Money {
    /// Returns `minor` minor units of `currency` (350 USD minor units is $3.50).
    pub fn from_minor(minor: i64, currency: Currency) -> Money {
        Money { minor, currency }
    }

    /// Returns zero in `currency`.
    pub fn zero(currency: Currency) -> Money {
        Money::from_minor(0, currency)
    }

    /// Returns an amount given in major units as an exact decimal (3.50 dollars), rounded to
    /// the currency's minor unit by the module's rounding rule.
    pub fn from_major(major: Decimal, currency: Currency) -> Result<Money, MoneyError> {
        let minor = major
            .checked_mul(Decimal::from(currency.minor_per_major()))
            .ok_or(MoneyError::Overflow)?;
        Money::from_minor_decimal(minor, currency)
    }

    /// Parses a provider's decimal amount in major units, such as `"3.50"` or `"8000"`.
    pub fn parse_major(text: &str, currency: Currency) -> Result<Money, MoneyError> {
        let trimmed = text.trim();
        let valid = !trimmed.is_empty()
            && trimmed
                .bytes()
                .all(|b| b.is_ascii_digit() || b == b'.' || b == b'-')
            && trimmed.bytes().filter(|b| *b == b'.').count() <= 1;
        let major = valid
            .then(|| Decimal::from_str_exact(trimmed).ok())
            .flatten()
            .ok_or_else(|| MoneyError::InvalidAmount(text.to_owned()))?;
        Money::from_major(major, currency)
    }

    /// Returns an amount given, as eSIM Access does, in ten-thousandths of a major unit
    /// (35000 is $3.50; 100000 is $10.00).
    pub fn from_ten_thousandths(value: i64, currency: Currency) -> Result<Money, MoneyError> {
        Money::from_major(Decimal::new(value, 4), currency)
    }

    fn from_minor_decimal(minor: Decimal, currency: Currency) -> Result<Money, MoneyError> {
        minor
            .round_dp_with_strategy(0, RoundingStrategy::MidpointAwayFromZero)
            .to_i64()
            .map(|minor| Money { minor, currency })
            .ok_or(MoneyError::Overflow)
    }

    /// Returns the amount in minor units.
    pub fn minor(&self) -> i64 {
        self.minor
    }

    /// Returns the currency.
    pub fn currency(&self) -> Currency {
        self.currency
    }

    /// Returns the amount in major units as an exact decimal (350 cents is 3.50).
    pub fn to_major(&self) -> Decimal {
        Decimal::new(self.minor, u32::from(self.currency.exponent))
    }

    /// Returns the amount as plain decimal text with the currency's digits: "3.50", "1200",
    /// "1.250". This is what `Intl.NumberFormat` is given in the widget.
    pub fn amount_text(&self) -> String {
        self.to_major().to_string()
    }

    /// Adds two amounts of the same currency.
    pub fn checked_add(&self, other: Money) -> Result<Money, MoneyError> {
        self.same_currency(&other)?;
        self.minor
            .checked_add(other.minor)
            .map(|minor| Money::from_minor(minor, self.currency))
            .ok_or(MoneyError::Overflow)
    }

    /// Subtracts an amount of the same currency.
    pub fn checked_sub(&self, other: Money) -> Result<Money, MoneyError> {
        self.same_currency(&other)?;
        self.minor
            .checked_sub(other.minor)
            .map(|minor| Money::from_minor(minor, self.currency))
            .ok_or(MoneyError::Overflow)
    }

    /// Multiplies by a whole quantity, as an order of several eSIMs does.
    pub fn checked_mul(&self, quantity: u32) -> Result<Money, MoneyError> {
        self.minor
            .checked_mul(i64::from(quantity))
            .map(|minor| Money::from_minor(minor, self.currency))
            .ok_or(MoneyError::Overflow)
    }

    /// Multiplies by an exact decimal factor, rounding once by the module's rule.
    pub fn checked_mul_decimal(&self, factor: Decimal) -> Result<Money, MoneyError> {
        let minor = Decimal::from(self.minor)
            .checked_mul(factor)
            .ok_or(MoneyError::Overflow)?;
        Money::from_minor_decimal(minor, self.currency)
    }

    fn same_currency(&self, other: &Money) -> Result<(), MoneyError> {
        if self.currency == other.currency {
            Ok(())
        } else {
            Err(MoneyError::CurrencyMismatch(
                self.currency.to_string(),
                other.currency.to_string(),
            ))
        }
    }
}

/// Amounts compare only within one currency: $1 and €1 are not ordered.
impl PartialOrd for Money {
    fn partial_cmp(&self, other: &Money) -> Option<Ordering> {
        (self.currency == other.currency).then(|| self.minor.cmp(&other.minor))
    }
}

impl fmt::Display for Money {
    /// Shows "3.50 USD"; shoppers see the widget's `Intl` formatting instead.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.amount_text(), self.currency)
    }
}

/// On the wire money is `{"minor": 350, "currency": "USD"}`: integers and a code, never a float.
impl Serialize for Money {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        struct Wire<'a> {
            minor: i64,
            currency: &'a str,
        }
        Wire {
            minor: self.minor,
            currency: self.currency.code(),
        }
        .serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for Money {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Money, D::Error> {
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        struct Wire {
            minor: i64,
            currency: Currency,
        }
        let wire = Wire::deserialize(deserializer)?;
        Ok(Money::from_minor(wire.minor, wire.currency))
    }
}

/// Exchange rates from one base currency: one unit of `base` buys `rate` units of each other
/// currency (Vellosim: 1 USD = `rate` NGN).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Rates {
    base: Currency,
    rates: Vec<(Currency, Decimal)>,
}

impl Rates {
    /// Returns an empty table for `base`; the base converts to itself at 1.
    pub fn new(base: Currency) -> Rates {
        Rates {
            base,
            rates: Vec::new(),
        }
    }

    /// Sets the rate of `currency` against the base, refusing zero or negative rates.
    pub fn with_rate(mut self, currency: Currency, rate: Decimal) -> Result<Rates, MoneyError> {
        if rate <= Decimal::ZERO {
            return Err(MoneyError::InvalidRate(rate.to_string()));
        }
        self.rates.retain(|(c, _)| *c != currency);
        self.rates.push((currency, rate));
        self.rates.sort_by_key(|(c, _)| *c);
        Ok(self)
    }

    /// Returns the base currency.
    pub fn base(&self) -> Currency {
        self.base
    }

    /// Returns every currency the table converts to, base first.
    pub fn currencies(&self) -> Vec<Currency> {
        let mut all = vec![self.base];
        all.extend(
            self.rates
                .iter()
                .map(|(c, _)| *c)
                .filter(|c| *c != self.base),
        );
        all
    }

    /// Returns units of `currency` per unit of the base.
    pub fn rate(&self, currency: Currency) -> Option<Decimal> {
        if currency == self.base {
            return Some(Decimal::ONE);
        }
        self.rates
            .iter()
            .find(|(c, _)| *c == currency)
            .map(|(_, r)| *r)
    }

    /// Converts `amount` into `target`, through the base when neither is the base, rounding
    /// once at the end by the module's rule.
    pub fn convert(&self, amount: Money, target: Currency) -> Result<Money, MoneyError> {
        if amount.currency == target {
            return Ok(amount);
        }
        let exact = self.convert_exact(amount.to_major(), amount.currency, target)?;
        Money::from_major(exact, target)
    }

    /// Converts a major-unit decimal without rounding, for chains of operations that round
    /// once at their end.
    fn convert_exact(
        &self,
        major: Decimal,
        from: Currency,
        to: Currency,
    ) -> Result<Decimal, MoneyError> {
        let no_rate = |c: Currency| MoneyError::NoRate(from.to_string(), c.to_string());
        let from_rate = self.rate(from).ok_or_else(|| no_rate(from))?;
        let to_rate = self.rate(to).ok_or_else(|| no_rate(to))?;
        major
            .checked_mul(to_rate)
            .and_then(|m| m.checked_div(from_rate))
            .ok_or(MoneyError::Overflow)
    }
}

/// How a marked-up price ends, applied in the shopper's currency after conversion.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind", content = "minor")]
pub enum PriceEnding {
    /// The price as computed.
    #[default]
    Exact,
    /// The smallest price at or above the computed one whose minor part is this value
    /// (99 makes 4.12 into 4.99). Ignored for currencies without minor units.
    Minor(u16),
    /// The computed price rounded up to a whole major unit (4.12 becomes 5.00).
    Whole,
}

impl PriceEnding {
    /// Applies the ending to `price`; never lowers it.
    pub fn apply(&self, price: Money) -> Result<Money, MoneyError> {
        let per_major = price.currency.minor_per_major();
        let minor = price.minor;
        let adjusted = match *self {
            PriceEnding::Exact => minor,
            PriceEnding::Minor(_) if per_major == 1 => minor,
            PriceEnding::Minor(ending) => {
                let ending = i64::from(ending) % per_major;
                let candidate = minor
                    .div_euclid(per_major)
                    .checked_mul(per_major)
                    .and_then(|m| m.checked_add(ending))
                    .ok_or(MoneyError::Overflow)?;
                if candidate >= minor {
                    candidate
                } else {
                    candidate
                        .checked_add(per_major)
                        .ok_or(MoneyError::Overflow)?
                }
            }
            PriceEnding::Whole => {
                let rest = minor.rem_euclid(per_major);
                if rest == 0 {
                    minor
                } else {
                    minor
                        .checked_add(per_major - rest)
                        .ok_or(MoneyError::Overflow)?
                }
            }
        };
        Ok(Money::from_minor(adjusted, price.currency))
    }
}

/// The merchant's margin on top of the provider's wholesale cost.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Markup {
    /// Percent added to the cost (25 adds a quarter).
    pub percent: Decimal,
    /// A fixed amount added after the percentage, in any currency the rates know.
    pub fixed: Option<Money>,
    /// How the final price ends in the shopper's currency.
    pub ending: PriceEnding,
}

impl Markup {
    /// Returns the shopper's price of something that costs `cost`: cost plus `percent`, plus
    /// `fixed`, converted into `target`, rounded once by the module's rule, then given its
    /// ending. Every step before the rounding is exact.
    pub fn price(&self, cost: Money, target: Currency, rates: &Rates) -> Result<Money, MoneyError> {
        let hundred = Decimal::ONE_HUNDRED;
        let factor = hundred
            .checked_add(self.percent)
            .and_then(|p| p.checked_div(hundred))
            .ok_or(MoneyError::Overflow)?;
        let marked_up = cost
            .to_major()
            .checked_mul(factor)
            .ok_or(MoneyError::Overflow)?;
        let mut in_target = rates.convert_exact(marked_up, cost.currency, target)?;
        if let Some(fixed) = self.fixed {
            let fixed = rates.convert_exact(fixed.to_major(), fixed.currency, target)?;
            in_target = in_target.checked_add(fixed).ok_or(MoneyError::Overflow)?;
        }
        self.ending.apply(Money::from_major(in_target, target)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use rust_decimal::dec;

    fn cur(code: &str) -> Currency {
        Currency::from_code(code).unwrap()
    }

    #[test]
    fn currencies_know_their_exponent() {
        assert_eq!(cur("JPY").exponent(), 0);
        assert_eq!(cur("usd").exponent(), 2);
        assert_eq!(cur("KWD").exponent(), 3);
        assert_eq!(cur("NGN").exponent(), 2);
        assert_eq!(cur("CLF").exponent(), 4);
        assert_eq!(Currency::USD, cur("USD"));
    }

    #[test]
    fn unknown_currency_codes_are_errors() {
        for code in ["", "US", "USDD", "ABC", "€", "U$D"] {
            assert_eq!(
                Currency::from_code(code),
                Err(MoneyError::UnknownCurrency(code.into()))
            );
        }
        assert!(serde_json::from_str::<Currency>("\"XYZ\"").is_err());
    }

    #[test]
    fn provider_dollar_amounts_parse_exactly() {
        assert_eq!(
            Money::parse_major("3.50", Currency::USD),
            Ok(Money::from_minor(350, Currency::USD))
        );
        assert_eq!(
            Money::parse_major("8000", cur("NGN")),
            Ok(Money::from_minor(800_000, cur("NGN")))
        );
        assert_eq!(
            Money::parse_major("1200", cur("JPY")),
            Ok(Money::from_minor(1200, cur("JPY")))
        );
        assert_eq!(
            Money::parse_major("1.250", cur("KWD")),
            Ok(Money::from_minor(1250, cur("KWD")))
        );
    }

    #[test]
    fn extra_precision_rounds_half_away_from_zero() {
        assert_eq!(
            Money::parse_major("3.455", Currency::USD).unwrap().minor(),
            346
        );
        assert_eq!(
            Money::parse_major("3.454", Currency::USD).unwrap().minor(),
            345
        );
        assert_eq!(
            Money::parse_major("-3.455", Currency::USD).unwrap().minor(),
            -346
        );
        assert_eq!(Money::parse_major("99.5", cur("JPY")).unwrap().minor(), 100);
    }

    #[test]
    fn invalid_amount_text_is_an_error() {
        for text in ["", "abc", "3,50", "1e3", "3.5.0", "$3", " ", "NaN", "--1"] {
            assert!(
                matches!(
                    Money::parse_major(text, Currency::USD),
                    Err(MoneyError::InvalidAmount(_))
                ),
                "{text:?}"
            );
        }
        assert_eq!(
            Money::parse_major("99999999999999999999999", Currency::USD),
            Err(MoneyError::Overflow)
        );
    }

    #[test]
    fn esim_access_ten_thousandths() {
        // providers.md §3: 10000 = $1.00, 35000 = $3.50, balance 100000 = $10.00.
        assert_eq!(
            Money::from_ten_thousandths(35_000, Currency::USD),
            Ok(Money::from_minor(350, Currency::USD))
        );
        assert_eq!(
            Money::from_ten_thousandths(100_000, Currency::USD)
                .unwrap()
                .minor(),
            1000
        );
        assert_eq!(
            Money::from_ten_thousandths(12_345, Currency::USD)
                .unwrap()
                .minor(),
            123
        );
        assert_eq!(
            Money::from_ten_thousandths(12_350, Currency::USD)
                .unwrap()
                .minor(),
            124
        );
    }

    #[test]
    fn amount_text_keeps_the_currency_digits() {
        assert_eq!(Money::from_minor(350, Currency::USD).amount_text(), "3.50");
        assert_eq!(Money::from_minor(1200, cur("JPY")).amount_text(), "1200");
        assert_eq!(Money::from_minor(1250, cur("KWD")).amount_text(), "1.250");
        assert_eq!(Money::from_minor(-5, Currency::USD).amount_text(), "-0.05");
        assert_eq!(
            Money::from_minor(350, Currency::USD).to_string(),
            "3.50 USD"
        );
    }

    #[test]
    fn arithmetic_refuses_mixed_currencies_and_overflow() {
        let usd = Money::from_minor(100, Currency::USD);
        let eur = Money::from_minor(100, cur("EUR"));
        assert_eq!(
            usd.checked_add(eur),
            Err(MoneyError::CurrencyMismatch("USD".into(), "EUR".into()))
        );
        assert!(usd.checked_sub(eur).is_err());
        assert_eq!(usd.partial_cmp(&eur), None);
        assert_eq!(
            Money::from_minor(i64::MAX, Currency::USD).checked_add(usd),
            Err(MoneyError::Overflow)
        );
        assert_eq!(
            Money::from_minor(i64::MAX, Currency::USD).checked_mul(2),
            Err(MoneyError::Overflow)
        );
        assert_eq!(usd.checked_mul(3).unwrap().minor(), 300);
        assert_eq!(usd.checked_sub(usd).unwrap(), Money::zero(Currency::USD));
        assert_eq!(usd.checked_mul_decimal(dec!(1.005)).unwrap().minor(), 101);
    }

    fn rates() -> Rates {
        Rates::new(Currency::USD)
            .with_rate(cur("NGN"), dec!(1550.25))
            .unwrap()
            .with_rate(cur("EUR"), dec!(0.92))
            .unwrap()
            .with_rate(cur("JPY"), dec!(151.337))
            .unwrap()
            .with_rate(cur("KWD"), dec!(0.3075))
            .unwrap()
    }

    #[test]
    fn conversion_is_exact_then_rounded_once() {
        let r = rates();
        let price = Money::from_minor(350, Currency::USD);
        // 3.50 * 1550.25 = 5425.875 NGN -> 5425.88
        assert_eq!(r.convert(price, cur("NGN")).unwrap().minor(), 542_588);
        // 3.50 * 151.337 = 529.6795 JPY -> 530
        assert_eq!(r.convert(price, cur("JPY")).unwrap().minor(), 530);
        // 3.50 * 0.3075 = 1.07625 KWD -> 1.076
        assert_eq!(r.convert(price, cur("KWD")).unwrap().minor(), 1076);
        // Cross rate EUR -> NGN through USD: 10 / 0.92 * 1550.25 = 16850.543... -> 16850.54
        let eur = Money::from_minor(1000, cur("EUR"));
        assert_eq!(r.convert(eur, cur("NGN")).unwrap().minor(), 1_685_054);
        assert_eq!(r.convert(price, Currency::USD).unwrap(), price);
    }

    #[test]
    fn conversion_without_a_rate_is_an_error() {
        let err = rates()
            .convert(Money::from_minor(1, Currency::USD), cur("GBP"))
            .unwrap_err();
        assert_eq!(err, MoneyError::NoRate("USD".into(), "GBP".into()));
        assert!(err.to_string().contains("GBP"));
    }

    #[test]
    fn zero_or_negative_rates_are_refused() {
        assert_eq!(
            Rates::new(Currency::USD).with_rate(cur("EUR"), Decimal::ZERO),
            Err(MoneyError::InvalidRate("0".into()))
        );
        assert!(Rates::new(Currency::USD)
            .with_rate(cur("EUR"), dec!(-1))
            .is_err());
    }

    #[test]
    fn rates_list_their_currencies_base_first_and_replace_duplicates() {
        let r = rates().with_rate(cur("EUR"), dec!(0.9)).unwrap();
        assert_eq!(r.rate(cur("EUR")), Some(dec!(0.9)));
        let codes: Vec<_> = r.currencies().iter().map(|c| c.to_string()).collect();
        assert_eq!(codes, ["USD", "EUR", "JPY", "KWD", "NGN"]);
    }

    #[test]
    fn price_endings_only_round_up() {
        let usd = |m| Money::from_minor(m, Currency::USD);
        assert_eq!(PriceEnding::Minor(99).apply(usd(412)).unwrap(), usd(499));
        assert_eq!(PriceEnding::Minor(99).apply(usd(499)).unwrap(), usd(499));
        assert_eq!(PriceEnding::Minor(49).apply(usd(450)).unwrap(), usd(549));
        assert_eq!(PriceEnding::Whole.apply(usd(412)).unwrap(), usd(500));
        assert_eq!(PriceEnding::Whole.apply(usd(400)).unwrap(), usd(400));
        assert_eq!(PriceEnding::Exact.apply(usd(412)).unwrap(), usd(412));
        let yen = Money::from_minor(1234, cur("JPY"));
        assert_eq!(PriceEnding::Minor(99).apply(yen).unwrap(), yen);
        assert_eq!(PriceEnding::Whole.apply(yen).unwrap(), yen);
        let dinar = Money::from_minor(1_001, cur("KWD"));
        assert_eq!(PriceEnding::Whole.apply(dinar).unwrap().minor(), 2_000);
    }

    #[test]
    fn markup_adds_percent_then_fixed_then_converts_then_ends() {
        let markup = Markup {
            percent: dec!(25),
            fixed: Some(Money::from_minor(50, Currency::USD)),
            ending: PriceEnding::Minor(99),
        };
        let cost = Money::from_minor(350, Currency::USD);
        // 3.50 * 1.25 + 0.50 = 4.875 -> 4.88 -> 4.99
        assert_eq!(
            markup.price(cost, Currency::USD, &rates()).unwrap(),
            Money::from_minor(499, Currency::USD)
        );
        // (4.375 + 0.50) USD * 0.92 = 4.485 EUR -> 4.49 -> 4.99
        assert_eq!(
            markup.price(cost, cur("EUR"), &rates()).unwrap(),
            Money::from_minor(499, cur("EUR"))
        );
        // In JPY: 4.875 * 151.337 = 737.767875 -> 738; the .99 ending is ignored.
        assert_eq!(
            markup.price(cost, cur("JPY"), &rates()).unwrap().minor(),
            738
        );
        let none = Markup::default();
        assert_eq!(none.price(cost, Currency::USD, &rates()).unwrap(), cost);
        assert!(none.price(cost, cur("GBP"), &rates()).is_err());
    }

    #[test]
    fn money_wire_form_is_minor_units_and_code() {
        let m = Money::from_minor(350, Currency::USD);
        let json = serde_json::to_string(&m).unwrap();
        assert_eq!(json, r#"{"minor":350,"currency":"USD"}"#);
        assert_eq!(serde_json::from_str::<Money>(&json).unwrap(), m);
        assert!(serde_json::from_str::<Money>(r#"{"minor":1.5,"currency":"USD"}"#).is_err());
        assert!(serde_json::from_str::<Money>(r#"{"minor":1,"currency":"QQQ"}"#).is_err());
    }

    proptest! {
        #[test]
        fn conversion_round_trip_stays_within_rounding(
            minor in 0i64..10_000_000_000,
            rate_milli in 1i64..5_000_000,
        ) {
            let rate = Decimal::new(rate_milli, 3);
            let eur = cur("EUR");
            let r = Rates::new(Currency::USD).with_rate(eur, rate).unwrap();
            let usd = Money::from_minor(minor, Currency::USD);
            let there = r.convert(usd, eur).unwrap();
            // The rounded result is within half a minor unit of the exact product.
            let exact = usd.to_major() * rate;
            prop_assert!((there.to_major() - exact).abs() <= dec!(0.005));
            // Converting back loses at most what one rounding each way can lose.
            let back = r.convert(there, Currency::USD).unwrap();
            let slack = (dec!(0.005) / rate).ceil() + Decimal::ONE;
            prop_assert!(Decimal::from((back.minor() - minor).abs()) <= slack * dec!(100));
        }

        #[test]
        fn conversion_is_monotonic(a in 0i64..1_000_000_000, b in 0i64..1_000_000_000, rate_milli in 1i64..5_000_000) {
            let eur = cur("EUR");
            let r = Rates::new(Currency::USD).with_rate(eur, Decimal::new(rate_milli, 3)).unwrap();
            let (lo, hi) = if a <= b { (a, b) } else { (b, a) };
            let lo = r.convert(Money::from_minor(lo, Currency::USD), eur).unwrap();
            let hi = r.convert(Money::from_minor(hi, Currency::USD), eur).unwrap();
            prop_assert!(lo <= hi);
        }

        #[test]
        fn markup_never_lowers_a_price(
            minor in 0i64..1_000_000_000,
            percent in 0i64..500,
            ending in prop_oneof![Just(PriceEnding::Exact), Just(PriceEnding::Whole), (0u16..100).prop_map(PriceEnding::Minor)],
        ) {
            let markup = Markup { percent: Decimal::from(percent), fixed: None, ending };
            let cost = Money::from_minor(minor, Currency::USD);
            let price = markup.price(cost, Currency::USD, &Rates::new(Currency::USD)).unwrap();
            prop_assert!(price >= cost);
            if let PriceEnding::Minor(e) = ending {
                prop_assert_eq!(price.minor() % 100, i64::from(e));
                prop_assert!(price.minor() - cost.minor() * (100 + percent) / 100 < 101);
            }
        }

        #[test]
        fn parsing_decimal_text_matches_integer_construction(major in 0i64..1_000_000_000, cents in 0i64..100) {
            let text = format!("{major}.{cents:02}");
            let parsed = Money::parse_major(&text, Currency::USD).unwrap();
            prop_assert_eq!(parsed.minor(), major * 100 + cents);
        }

        #[test]
        fn parsing_never_panics(text in ".{0,30}") {
            let _ = Money::parse_major(&text, Currency::USD);
        }
    }
}
