//! Each provider's words for an eSIM's state, mapped onto the core's [`Lifecycle`] and
//! [`ProfileState`] by the table in `shared/reference/providers.md` §8: one function per
//! vocabulary, all in any case and with surrounding space ignored. Words nobody documents map
//! to `Unknown`, and the adapter keeps the raw words beside them.

use esim_core::{Lifecycle, ProfileState};

/// eSIM Access's `esimStatus` (also passed through by CloudeSIM and Vellosim).
pub(crate) fn esim_access(raw: &str) -> Lifecycle {
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

/// Vellosim's `esimStatus` and purchase `status`, in both of its documented vocabularies: its
/// own (`CREATED`, `ACTIVE`, `CANCELLED`...) and eSIM Access's, which it passes through
/// (`GOT_RESOURCE`, `IN_USE`...). CloudeSIM's `status` is read the same way (its documented
/// example is `ACTIVE`).
pub(crate) fn vellosim(raw: &str) -> Lifecycle {
    match raw.trim().to_ascii_uppercase().as_str() {
        "PENDING" | "PROCESSING" => Lifecycle::Pending,
        "CREATED" => Lifecycle::Ready,
        "ACTIVE" => Lifecycle::Active,
        "EXPIRED" => Lifecycle::Expired,
        "CANCELLED" => Lifecycle::Cancelled,
        "FAILED" => Lifecycle::Failed,
        _ => esim_access(raw),
    }
}

/// Vellosim's `esimStatus` with its `isActive` flag: an eSIM flagged active is active whatever
/// an unrecognised status says.
pub(crate) fn vellosim_flagged(raw: &str, is_active: Option<bool>) -> Lifecycle {
    match (vellosim(raw), is_active) {
        (Lifecycle::Unknown, Some(true)) => Lifecycle::Active,
        (mapped, _) => mapped,
    }
}

/// Airalo's and PressOne's usage `status` and package-history `status` (PressOne's history
/// says "active", Airalo's "ACTIVE").
pub(crate) fn airalo(raw: &str) -> Lifecycle {
    match raw.trim().to_ascii_uppercase().as_str() {
        "NOT_ACTIVE" => Lifecycle::Ready,
        "ACTIVE" => Lifecycle::Active,
        "FINISHED" => Lifecycle::Depleted,
        "EXPIRED" => Lifecycle::Expired,
        _ => Lifecycle::Unknown,
    }
}

/// One VeloeSIM assigned plan, as far as its state goes (providers.md §4).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct PlanBucket {
    /// Whether `startTime` is set.
    pub started: bool,
    /// The provider's `isExpired`.
    pub expired: bool,
    /// `remainingQuantityInBytes`.
    pub remaining_bytes: u64,
}

impl PlanBucket {
    /// The bucket's lifecycle: expired if the provider says so; else not started is ready
    /// (queued); else data left is active; else depleted.
    pub(crate) fn lifecycle(&self) -> Lifecycle {
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

/// A VeloeSIM eSIM's lifecycle from its assigned plans; an eSIM whose order call is still in
/// flight (no plans yet) is pending.
pub(crate) fn veloesim(plans: &[PlanBucket]) -> Lifecycle {
    if plans.is_empty() {
        return Lifecycle::Pending;
    }
    let states: Vec<Lifecycle> = plans.iter().map(PlanBucket::lifecycle).collect();
    Lifecycle::from_buckets(&states, None)
}

/// eSIM Access's (and CloudeSIM's) `smdpStatus`.
pub(crate) fn esim_access_profile(raw: &str) -> ProfileState {
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

/// Vellosim's `smdpStatus` (`RELEASED`, `INSTALLED`), falling back to eSIM Access's words,
/// which it passes through.
pub(crate) fn vellosim_profile(raw: &str) -> ProfileState {
    match raw.trim().to_ascii_uppercase().as_str() {
        "INSTALLED" => ProfileState::Installed,
        _ => esim_access_profile(raw),
    }
}

/// VeloeSIM's `profileStatus` with whether `installedAt` is set. Only `RELEASED` is
/// documented; the other SM-DP+ words are inferred. An `installedAt` makes an otherwise
/// not-installed or unrecognised profile installed.
pub(crate) fn veloesim_profile(raw: &str, installed_at_set: bool) -> ProfileState {
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

    // One test per row of providers.md §8.1; each checks every column of its row that one of
    // our providers uses (CloudeSIM reads Vellosim's words).

    #[test]
    fn lifecycle_row_pending() {
        assert_eq!(vellosim("PENDING"), L::Pending);
        assert_eq!(vellosim("PROCESSING"), L::Pending);
        for raw in ["CREATE", "PAYING", "PAID", "GETTING_RESOURCE"] {
            assert_eq!(esim_access(raw), L::Pending, "{raw}");
            assert_eq!(vellosim(raw), L::Pending, "{raw}");
        }
        assert_eq!(veloesim(&[]), L::Pending, "order call in flight");
    }

    #[test]
    fn lifecycle_row_ready() {
        assert_eq!(vellosim("CREATED"), L::Ready);
        assert_eq!(vellosim("GOT_RESOURCE"), L::Ready);
        assert_eq!(esim_access("GOT_RESOURCE"), L::Ready);
        assert_eq!(
            veloesim(&[bucket(false, false, 1000), bucket(false, false, 5)]),
            L::Ready
        );
        assert_eq!(airalo("NOT_ACTIVE"), L::Ready);
    }

    #[test]
    fn lifecycle_row_active() {
        assert_eq!(
            vellosim("ACTIVE"),
            L::Active,
            "also CloudeSIM's documented example"
        );
        assert_eq!(vellosim("IN_USE"), L::Active);
        assert_eq!(vellosim_flagged("SOMETHING_NEW", Some(true)), L::Active);
        assert_eq!(esim_access("IN_USE"), L::Active);
        assert_eq!(
            veloesim(&[bucket(true, false, 10), bucket(false, false, 1000)]),
            L::Active
        );
        assert_eq!(airalo("ACTIVE"), L::Active);
        assert_eq!(airalo("active"), L::Active, "PressOne history is lowercase");
    }

    #[test]
    fn lifecycle_row_depleted() {
        assert_eq!(vellosim("USED_UP"), L::Depleted);
        assert_eq!(esim_access("USED_UP"), L::Depleted);
        assert_eq!(
            veloesim(&[bucket(true, false, 0), bucket(true, true, 0)]),
            L::Depleted,
            "started, nothing left, not expired, none queued"
        );
        assert_eq!(airalo("FINISHED"), L::Depleted);
    }

    #[test]
    fn lifecycle_row_expired() {
        for raw in ["EXPIRED", "USED_EXPIRED", "UNUSED_EXPIRED"] {
            assert_eq!(vellosim(raw), L::Expired, "{raw}");
        }
        assert_eq!(esim_access("USED_EXPIRED"), L::Expired);
        assert_eq!(esim_access("UNUSED_EXPIRED"), L::Expired);
        assert_eq!(
            veloesim(&[bucket(true, true, 0), bucket(false, true, 100)]),
            L::Expired,
            "all plans isExpired"
        );
        assert_eq!(airalo("EXPIRED"), L::Expired);
        assert_eq!(airalo("expired"), L::Expired);
    }

    #[test]
    fn lifecycle_row_suspended() {
        assert_eq!(vellosim("SUSPENDED"), L::Suspended);
        assert_eq!(esim_access("SUSPENDED"), L::Suspended);
    }

    #[test]
    fn lifecycle_row_cancelled() {
        assert_eq!(vellosim("CANCELLED"), L::Cancelled);
        assert_eq!(esim_access("CANCEL"), L::Cancelled);
        assert_eq!(vellosim("CANCEL"), L::Cancelled, "CloudeSIM's words");
    }

    #[test]
    fn lifecycle_row_revoked() {
        assert_eq!(esim_access("REVOKE"), L::Revoked);
        assert_eq!(esim_access("REVOKED"), L::Revoked);
        assert_eq!(
            vellosim("REVOKED"),
            L::Revoked,
            "passed-through eSIM Access value"
        );
    }

    #[test]
    fn lifecycle_row_failed() {
        assert_eq!(vellosim("FAILED"), L::Failed);
    }

    #[test]
    fn lifecycle_row_unknown() {
        assert_eq!(vellosim("WHATEVER"), L::Unknown);
        assert_eq!(vellosim_flagged("WHATEVER", Some(false)), L::Unknown);
        assert_eq!(vellosim_flagged("WHATEVER", None), L::Unknown);
        assert_eq!(esim_access("ACTIVE"), L::Unknown, "not an eSIM Access word");
        assert_eq!(vellosim(""), L::Unknown);
        assert_eq!(airalo("UNKNOWN"), L::Unknown);
        assert_eq!(airalo("sleeping"), L::Unknown);
    }

    #[test]
    fn mappings_ignore_case_and_surrounding_space() {
        assert_eq!(esim_access(" got_resource "), L::Ready);
        assert_eq!(vellosim("created"), L::Ready);
        assert_eq!(esim_access_profile("released"), P::NotInstalled);
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
            veloesim(&[bucket(true, false, 400), bucket(false, false, 1000)]),
            L::Active
        );
        // First used up, top-up queued => ready to start on the new bucket.
        assert_eq!(
            veloesim(&[bucket(true, false, 0), bucket(false, false, 1000)]),
            L::Ready
        );
    }

    // One test per row of providers.md §8.2 (Airalo and PressOne do not report it: Unknown).

    #[test]
    fn profile_row_not_installed() {
        assert_eq!(esim_access_profile("RELEASED"), P::NotInstalled);
        assert_eq!(vellosim_profile("RELEASED"), P::NotInstalled);
        assert_eq!(veloesim_profile("RELEASED", false), P::NotInstalled);
    }

    #[test]
    fn profile_row_downloaded() {
        assert_eq!(esim_access_profile("DOWNLOAD"), P::Downloaded);
        assert_eq!(
            vellosim_profile("DOWNLOAD"),
            P::Downloaded,
            "passed through"
        );
        assert_eq!(veloesim_profile("DOWNLOADED", false), P::Downloaded);
    }

    #[test]
    fn profile_row_installed() {
        assert_eq!(esim_access_profile("INSTALLATION"), P::Installed);
        assert_eq!(vellosim_profile("INSTALLED"), P::Installed);
        assert_eq!(veloesim_profile("INSTALLED", true), P::Installed);
        assert_eq!(
            veloesim_profile("RELEASED", true),
            P::Installed,
            "installedAt != null"
        );
        assert_eq!(veloesim_profile("SOMETHING", true), P::Installed);
    }

    #[test]
    fn profile_row_enabled() {
        assert_eq!(esim_access_profile("ENABLED"), P::Enabled);
        assert_eq!(veloesim_profile("ENABLED", true), P::Enabled);
    }

    #[test]
    fn profile_row_disabled() {
        assert_eq!(esim_access_profile("DISABLED"), P::Disabled);
        assert_eq!(veloesim_profile("DISABLED", true), P::Disabled);
    }

    #[test]
    fn profile_row_deleted() {
        assert_eq!(esim_access_profile("DELETED"), P::Deleted);
        assert_eq!(veloesim_profile("DELETED", true), P::Deleted);
    }

    #[test]
    fn profile_unknown_values() {
        assert_eq!(
            esim_access_profile("INSTALLED"),
            P::Unknown,
            "Vellosim's word, not eSIM Access's"
        );
        assert_eq!(vellosim_profile("???"), P::Unknown);
        assert_eq!(veloesim_profile("", false), P::Unknown);
    }
}
