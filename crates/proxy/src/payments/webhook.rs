//! A Stripe webhook, read only once its signature holds: the event's id (each is acted on
//! once) and the PaymentIntent it is about. What the event's type says is not trusted: the
//! order flow retrieves the PaymentIntent and acts on its status.

use serde::Deserialize;

use super::signature::{self, SignatureError};

/// A verified event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    /// `evt_…`: Stripe may deliver an event more than once.
    pub id: String,
    /// `payment_intent.succeeded`, …: for logs only.
    pub kind: String,
    /// The PaymentIntent (`pi_…`) the event is about, if it is about one.
    pub intent: Option<String>,
}

/// Why a webhook is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WebhookError {
    #[error(transparent)]
    Signature(#[from] SignatureError),
    #[error("the event is not JSON of Stripe's event shape: {0}")]
    Shape(String),
}

/// Reads the raw `body` of a webhook whose `Stripe-Signature` is `header`, signed with the
/// endpoint's `secret`, at `now` (Unix seconds). The body is parsed only after the signature
/// over its exact bytes holds.
pub fn read_event(
    header: Option<&str>,
    body: &[u8],
    secret: &str,
    now: i64,
) -> Result<Event, WebhookError> {
    signature::verify(header, body, secret, now)?;
    #[derive(Deserialize)]
    struct Wire {
        id: String,
        #[serde(rename = "type")]
        kind: String,
        data: Data,
    }
    #[derive(Deserialize)]
    struct Data {
        object: Object,
    }
    #[derive(Deserialize)]
    struct Object {
        id: String,
        object: String,
    }
    let wire: Wire =
        serde_json::from_slice(body).map_err(|e| WebhookError::Shape(e.to_string()))?;
    let intent = (wire.data.object.object == "payment_intent").then_some(wire.data.object.id);
    Ok(Event {
        id: wire.id,
        kind: wire.kind,
        intent,
    })
}
