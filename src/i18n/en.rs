//! Every text of the widget in English. Each `match` is exhaustive: a message added to
//! [`Msg`] or a code added to [`ErrorCode`] does not compile until it is written here.

use esim_core::api::ErrorCode;
use esim_core::{Lifecycle, ValidityUnit};

use super::{Msg, Words};

/// The widget's English.
pub(super) struct English;

impl Words for English {
    fn text(&self, msg: Msg) -> &'static str {
        use Msg::*;
        match msg {
            WhereTo => "Where are you travelling?",
            SearchPlaceholder => "Search a country or region",
            Popular => "Popular destinations",
            TabLocal => "Local eSIMs",
            TabRegional => "Regional eSIMs",
            TabGlobal => "Global eSIMs",
            Loading => "Loading…",
            NoDestinations => "No destination matches your search.",
            NoPlans => "No plan matches these filters.",
            LoadFailed => "We could not load this.",
            Retry => "Try again",
            Change => "Change",
            SortBy => "Sort by",
            SortPrice => "Price",
            SortData => "Most data",
            SortDays => "Longest validity",
            SortPricePerGb => "Price per GB",
            OnlyUnlimited => "Unlimited only",
            Unlimited => "Unlimited",
            PerGb => "per GB",
            Coverage => "Coverage",
            Networks => "Networks",
            TopUpAvailable => "Top-ups available",
            TopUpUnavailable => "No top-ups for this plan",
            ChoosePlan => "Choose this plan",
            Back => "Back",
            From => "from",
            PlansFor => "Plans for",
            Offline => "You seem to be offline. Check your connection and try again.",
            Checkout => "Checkout",
            Quantity => "Number of eSIMs",
            Currency => "Currency",
            Email => "E-mail for your receipt",
            EmailInvalid => "Please enter a valid e-mail address.",
            Terms => "I accept the terms of sale and checked that my phone supports eSIM.",
            TermsRequired => "Please accept the terms to continue.",
            Total => "Total",
            TestPayment => "Test shop: no payment is taken and the eSIM is a test eSIM.",
            CardLabel => "Card",
            PayNow => "Pay",
            Paying => "Paying…",
            TestCard => "Test shop: pay with the test card 4242 4242 4242 4242 (any future date, any CVC); the eSIM is a test eSIM.",
            CardLoading => "Loading the secure card field…",
            CardUnavailable => "The card field could not be loaded. Check your connection and try again.",
            CardNotConfirmed => "Your bank did not confirm the payment. Try again, or use another card.",
            PaymentNotTaken => "You have not been charged.",
            PlaceOrder => "Place order",
            PlaceTestOrder => "Place test order",
            Placing => "Placing your order…",
            Provisioning => "Preparing your eSIM…",
            OrderFailed => "Your order did not go through.",
            NotCharged => "You will not be charged twice if you try again.",
            TopUpChecking => "We are checking your top-up with our supplier. You will not be charged twice: the data will appear on this eSIM once it is confirmed, or your card will not be charged.",
            OrderChecking => "We are checking your order with our supplier. You will not be charged twice: your eSIM will appear under “My eSIMs” once it is confirmed, or your order will be refunded.",
            OrderReady => "Your eSIM is ready",
            ScanQr => "Scan this QR code with your phone's camera or in Settings › Mobile data › Add eSIM.",
            InstallIphone => "Install on iPhone",
            ManualInstall => "Or enter it by hand",
            SmdpAddress => "SM-DP+ address",
            ActivationCode => "Activation code",
            Copy => "Copy",
            Copied => "Copied",
            AndroidSteps => "On Android: Settings › Network & internet › SIMs › Add eSIM › Enter manually, then type the two codes above.",
            Apn => "APN",
            QrOnce => "Keep this page: most QR codes work only once.",
            QrLabel => "QR code to install this eSIM",
            ShopMore => "Browse more plans",
            MyEsims => "My eSIMs",
            NoEsims => "You have no eSIMs yet. Bought ones appear here on this device.",
            DataUsage => "Data used",
            UsageUnknown => "Data used is not reported for this eSIM.",
            NotStarted => "Starts when first used",
            FilterData => "Data",
            FilterDays => "Days",
            FilterPrice => "Price",
            Any => "Any",
            Details => "Details",
            BackToEsims => "Back to my eSIMs",
            Refresh => "Refresh usage",
            Refreshing => "Checking…",
            Updated => "Usage updated.",
            Install => "Install",
            History => "Plans on this eSIM",
            TopUpBadge => "Top-up",
            AddData => "Add data",
            ChooseTopUp => "Choose a top-up",
            NoTopUps => "No top-ups are offered for this eSIM right now.",
            ConfirmTopUp => "Confirm top-up",
            TopUpDone => "Top-up added.",
            Adding => "Adding…",
            CancelEsim => "Cancel this eSIM",
            CancelQuestion => "Cancel this eSIM?",
            CancelExplain => "It has not been installed yet, so it can be cancelled and refunded. This cannot be undone.",
            KeepEsim => "Keep it",
            ConfirmCancel => "Yes, cancel it",
            Cancelling => "Cancelling…",
            CancelDone => "The eSIM is cancelled.",
            CancelAfterTopUp => "This eSIM has been topped up, so it cannot be cancelled here. Please contact the shop.",
            CancelNotAllowed => "An eSIM can be cancelled only before it is installed or used.",
            Close => "Close",
            TabShop => "Buy a plan",
            FindPlan => "Find a plan",
            CannotInstall => "This eSIM cannot be installed:",
            NothingCharged => "Nothing was charged; you can try again.",
            CannotCancelNow => "This eSIM has been installed or used and can no longer be cancelled.",
        }
    }

    fn error(&self, code: ErrorCode) -> &'static str {
        use ErrorCode::*;
        match code {
            BadRequest
            | InvalidJson
            | PayloadTooLarge
            | IdempotencyKeyRequired
            | IdempotencyKeyReused => {
                "This request could not be understood. Please reload the page and try again."
            }
            Unauthorized => "Your session has expired or is not valid. Please sign in again.",
            NotFound => "We could not find this. It may have been removed.",
            MethodNotAllowed => "This request is not possible here.",
            UnknownPackage => "This plan is no longer sold.",
            UnknownCurrency => "This shop does not sell in that currency.",
            InvalidQuantity => "Please choose a number of eSIMs this shop allows.",
            InvalidEmail => "Please enter a valid e-mail address.",
            RequestInProgress => "Your request is still being processed. Please wait a moment.",
            NotAllowed => "That is not possible for this eSIM right now.",
            Unsupported => "This shop does not offer that.",
            RateLimited | ServerBusy => "Too many requests. Please try again in a moment.",
            RequestTimeout => "The connection was too slow. Please try again.",
            InsufficientBalance => {
                "This shop cannot take orders right now. Please try again later."
            }
            CardDeclined => "Your card was declined. Please check its details or try another card.",
            PaymentUnavailable => "Card payment is unavailable right now. You have not been charged; please try again shortly.",
            ProviderUnavailable => {
                "Our eSIM supplier is unavailable right now. Please try again shortly."
            }
            ProviderTimeout => "Our eSIM supplier is taking too long to answer.",
            ProviderBadResponse => {
                "Our eSIM supplier sent an answer we could not read. Please try again shortly."
            }
            Internal => "Something went wrong on our side. Please try again.",
        }
    }

    fn lifecycle(&self, state: Lifecycle) -> &'static str {
        match state {
            Lifecycle::Pending => "Being prepared",
            Lifecycle::Ready => "Ready to install",
            Lifecycle::Active => "Active",
            Lifecycle::Depleted => "Data used up",
            Lifecycle::Expired => "Expired",
            Lifecycle::Suspended => "Suspended",
            Lifecycle::Cancelled => "Cancelled",
            Lifecycle::Revoked => "Revoked",
            Lifecycle::Failed => "Failed",
            Lifecycle::Unknown => "Unknown",
        }
    }

    fn unit(&self, unit: ValidityUnit, one: bool) -> &'static str {
        match (unit, one) {
            (ValidityUnit::Hour, true) => "hour",
            (ValidityUnit::Hour, false) => "hours",
            (ValidityUnit::Day, true) => "day",
            (ValidityUnit::Day, false) => "days",
            (ValidityUnit::Month, true) => "month",
            (ValidityUnit::Month, false) => "months",
        }
    }

    fn days_left(&self, days: i64) -> String {
        match days {
            1 => "1 day left".to_owned(),
            _ => format!("{days} days left"),
        }
    }

    fn used_of(&self, used: &str, total: &str) -> String {
        format!("{used} of {total} used")
    }

    fn wait_seconds(&self, seconds: u64) -> String {
        format!("Usage was checked a moment ago. Try again in {seconds} s.")
    }

    fn retry_in(&self, seconds: u64) -> String {
        format!("Too many requests. Please try again in {seconds} s.")
    }

    fn top_up_question(&self, what: &str, price: &str) -> String {
        format!("Add {what} to this eSIM for {price}?")
    }

    fn cancelled_refund(&self, price: &str, made: bool) -> String {
        if made {
            format!("The eSIM is cancelled and {price} is refunded to your card. Your bank shows it within a few days.")
        } else {
            format!("The eSIM is cancelled. Your refund of {price} is on its way to your card.")
        }
    }
}
