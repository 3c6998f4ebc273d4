//! The state of an eSIM, on two independent axes.
//!
//! A [`Lifecycle`] says where the *data plan* is (waiting, ready, in use, used up, over); a
//! [`ProfileState`] says where the *profile on the phone* is (not installed, installed,
//! deleted). Every provider has its own words for these, mapped by its adapter (the
//! providers crate's `vocab`, following `shared/reference/providers.md` §8); some report a
//! state per bucket of data rather than per eSIM, reduced here by [`Lifecycle::from_buckets`].
//! [`EsimStatus`] keeps the provider's raw words beside the mapped values for support and logs.
//!
//! What a shopper may do follows from the pair ([`EsimStatus::may_install`],
//! [`EsimStatus::may_top_up`], [`EsimStatus::may_cancel`]).

use serde::{Deserialize, Serialize};

/// Where an eSIM's data plan is.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
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
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
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

impl<'de> Deserialize<'de> for Lifecycle {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Lifecycle, D::Error> {
        crate::by_name(
            deserializer,
            &Lifecycle::ALL,
            Lifecycle::as_str,
            "lifecycle",
        )
    }
}

impl<'de> Deserialize<'de> for ProfileState {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<ProfileState, D::Error> {
        crate::by_name(
            deserializer,
            &ProfileState::ALL,
            ProfileState::as_str,
            "profile state",
        )
    }
}

impl Lifecycle {
    /// Every state, in the order declared.
    pub const ALL: [Lifecycle; 10] = [
        Lifecycle::Pending,
        Lifecycle::Ready,
        Lifecycle::Active,
        Lifecycle::Depleted,
        Lifecycle::Expired,
        Lifecycle::Suspended,
        Lifecycle::Cancelled,
        Lifecycle::Revoked,
        Lifecycle::Failed,
        Lifecycle::Unknown,
    ];

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

impl ProfileState {
    /// Every state, in the order declared.
    pub const ALL: [ProfileState; 8] = [
        ProfileState::NotInstalled,
        ProfileState::Downloaded,
        ProfileState::Installed,
        ProfileState::Enabled,
        ProfileState::Disabled,
        ProfileState::Deleted,
        ProfileState::Error,
        ProfileState::Unknown,
    ];

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

    #[test]
    fn a_terminal_esim_level_state_wins_over_the_buckets() {
        // Airalo/PressOne refunds and eSIM Go "Bundle Refund" have no status value: the proxy
        // records the cancel and passes it as the eSIM-level state, which wins over buckets.
        assert_eq!(
            L::from_buckets(&[L::Active], Some(L::Cancelled)),
            L::Cancelled
        );
        // Airalo's `recycled=true` / error 73 is an eSIM-level fact.
        assert_eq!(L::from_buckets(&[L::Active], Some(L::Revoked)), L::Revoked);
        assert_eq!(
            L::from_buckets(&[L::Ready, L::Expired], None),
            L::Ready,
            "queued and no active bundle"
        );
        assert_eq!(L::from_buckets(&[], None), L::Unknown);
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
        let status = EsimStatus::new(L::Ready, P::NotInstalled, "GOT_RESOURCE/RELEASED");
        let json = serde_json::to_string(&status).unwrap();
        assert_eq!(
            json,
            r#"{"lifecycle":"ready","profile":"not_installed","raw":"GOT_RESOURCE/RELEASED"}"#
        );
        assert_eq!(serde_json::from_str::<EsimStatus>(&json).unwrap(), status);
        for l in L::ALL {
            let json = serde_json::to_string(&l).unwrap();
            assert_eq!(json, format!("\"{}\"", l.as_str()));
            assert_eq!(serde_json::from_str::<L>(&json).unwrap(), l);
        }
        for p in P::ALL {
            let json = serde_json::to_string(&p).unwrap();
            assert_eq!(json, format!("\"{}\"", p.as_str()));
            assert_eq!(serde_json::from_str::<P>(&json).unwrap(), p);
        }
        assert!(serde_json::from_str::<L>("\"sleeping\"").is_err());
        assert_eq!(P::NotInstalled.as_str(), "not_installed");
        assert!(L::Expired.is_final() && !L::Depleted.is_final());
        assert!(P::Enabled.is_on_device() && !P::Deleted.is_on_device());
    }
}
