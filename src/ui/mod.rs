//! Small components shared by the panels.

pub(crate) mod back;
pub(crate) mod install_card;
pub(crate) mod qr;
pub(crate) mod status;
pub(crate) mod tabs;
