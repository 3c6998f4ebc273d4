//! Vellosim (providers.md §1). So far its wire format: what its API sends, read into the core's
//! types. The HTTP adapter and its fake server are the rest of issue 5.

pub mod wire;
