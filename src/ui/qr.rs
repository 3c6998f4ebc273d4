//! QR codes drawn locally as SVG, so an activation code never goes to a remote image service.

use leptos::prelude::*;
use qrcode::types::QrError;
use qrcode::{Color, EcLevel, QrCode};

/// Modules of quiet zone around the code, as the QR specification asks.
const QUIET_ZONE: usize = 4;

/// A QR code as one SVG path: `size` modules square including the quiet zone, and `path`
/// drawing every dark module as a 1×1 square.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct QrPath {
    pub size: usize,
    pub path: String,
}

/// Encodes `payload` at error-correction level M (what phone cameras read reliably from a
/// screen) and returns it as an SVG path.
pub(crate) fn qr_path(payload: &str) -> Result<QrPath, QrError> {
    let code = QrCode::with_error_correction_level(payload.as_bytes(), EcLevel::M)?;
    let width = code.width();
    let mut path = String::new();
    for (i, color) in code.to_colors().iter().enumerate() {
        if *color == Color::Dark {
            let (x, y) = (i % width + QUIET_ZONE, i / width + QUIET_ZONE);
            path.push_str(&format!("M{x} {y}h1v1h-1z"));
        }
    }
    Ok(QrPath {
        size: width + 2 * QUIET_ZONE,
        path,
    })
}

/// A QR code of `payload`, with `label` as its accessible name.
#[component]
pub(crate) fn QrCodeImage(
    /// The text to encode, e.g. an `LPA:1$…` activation code.
    payload: String,
    /// What a screen reader says instead of the image.
    label: String,
) -> impl IntoView {
    match qr_path(&payload) {
        Ok(qr) => {
            let view_box = format!("0 0 {0} {0}", qr.size);
            view! {
                <svg class="qr" part="qr" role="img" aria-label=label viewBox=view_box
                    shape-rendering="crispEdges" xmlns="http://www.w3.org/2000/svg">
                    <rect width="100%" height="100%" fill="#fff"></rect>
                    <path d=qr.path fill="#000"></path>
                </svg>
            }
            .into_any()
        }
        Err(_) => view! { <p class="error" role="alert">"This code is too long to show as a QR code."</p> }
            .into_any(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_an_activation_code_with_a_quiet_zone() {
        let qr = qr_path("LPA:1$rsp-eu.simlessly.com$D1094CA8E3B54F1D9F2A").unwrap();
        // 45 characters at level M need version 3: 29 modules, plus 4 on each side.
        assert_eq!(qr.size, 29 + 2 * QUIET_ZONE);
        // The top-left finder pattern's corner module is dark, just inside the quiet zone.
        assert!(qr.path.starts_with("M4 4h1v1h-1z"));
        // Nothing is drawn in the quiet zone.
        assert!(!qr.path.contains("M0 ") && !qr.path.contains("M3 "));
    }

    #[test]
    fn different_payloads_draw_different_codes() {
        let a = qr_path("LPA:1$smdp.io$AAAA").unwrap();
        let b = qr_path("LPA:1$smdp.io$BBBB").unwrap();
        assert_ne!(a.path, b.path);
    }

    #[test]
    fn oversized_payloads_are_an_error_not_a_panic() {
        assert!(qr_path(&"X".repeat(5000)).is_err());
    }
}
