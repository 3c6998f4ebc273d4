//! Card payment through Stripe: the client (`stripe.rs`), the webhook's signature check
//! (`signature.rs`) and its event (`webhook.rs`).

pub mod signature;
pub mod stripe;
pub mod webhook;
