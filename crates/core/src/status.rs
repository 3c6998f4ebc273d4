//! The state of an eSIM, on two independent axes.
//!
//! A [`Lifecycle`] says where the *data plan* is (waiting, ready, in use, used up, over); a
//! [`ProfileState`] says where the *profile on the phone* is (not installed, installed,
//! deleted). Every provider has its own words for these, and some report a state per bucket
//! of data rather than per eSIM; each vocabulary has one mapping function here, following the
//! table in `shared/reference/providers.md` §8, and [`EsimStatus`] keeps the provider's raw
//! words beside the mapped values for support and logs.
//!
//! What a shopper may do follows from the pair ([`EsimStatus::may_install`],
//! [`EsimStatus::may_top_up`], [`EsimStatus::may_cancel`]).

use serde::{Deserialize, Serialize};

/// Where an eSIM's data plan is.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Lifecycle {
    /// Ordered or paid; the profile or bundle is not ready yet (ask again later).
    Pending,
    /// Profile issued, plan not started: installable, cancellable while not installed.
    Ready,
    /// Plan started, data remaining.
    Active,
    /// Data used up while validity remains: a top-up candidate.
    Depleted,
    /// Validity over, with or without data left.
    Expired,
    /// Temporarily stopped by the operator or reseller.
    Suspended,
    /// Cancelled and refunded before use.
    Cancelled,
    /// Terminated or recycled: no refund, no top-up.
    Revoked,
    /// The order or provisioning failed.
    Failed,
    /// A value this crate does not know; the raw value is kept in [`EsimStatus`].
    Unknown,
}

/// Where an eSIM's profile is on the shopper's device.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProfileState {
    NotInstalled,
    Downloaded,
    Installed,
    Enabled,
    Disabled,
    Deleted,
    Error,
    /// Not reported by the provider (Airalo, PressOne) or not recognised.
    Unknown,
}

impl Lifecycle {
    /// Returns the snake_case name used on the wire and in class names ("depleted").
    pub fn as_str(&self) -> &'static str {
        match self {
            Lifecycle::Pending => "pending",
            Lifecycle::Ready => "ready",
            Lifecycle::Active => "active",
            Lifecycle::Depleted => "depleted",
            Lifecycle::Expired => "expired",
            Lifecycle::Suspended => "suspended",
            Lifecycle::Cancelled => "cancelled",
            Lifecycle::Revoked => "revoked",
            Lifecycle::Failed => "failed",
            Lifecycle::Unknown => "unknown",
        }
    }

    /// Returns whether nothing more will happen to this plan.
    pub fn is_final(&self) -> bool {
        matches!(
            self,
            Lifecycle::Expired | Lifecycle::Cancelled | Lifecycle::Revoked | Lifecycle::Failed
        )
    }

    /// Maps eSIM Access's `esimStatus` (also passed through by CloudeSIM and Vellosim).
    pub fn from_esim_access(raw: &str) -> Lifecycle {
        match raw.trim().to_ascii_uppercase().as_str() {
            "CREATE" | "PAYING" | "PAID" | "GETTING_RESOURCE" => Lifecycle::Pending,
            "GOT_RESOURCE" => Lifecycle::Ready,
            "IN_USE" => Lifecycle::Active,
            "USED_UP" => Lifecycle::Depleted,
            "USED_EXPIRED" | "UNUSED_EXPIRED" => Lifecycle::Expired,
            "SUSPENDED" => Lifecycle::Suspended,
            "CANCEL" => Lifecycle::Cancelled,
            "REVOKE" | "REVOKED" => Lifecycle::Revoked,
            _ => Lifecycle::Unknown,
        }
    }

    /// Maps eSIM Access's order error code: 200010 means the profile is still being
    /// allocated, so the eSIM is pending; any other code is a failed order.
    pub fn from_esim_access_error_code(code: &str) -> Lifecycle {
        if code.trim() == "200010" {
            Lifecycle::Pending
        } else {
            Lifecycle::Failed
        }
    }

    /// Maps Vellosim's `esimStatus` and purchase `status`, accepting both of its documented
    /// vocabularies: its own (`CREATED`, `ACTIVE`, `CANCELLED`...) and eSIM Access's, which it
    /// passes through (`GOT_RESOURCE`, `IN_USE`...). CloudeSIM uses the same mapping.
    pub fn from_vellosim(raw: &str) -> Lifecycle {
        match raw.trim().to_ascii_uppercase().as_str() {
            "PENDING" | "PROCESSING" => Lifecycle::Pending,
            "CREATED" => Lifecycle::Ready,
            "ACTIVE" => Lifecycle::Active,
            "EXPIRED" => Lifecycle::Expired,
            "CANCELLED" => Lifecycle::Cancelled,
            "FAILED" => Lifecycle::Failed,
            _ => Lifecycle::from_esim_access(raw),
        }
    }

    /// Maps Vellosim's `esimStatus` together with its `isActive` flag: an eSIM flagged active
    /// is active whatever an unrecognised status says.
    pub fn from_vellosim_flagged(raw: &str, is_active: Option<bool>) -> Lifecycle {
        match (Lifecycle::from_vellosim(raw), is_active) {
            (Lifecycle::Unknown, Some(true)) => Lifecycle::Active,
            (mapped, _) => mapped,
        }
    }

    /// Maps CloudeSIM's `status`, which may be in either Vellosim's or eSIM Access's words
    /// (its documented example is `ACTIVE`).
    pub fn from_cloudesim(raw: &str) -> Lifecycle {
        Lifecycle::from_vellosim(raw)
    }

    /// Maps Airalo's and PressOne's usage `status` and package-history `status`, in any
    /// case (PressOne's history says "active", Airalo's "ACTIVE").
    pub fn from_airalo(raw: &str) -> Lifecycle {
        match raw.trim().to_ascii_uppercase().as_str() {
            "NOT_ACTIVE" => Lifecycle::Ready,
            "ACTIVE" => Lifecycle::Active,
            "FINISHED" => Lifecycle::Depleted,
            "EXPIRED" => Lifecycle::Expired,
            _ => Lifecycle::Unknown,
        }
    }

    /// Maps an Airalo/PressOne future (asynchronous) order status: `pending` and `retry`
    /// are still coming, `failed` failed, `completed` delivered and ready to install.
    pub fn from_airalo_order(raw: &str) -> Lifecycle {
        match raw.trim().to_ascii_lowercase().as_str() {
            "pending" | "retry" => Lifecycle::Pending,
            "failed" => Lifecycle::Failed,
            "completed" => Lifecycle::Ready,
            _ => Lifecycle::Unknown,
        }
    }

    /// Maps eSIM Go's per-bundle `bundleState`.
    pub fn from_esim_go(raw: &str) -> Lifecycle {
        match raw.trim().to_ascii_lowercase().as_str() {
            "processing" => Lifecycle::Pending,
            "queued" => Lifecycle::Ready,
            "active" => Lifecycle::Active,
            "depleted" => Lifecycle::Depleted,
            "expired" | "lapsed" => Lifecycle::Expired,
            "revoked" => Lifecycle::Revoked,
            _ => Lifecycle::Unknown,
        }
    }

    /// Reduces per-bucket states (VeloeSIM assigned plans, eSIM Go bundles, Airalo package
    /// history) to one, by the precedence of providers.md §8.1: any active bucket makes the
    /// eSIM active; else a queued one makes it ready; else one still processing makes it
    /// pending; else a depleted one with validity left makes it depleted; else it has expired.
    /// A terminal eSIM-level state (cancelled, revoked, failed) overrides the buckets.
    pub fn from_buckets(buckets: &[Lifecycle], esim_level: Option<Lifecycle>) -> Lifecycle {
        if let Some(
            terminal @ (Lifecycle::Cancelled
            | Lifecycle::Revoked
            | Lifecycle::Failed
            | Lifecycle::Suspended),
        ) = esim_level
        {
            return terminal;
        }
        const PRECEDENCE: [Lifecycle; 5] = [
            Lifecycle::Active,
            Lifecycle::Ready,
            Lifecycle::Pending,
            Lifecycle::Depleted,
            Lifecycle::Expired,
        ];
        PRECEDENCE
            .into_iter()
            .find(|state| buckets.contains(state))
            .or(esim_level)
            .unwrap_or(Lifecycle::Unknown)
    }
}

/// One VeloeSIM assigned plan, as far as its state goes (providers.md §4).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PlanBucket {
    /// Whether `startTime` is set.
    pub started: bool,
    /// The provider's `isExpired`.
    pub expired: bool,
    /// `remainingQuantityInBytes`.
    pub remaining_bytes: u64,
}

impl PlanBucket {
    /// Derives the bucket's lifecycle: expired if the provider says so; else not started is
    /// ready (queued); else data left is active; else depleted.
    pub fn lifecycle(&self) -> Lifecycle {
        match self {
            PlanBucket { expired: true, .. } => Lifecycle::Expired,
            PlanBucket { started: false, .. } => Lifecycle::Ready,
            PlanBucket {
                remaining_bytes: 0, ..
            } => Lifecycle::Depleted,
            _ => Lifecycle::Active,
        }
    }
}

impl Lifecycle {
    /// Derives a VeloeSIM eSIM's lifecycle from its assigned plans; an eSIM whose order call
    /// is still in flight (no plans yet) is pending.
    pub fn from_veloesim(plans: &[PlanBucket]) -> Lifecycle {
        if plans.is_empty() {
            return Lifecycle::Pending;
        }
        let states: Vec<Lifecycle> = plans.iter().map(PlanBucket::lifecycle).collect();
        Lifecycle::from_buckets(&states, None)
    }
}

impl ProfileState {
    /// Returns the snake_case name used on the wire and in class names ("not_installed").
    pub fn as_str(&self) -> &'static str {
        match self {
            ProfileState::NotInstalled => "not_installed",
            ProfileState::Downloaded => "downloaded",
            ProfileState::Installed => "installed",
            ProfileState::Enabled => "enabled",
            ProfileState::Disabled => "disabled",
            ProfileState::Deleted => "deleted",
            ProfileState::Error => "error",
            ProfileState::Unknown => "unknown",
        }
    }

    /// Returns whether the profile has reached a device at some point.
    pub fn is_on_device(&self) -> bool {
        matches!(
            self,
            ProfileState::Downloaded
                | ProfileState::Installed
                | ProfileState::Enabled
                | ProfileState::Disabled
        )
    }

    /// Maps eSIM Access's (and CloudeSIM's) `smdpStatus`.
    pub fn from_esim_access(raw: &str) -> ProfileState {
        match raw.trim().to_ascii_uppercase().as_str() {
            "RELEASED" => ProfileState::NotInstalled,
            "DOWNLOAD" => ProfileState::Downloaded,
            "INSTALLATION" => ProfileState::Installed,
            "ENABLED" => ProfileState::Enabled,
            "DISABLED" => ProfileState::Disabled,
            "DELETED" => ProfileState::Deleted,
            _ => ProfileState::Unknown,
        }
    }

    /// Maps Vellosim's `smdpStatus` (`RELEASED`, `INSTALLED`), falling back to eSIM
    /// Access's words, which it passes through.
    pub fn from_vellosim(raw: &str) -> ProfileState {
        match raw.trim().to_ascii_uppercase().as_str() {
            "INSTALLED" => ProfileState::Installed,
            _ => ProfileState::from_esim_access(raw),
        }
    }

    /// Maps eSIM Go's `profileStatus`. `Released` means not installed, unless the eSIM has a
    /// `firstInstalledDateTime`: then it was installed and removed.
    pub fn from_esim_go(raw: &str, ever_installed: bool) -> ProfileState {
        match raw.trim().to_ascii_lowercase().as_str() {
            "released" if ever_installed => ProfileState::Deleted,
            "released" | "confirmed" => ProfileState::NotInstalled,
            "downloaded" => ProfileState::Downloaded,
            "installed" => ProfileState::Installed,
            "enabled" => ProfileState::Enabled,
            "disabled" => ProfileState::Disabled,
            "deleted" => ProfileState::Deleted,
            "error" | "unavailable" => ProfileState::Error,
            _ => ProfileState::Unknown,
        }
    }

    /// Maps VeloeSIM's `profileStatus` with whether `installedAt` is set. Only `RELEASED` is
    /// documented; the other SM-DP+ words are inferred. An `installedAt` makes an otherwise
    /// not-installed or unrecognised profile installed.
    pub fn from_veloesim(raw: &str, installed_at_set: bool) -> ProfileState {
        let mapped = match raw.trim().to_ascii_uppercase().as_str() {
            "RELEASED" => ProfileState::NotInstalled,
            "DOWNLOADED" => ProfileState::Downloaded,
            "INSTALLED" => ProfileState::Installed,
            "ENABLED" => ProfileState::Enabled,
            "DISABLED" => ProfileState::Disabled,
            "DELETED" => ProfileState::Deleted,
            _ => ProfileState::Unknown,
        };
        match mapped {
            ProfileState::NotInstalled | ProfileState::Unknown if installed_at_set => {
                ProfileState::Installed
            }
            other => other,
        }
    }

    /// Airalo and PressOne do not report the profile's state.
    pub fn from_airalo() -> ProfileState {
        ProfileState::Unknown
    }
}

/// An eSIM's state on both axes, with the provider's own words.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EsimStatus {
    /// Where the data plan is.
    pub lifecycle: Lifecycle,
    /// Where the profile is.
    pub profile: ProfileState,
    /// The provider's raw values, e.g. `"GOT_RESOURCE/RELEASED"`, for support and logs.
    pub raw: String,
}

impl EsimStatus {
    /// Returns a status from mapped values and the raw text they came from.
    pub fn new(lifecycle: Lifecycle, profile: ProfileState, raw: impl Into<String>) -> EsimStatus {
        EsimStatus {
            lifecycle,
            profile,
            raw: raw.into(),
        }
    }

    /// Returns whether the shopper should be shown how to install the eSIM (QR code, links,
    /// manual codes): the profile is not (known to be) on a device and the plan is usable.
    pub fn may_install(&self) -> bool {
        matches!(
            self.profile,
            ProfileState::NotInstalled | ProfileState::Unknown
        ) && matches!(self.lifecycle, Lifecycle::Ready | Lifecycle::Active)
    }

    /// Returns whether a top-up may be offered: the plan is ready, active or depleted, never
    /// expired, revoked or cancelled. (Providers narrow this further through capabilities.)
    pub fn may_top_up(&self) -> bool {
        matches!(
            self.lifecycle,
            Lifecycle::Ready | Lifecycle::Active | Lifecycle::Depleted
        )
    }

    /// Returns whether cancel-and-refund may be offered: only a ready (unused) plan whose
    /// profile was never installed (the eSIM Access rule, which its resellers inherit), or
    /// whose install state the provider does not report (CloudeSIM's documented query: the
    /// provider then refuses a cancel it cannot make, and nothing is lost).
    pub fn may_cancel(&self) -> bool {
        self.lifecycle == Lifecycle::Ready
            && matches!(
                self.profile,
                ProfileState::NotInstalled | ProfileState::Unknown
            )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Lifecycle as L;
    use ProfileState as P;

    fn bucket(started: bool, expired: bool, remaining_bytes: u64) -> PlanBucket {
        PlanBucket {
            started,
            expired,
            remaining_bytes,
        }
    }

    // One test per row of providers.md §8.1; each checks every column of its row.

    #[test]
    fn lifecycle_row_pending() {
        assert_eq!(L::from_vellosim("PENDING"), L::Pending);
        assert_eq!(L::from_vellosim("PROCESSING"), L::Pending);
        for raw in ["CREATE", "PAYING", "PAID", "GETTING_RESOURCE"] {
            assert_eq!(L::from_esim_access(raw), L::Pending, "{raw}");
            assert_eq!(L::from_cloudesim(raw), L::Pending, "{raw}");
        }
        assert_eq!(L::from_esim_access_error_code("200010"), L::Pending);
        assert_eq!(L::from_veloesim(&[]), L::Pending, "order call in flight");
        assert_eq!(L::from_airalo_order("pending"), L::Pending);
        assert_eq!(L::from_airalo_order("retry"), L::Pending);
        assert_eq!(L::from_esim_go("processing"), L::Pending);
    }

    #[test]
    fn lifecycle_row_ready() {
        assert_eq!(L::from_vellosim("CREATED"), L::Ready);
        assert_eq!(L::from_vellosim("GOT_RESOURCE"), L::Ready);
        assert_eq!(L::from_esim_access("GOT_RESOURCE"), L::Ready);
        assert_eq!(L::from_cloudesim("GOT_RESOURCE"), L::Ready);
        assert_eq!(
            L::from_veloesim(&[bucket(false, false, 1000), bucket(false, false, 5)]),
            L::Ready
        );
        assert_eq!(L::from_airalo("NOT_ACTIVE"), L::Ready);
        assert_eq!(L::from_esim_go("queued"), L::Ready);
        assert_eq!(
            L::from_buckets(
                &[L::from_esim_go("queued"), L::from_esim_go("expired")],
                None
            ),
            L::Ready,
            "queued and no active bundle"
        );
    }

    #[test]
    fn lifecycle_row_active() {
        assert_eq!(L::from_vellosim("ACTIVE"), L::Active);
        assert_eq!(L::from_vellosim("IN_USE"), L::Active);
        assert_eq!(
            L::from_vellosim_flagged("SOMETHING_NEW", Some(true)),
            L::Active
        );
        assert_eq!(L::from_esim_access("IN_USE"), L::Active);
        assert_eq!(
            L::from_cloudesim("ACTIVE"),
            L::Active,
            "CloudeSIM's documented example"
        );
        assert_eq!(
            L::from_veloesim(&[bucket(true, false, 10), bucket(false, false, 1000)]),
            L::Active
        );
        assert_eq!(L::from_airalo("ACTIVE"), L::Active);
        assert_eq!(
            L::from_airalo("active"),
            L::Active,
            "PressOne history is lowercase"
        );
        assert_eq!(L::from_esim_go("active"), L::Active);
    }

    #[test]
    fn lifecycle_row_depleted() {
        assert_eq!(L::from_vellosim("USED_UP"), L::Depleted);
        assert_eq!(L::from_esim_access("USED_UP"), L::Depleted);
        assert_eq!(L::from_cloudesim("USED_UP"), L::Depleted);
        assert_eq!(
            L::from_veloesim(&[bucket(true, false, 0), bucket(true, true, 0)]),
            L::Depleted,
            "started, nothing left, not expired, none queued"
        );
        assert_eq!(L::from_airalo("FINISHED"), L::Depleted);
        assert_eq!(L::from_esim_go("depleted"), L::Depleted);
    }

    #[test]
    fn lifecycle_row_expired() {
        for raw in ["EXPIRED", "USED_EXPIRED", "UNUSED_EXPIRED"] {
            assert_eq!(L::from_vellosim(raw), L::Expired, "{raw}");
        }
        assert_eq!(L::from_esim_access("USED_EXPIRED"), L::Expired);
        assert_eq!(L::from_esim_access("UNUSED_EXPIRED"), L::Expired);
        assert_eq!(L::from_cloudesim("UNUSED_EXPIRED"), L::Expired);
        assert_eq!(
            L::from_veloesim(&[bucket(true, true, 0), bucket(false, true, 100)]),
            L::Expired,
            "all plans isExpired"
        );
        assert_eq!(L::from_airalo("EXPIRED"), L::Expired);
        assert_eq!(L::from_airalo("expired"), L::Expired);
        assert_eq!(L::from_esim_go("expired"), L::Expired);
        assert_eq!(L::from_esim_go("lapsed"), L::Expired);
    }

    #[test]
    fn lifecycle_row_suspended() {
        assert_eq!(L::from_vellosim("SUSPENDED"), L::Suspended);
        assert_eq!(L::from_esim_access("SUSPENDED"), L::Suspended);
        assert_eq!(L::from_cloudesim("SUSPENDED"), L::Suspended);
    }

    #[test]
    fn lifecycle_row_cancelled() {
        assert_eq!(L::from_vellosim("CANCELLED"), L::Cancelled);
        assert_eq!(L::from_esim_access("CANCEL"), L::Cancelled);
        assert_eq!(L::from_cloudesim("CANCEL"), L::Cancelled);
        // Airalo/PressOne refunds and eSIM Go "Bundle Refund" have no status value: the proxy
        // records the cancel and passes it as the eSIM-level state, which wins over buckets.
        assert_eq!(
            L::from_buckets(&[L::Active], Some(L::Cancelled)),
            L::Cancelled
        );
    }

    #[test]
    fn lifecycle_row_revoked() {
        assert_eq!(L::from_esim_access("REVOKE"), L::Revoked);
        assert_eq!(L::from_esim_access("REVOKED"), L::Revoked);
        assert_eq!(
            L::from_vellosim("REVOKED"),
            L::Revoked,
            "passed-through eSIM Access value"
        );
        // Airalo's `recycled=true` / error 73 is an eSIM-level fact.
        assert_eq!(L::from_buckets(&[L::Active], Some(L::Revoked)), L::Revoked);
        assert_eq!(L::from_esim_go("revoked"), L::Revoked);
    }

    #[test]
    fn lifecycle_row_failed() {
        assert_eq!(L::from_vellosim("FAILED"), L::Failed);
        assert_eq!(L::from_esim_access_error_code("200011"), L::Failed);
        assert_eq!(L::from_airalo_order("failed"), L::Failed);
        assert_eq!(L::from_airalo_order("completed"), L::Ready);
    }

    #[test]
    fn lifecycle_row_unknown() {
        assert_eq!(L::from_vellosim("WHATEVER"), L::Unknown);
        assert_eq!(
            L::from_vellosim_flagged("WHATEVER", Some(false)),
            L::Unknown
        );
        assert_eq!(L::from_vellosim_flagged("WHATEVER", None), L::Unknown);
        assert_eq!(
            L::from_esim_access("ACTIVE"),
            L::Unknown,
            "not an eSIM Access word"
        );
        assert_eq!(L::from_cloudesim(""), L::Unknown);
        assert_eq!(L::from_airalo("UNKNOWN"), L::Unknown);
        assert_eq!(L::from_airalo("sleeping"), L::Unknown);
        assert_eq!(L::from_airalo_order("teleported"), L::Unknown);
        assert_eq!(L::from_esim_go("refunded?"), L::Unknown);
        assert_eq!(L::from_buckets(&[], None), L::Unknown);
    }

    #[test]
    fn mappings_ignore_case_and_surrounding_space() {
        assert_eq!(L::from_esim_access(" got_resource "), L::Ready);
        assert_eq!(L::from_vellosim("created"), L::Ready);
        assert_eq!(L::from_esim_go("ACTIVE"), L::Active);
        assert_eq!(P::from_esim_access("released"), P::NotInstalled);
    }

    #[test]
    fn bucket_precedence_follows_the_reference() {
        // Any active wins, then queued, then processing, then depleted, then expired.
        assert_eq!(
            L::from_buckets(&[L::Expired, L::Active, L::Ready], None),
            L::Active
        );
        assert_eq!(L::from_buckets(&[L::Depleted, L::Ready], None), L::Ready);
        assert_eq!(
            L::from_buckets(&[L::Depleted, L::Pending], None),
            L::Pending
        );
        assert_eq!(
            L::from_buckets(&[L::Expired, L::Depleted], None),
            L::Depleted
        );
        assert_eq!(L::from_buckets(&[L::Expired], None), L::Expired);
        // A non-terminal eSIM-level value only fills in when the buckets say nothing.
        assert_eq!(L::from_buckets(&[], Some(L::Ready)), L::Ready);
        assert_eq!(L::from_buckets(&[L::Expired], Some(L::Active)), L::Expired);
        assert_eq!(
            L::from_buckets(&[L::Active], Some(L::Suspended)),
            L::Suspended
        );
    }

    #[test]
    fn veloesim_bucket_derivation() {
        assert_eq!(bucket(false, false, 100).lifecycle(), L::Ready);
        assert_eq!(bucket(true, false, 100).lifecycle(), L::Active);
        assert_eq!(bucket(true, false, 0).lifecycle(), L::Depleted);
        assert_eq!(bucket(true, true, 100).lifecycle(), L::Expired);
        assert_eq!(bucket(false, true, 100).lifecycle(), L::Expired);
        // The seed's top-up example: first bucket part used, second untouched => active.
        assert_eq!(
            L::from_veloesim(&[bucket(true, false, 400), bucket(false, false, 1000)]),
            L::Active
        );
        // First used up, top-up queued => ready to start on the new bucket.
        assert_eq!(
            L::from_veloesim(&[bucket(true, false, 0), bucket(false, false, 1000)]),
            L::Ready
        );
    }

    // One test per row of providers.md §8.2.

    #[test]
    fn profile_row_not_installed() {
        assert_eq!(P::from_esim_access("RELEASED"), P::NotInstalled);
        assert_eq!(P::from_vellosim("RELEASED"), P::NotInstalled);
        assert_eq!(P::from_esim_go("Released", false), P::NotInstalled);
        assert_eq!(P::from_esim_go("Confirmed", false), P::NotInstalled);
        assert_eq!(P::from_veloesim("RELEASED", false), P::NotInstalled);
        assert_eq!(
            P::from_airalo(),
            P::Unknown,
            "Airalo/PressOne do not expose it"
        );
    }

    #[test]
    fn profile_row_downloaded() {
        assert_eq!(P::from_esim_access("DOWNLOAD"), P::Downloaded);
        assert_eq!(
            P::from_vellosim("DOWNLOAD"),
            P::Downloaded,
            "passed through"
        );
        assert_eq!(P::from_esim_go("Downloaded", false), P::Downloaded);
        assert_eq!(P::from_veloesim("DOWNLOADED", false), P::Downloaded);
    }

    #[test]
    fn profile_row_installed() {
        assert_eq!(P::from_esim_access("INSTALLATION"), P::Installed);
        assert_eq!(P::from_vellosim("INSTALLED"), P::Installed);
        assert_eq!(P::from_esim_go("Installed", true), P::Installed);
        assert_eq!(P::from_veloesim("INSTALLED", true), P::Installed);
        assert_eq!(
            P::from_veloesim("RELEASED", true),
            P::Installed,
            "installedAt != null"
        );
        assert_eq!(P::from_veloesim("SOMETHING", true), P::Installed);
    }

    #[test]
    fn profile_row_enabled() {
        assert_eq!(P::from_esim_access("ENABLED"), P::Enabled);
        assert_eq!(P::from_esim_go("Enabled", true), P::Enabled);
        assert_eq!(P::from_veloesim("ENABLED", true), P::Enabled);
    }

    #[test]
    fn profile_row_disabled() {
        assert_eq!(P::from_esim_access("DISABLED"), P::Disabled);
        assert_eq!(P::from_esim_go("Disabled", true), P::Disabled);
        assert_eq!(P::from_veloesim("DISABLED", true), P::Disabled);
    }

    #[test]
    fn profile_row_deleted() {
        assert_eq!(P::from_esim_access("DELETED"), P::Deleted);
        assert_eq!(P::from_esim_go("Deleted", true), P::Deleted);
        assert_eq!(
            P::from_esim_go("Released", true),
            P::Deleted,
            "released with firstInstalledDateTime: installed, then removed"
        );
        assert_eq!(P::from_veloesim("DELETED", true), P::Deleted);
    }

    #[test]
    fn profile_row_error() {
        assert_eq!(P::from_esim_go("Error", false), P::Error);
        assert_eq!(P::from_esim_go("Unavailable", false), P::Error);
    }

    #[test]
    fn profile_unknown_values() {
        assert_eq!(
            P::from_esim_access("INSTALLED"),
            P::Unknown,
            "Vellosim's word, not eSIM Access's"
        );
        assert_eq!(P::from_vellosim("???"), P::Unknown);
        assert_eq!(P::from_esim_go("", false), P::Unknown);
        assert_eq!(P::from_veloesim("", false), P::Unknown);
    }

    #[test]
    fn install_is_offered_only_before_installation_of_a_usable_plan() {
        let s = |l, p| EsimStatus::new(l, p, "raw");
        assert!(s(L::Ready, P::NotInstalled).may_install());
        assert!(s(L::Active, P::Unknown).may_install());
        assert!(!s(L::Active, P::Installed).may_install());
        assert!(!s(L::Ready, P::Deleted).may_install());
        assert!(!s(L::Expired, P::NotInstalled).may_install());
        assert!(!s(L::Pending, P::NotInstalled).may_install());
        assert!(!s(L::Cancelled, P::NotInstalled).may_install());
    }

    #[test]
    fn cancel_is_offered_only_while_ready_and_not_known_installed() {
        let s = |l, p| EsimStatus::new(l, p, "raw");
        assert!(s(L::Ready, P::NotInstalled).may_cancel());
        assert!(!s(L::Ready, P::Installed).may_cancel());
        assert!(
            s(L::Ready, P::Unknown).may_cancel(),
            "unused, install state not reported: offered, the provider refuses if it must"
        );
        assert!(!s(L::Ready, P::Enabled).may_cancel());
        assert!(!s(L::Active, P::Unknown).may_cancel(), "data used");
        assert!(!s(L::Active, P::NotInstalled).may_cancel(), "data used");
        assert!(!s(L::Depleted, P::NotInstalled).may_cancel());
    }

    #[test]
    fn top_up_is_offered_for_ready_active_and_depleted_plans() {
        let s = |l| EsimStatus::new(l, P::Installed, "raw");
        for l in [L::Ready, L::Active, L::Depleted] {
            assert!(s(l).may_top_up(), "{l:?}");
        }
        for l in [
            L::Pending,
            L::Expired,
            L::Suspended,
            L::Cancelled,
            L::Revoked,
            L::Failed,
            L::Unknown,
        ] {
            assert!(!s(l).may_top_up(), "{l:?}");
        }
    }

    #[test]
    fn raw_values_are_kept_and_names_round_trip() {
        let status = EsimStatus::new(
            L::from_esim_access("GOT_RESOURCE"),
            P::from_esim_access("RELEASED"),
            "GOT_RESOURCE/RELEASED",
        );
        let json = serde_json::to_string(&status).unwrap();
        assert_eq!(
            json,
            r#"{"lifecycle":"ready","profile":"not_installed","raw":"GOT_RESOURCE/RELEASED"}"#
        );
        assert_eq!(serde_json::from_str::<EsimStatus>(&json).unwrap(), status);
        for l in [L::Pending, L::Depleted, L::Unknown] {
            assert_eq!(
                serde_json::to_string(&l).unwrap(),
                format!("\"{}\"", l.as_str())
            );
        }
        assert_eq!(P::NotInstalled.as_str(), "not_installed");
        assert!(L::Expired.is_final() && !L::Depleted.is_final());
        assert!(P::Enabled.is_on_device() && !P::Deleted.is_on_device());
    }
}
