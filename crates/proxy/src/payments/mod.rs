//! Card payment through Stripe: the client (`stripe.rs`) and the webhook's signature check
//! (`signature.rs`).

pub mod signature;
pub mod stripe;
