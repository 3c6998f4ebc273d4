//! What the widget says, in English, French and Spanish, and how it writes numbers, prices and
//! data volumes for the shopper's locale (through the browser's `Intl`).
//!
//! Each language is a type of its own (`en.rs`, `fr.rs`, `es.rs`) implementing [`Words`] with
//! exhaustive matches, so a new language is a new file and a missing text is a compile error.
//! Errors are worded from the proxy's stable [`ErrorCode`], never from its English `message`.

mod en;
mod es;
mod fr;
mod intl;

use esim_core::api::ErrorCode;
use esim_core::volume::{ScaledVolume, VolumeUnit};
use esim_core::{Lifecycle, Money, Validity, ValidityUnit, Volume};

use intl::Style;

/// Runs `$e` with `$w` bound to the words of `$locale`'s language. Dispatched by a `match`,
/// not a vtable, so each text lookup stays one jump table.
macro_rules! in_words {
    ($locale:expr, $w:ident => $e:expr) => {
        match $locale {
            Locale::En => {
                let $w = en::English;
                $e
            }
            Locale::Fr => {
                let $w = fr::French;
                $e
            }
            Locale::Es => {
                let $w = es::Spanish;
                $e
            }
        }
    };
}

/// A language the widget speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) enum Locale {
    #[default]
    En,
    Fr,
    Es,
}

/// Every fixed text of the widget.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Msg {
    WhereTo,
    SearchPlaceholder,
    Popular,
    TabLocal,
    TabRegional,
    TabGlobal,
    Loading,
    NoDestinations,
    NoPlans,
    LoadFailed,
    Retry,
    Change,
    SortBy,
    SortPrice,
    SortData,
    SortDays,
    SortPricePerGb,
    OnlyUnlimited,
    Unlimited,
    PerGb,
    Coverage,
    Networks,
    TopUpAvailable,
    TopUpUnavailable,
    ChoosePlan,
    Back,
    From,
    PlansFor,
    Offline,
    Checkout,
    Quantity,
    Currency,
    Email,
    EmailInvalid,
    Terms,
    TermsRequired,
    Total,
    TestPayment,
    PlaceOrder,
    CardLabel,
    PayNow,
    Paying,
    TestCard,
    CardLoading,
    CardUnavailable,
    CardNotConfirmed,
    PaymentNotTaken,
    PlaceTestOrder,
    Placing,
    Provisioning,
    OrderFailed,
    NotCharged,
    OrderChecking,
    /// A top-up paid by card that the supplier has not confirmed yet.
    TopUpChecking,
    OrderReady,
    ScanQr,
    InstallIphone,
    ManualInstall,
    SmdpAddress,
    ActivationCode,
    Copy,
    Copied,
    AndroidSteps,
    Apn,
    QrOnce,
    QrLabel,
    ShopMore,
    MyEsims,
    NoEsims,
    DataUsage,
    NotStarted,
    UsageUnknown,
    FilterData,
    FilterDays,
    FilterPrice,
    Any,
    Details,
    BackToEsims,
    Refresh,
    Refreshing,
    Updated,
    Install,
    History,
    TopUpBadge,
    AddData,
    ChooseTopUp,
    NoTopUps,
    ConfirmTopUp,
    TopUpDone,
    Adding,
    CancelEsim,
    CancelQuestion,
    CancelExplain,
    KeepEsim,
    ConfirmCancel,
    Cancelling,
    CancelDone,
    CancelNotAllowed,
    /// An unused eSIM that was topped up by card: cancelled by the shop only.
    CancelAfterTopUp,
    Close,
    TabShop,
    FindPlan,
    CannotInstall,
    NothingCharged,
    CannotCancelNow,
}

impl Locale {
    /// Picks a supported locale from a BCP 47 tag ("fr-CA" is French).
    pub(crate) fn parse(tag: &str) -> Option<Locale> {
        match tag.trim().get(..2).map(str::to_ascii_lowercase).as_deref() {
            Some("en") => Some(Locale::En),
            Some("fr") => Some(Locale::Fr),
            Some("es") => Some(Locale::Es),
            _ => None,
        }
    }

    /// Returns the locale asked for, else the browser's language, else English.
    pub(crate) fn choose(asked: Option<&str>) -> Locale {
        asked
            .and_then(Locale::parse)
            .or_else(|| {
                web_sys::window()
                    .and_then(|w| w.navigator().language())
                    .and_then(|l| Locale::parse(&l))
            })
            .unwrap_or_default()
    }

    /// Returns the BCP 47 tag given to `Intl`.
    pub(crate) fn tag(&self) -> &'static str {
        match self {
            Locale::En => "en",
            Locale::Fr => "fr",
            Locale::Es => "es",
        }
    }

    /// Returns a fixed text.
    pub(crate) fn t(&self, msg: Msg) -> &'static str {
        in_words!(self, w => w.text(msg))
    }

    /// Says what went wrong, for an error code of the API.
    pub(crate) fn error(&self, code: ErrorCode) -> &'static str {
        in_words!(self, w => w.error(code))
    }

    /// Asks to try again after `seconds` (a rate-limited request).
    pub(crate) fn retry_in(&self, seconds: u64) -> String {
        in_words!(self, w => w.retry_in(seconds))
    }

    /// Writes a validity: "7 days", "7 jours", "7 días", "24 hours", "1 month".
    pub(crate) fn validity(&self, v: Validity) -> String {
        format!(
            "{} {}",
            v.amount,
            in_words!(self, w => w.unit(v.unit, v.amount == 1))
        )
    }

    /// Names an eSIM's lifecycle state for its badge.
    pub(crate) fn lifecycle(&self, state: Lifecycle) -> &'static str {
        in_words!(self, w => w.lifecycle(state))
    }

    /// Writes the days left on a plan: "3 days left", "3 jours restants", "quedan 3 días".
    pub(crate) fn days_left(&self, days: i64) -> String {
        in_words!(self, w => w.days_left(days))
    }

    /// Writes data used out of a total: "1.5 GB of 5 GB used".
    pub(crate) fn used_of(&self, used: &str, total: &str) -> String {
        in_words!(self, w => w.used_of(used, total))
    }

    /// Asks the shopper to wait before checking usage again.
    pub(crate) fn wait_seconds(&self, seconds: u64) -> String {
        in_words!(self, w => w.wait_seconds(seconds))
    }

    /// Asks to confirm a top-up: "Add 3 GB for 15 days for $9.00?".
    pub(crate) fn top_up_question(&self, what: &str, price: &str) -> String {
        in_words!(self, w => w.top_up_question(what, price))
    }

    /// After a cancel paid by card: "The eSIM is cancelled and €4.50 is refunded to your
    /// card." (`made`), or that the refund is on its way.
    pub(crate) fn cancelled_refund(&self, price: &str, made: bool) -> String {
        in_words!(self, w => w.cancelled_refund(price, made))
    }

    /// Writes a date (Unix seconds) the locale's way, with `Intl.DateTimeFormat`.
    pub(crate) fn date(&self, unix_seconds: i64) -> String {
        intl::date(self.tag(), unix_seconds)
    }

    /// Writes a data volume with the locale's decimal mark and unit ("1,5 Go" in French).
    pub(crate) fn volume(&self, volume: Volume) -> String {
        self.scaled_volume(volume.scaled())
    }

    /// Writes `volume` in the units `reference` is shown in: usage "1.2 GB of 5 GB" of a plan
    /// sold in decimal gigabytes reads in decimal gigabytes too.
    pub(crate) fn volume_like(&self, volume: Volume, reference: Volume) -> String {
        self.scaled_volume(volume.scaled_like(&reference))
    }

    fn scaled_volume(&self, scaled: Option<ScaledVolume>) -> String {
        let Some(scaled) = scaled else {
            return self.t(Msg::Unlimited).to_owned();
        };
        let number = format!("{}.{}", scaled.tenths / 10, scaled.tenths % 10);
        let digits = if scaled.has_fraction() { 1 } else { 0 };
        let shown = self.number(&number, digits);
        in_words!(self, w => w.volume(&shown, w.volume_unit(scaled.unit)))
    }

    /// Writes a price with `Intl.NumberFormat` ("€12.99", "12,99 €").
    pub(crate) fn price(&self, money: Money) -> String {
        let currency = money.currency();
        intl::format_with(
            self.tag(),
            Style::Currency(currency.code()),
            &money.amount_text(),
        )
        .unwrap_or_else(|| money.to_string())
    }

    /// Writes a decimal number with exactly `digits` fraction digits.
    pub(crate) fn number(&self, decimal: &str, digits: u32) -> String {
        intl::format_with(self.tag(), Style::Digits(digits), decimal)
            .unwrap_or_else(|| decimal.to_owned())
    }
}

/// Everything a language says. One type per language implements it, each with exhaustive
/// matches.
trait Words {
    /// A fixed text.
    fn text(&self, msg: Msg) -> &'static str;
    /// What went wrong, worded from the API's error code.
    fn error(&self, code: ErrorCode) -> &'static str;
    /// The badge of an eSIM's lifecycle state.
    fn lifecycle(&self, state: Lifecycle) -> &'static str;
    /// A validity unit, singular when `one`.
    fn unit(&self, unit: ValidityUnit, one: bool) -> &'static str;
    /// "3 days left".
    fn days_left(&self, days: i64) -> String;
    /// "1.5 GB of 5 GB used".
    fn used_of(&self, used: &str, total: &str) -> String;
    /// Wait before checking usage again.
    fn wait_seconds(&self, seconds: u64) -> String;
    /// Too many requests: try again in so many seconds.
    fn retry_in(&self, seconds: u64) -> String;
    /// "Add 3 GB to this eSIM for $9.00?".
    fn top_up_question(&self, what: &str, price: &str) -> String;
    /// The eSIM is cancelled and so much refunded to the card (or, not `made`, on its way).
    fn cancelled_refund(&self, price: &str, made: bool) -> String;
    /// A data unit's symbol ("GB"; "Go" in French).
    fn volume_unit(&self, unit: VolumeUnit) -> &'static str {
        unit.as_str()
    }
    /// A number and a data unit together.
    fn volume(&self, number: &str, unit: &str) -> String {
        format!("{number} {unit}")
    }
}
