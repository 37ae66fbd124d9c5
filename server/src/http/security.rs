//! Security headers on every response.
//!
//! A strict Content-Security-Policy (no inline script, no third-party
//! origins), no MIME sniffing, no referrer leakage, and no framing — except
//! the projector view, which is meant to be embedded as an OBS browser
//! source and so may be framed.

use axum::extract::Request;
use axum::http::HeaderValue;
use axum::middleware::Next;
use axum::response::Response;

/// The Content-Security-Policy of every page.
pub const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
     media-src 'self' https: blob:; frame-src https:; connect-src 'self'; object-src 'none'; \
     base-uri 'none'; form-action 'self'";

/// Add the security headers.
pub async fn headers(request: Request, next: Next) -> Response {
    let embeddable = request.uri().path().starts_with("/projector");
    let mut response = next.run(request).await;
    let h = response.headers_mut();
    let frame_ancestors = if embeddable { "*" } else { "'none'" };
    if let Ok(csp) = HeaderValue::from_str(&format!("{CSP}; frame-ancestors {frame_ancestors}")) {
        h.insert("content-security-policy", csp);
    }
    h.insert(
        "x-content-type-options",
        HeaderValue::from_static("nosniff"),
    );
    h.insert("referrer-policy", HeaderValue::from_static("no-referrer"));
    h.insert(
        "cross-origin-opener-policy",
        HeaderValue::from_static("same-origin"),
    );
    if !embeddable {
        h.insert("x-frame-options", HeaderValue::from_static("DENY"));
    }
    response
}
