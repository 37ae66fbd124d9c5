//! The web client, embedded in the binary (from web/ at build time) and
//! served with its own paths; page routes fall back to `index.html`, which
//! routes on the client.

use axum::Router;
use axum::extract::Request;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use rust_embed::RustEmbed;

use crate::state::AppState;

#[derive(RustEmbed)]
#[folder = "web/"]
struct Assets;

pub(super) fn routes() -> Router<AppState> {
    Router::new().route("/", get(index)).fallback(get(asset))
}

fn serve(path: &str) -> Option<Response> {
    let file = Assets::get(path)?;
    let mime = mime_guess::from_path(path).first_or_octet_stream();
    let cache = if path == "index.html" {
        "no-cache"
    } else {
        "public, max-age=300"
    };
    Some(
        (
            [
                (header::CONTENT_TYPE, mime.as_ref().to_string()),
                (header::CACHE_CONTROL, cache.to_string()),
            ],
            file.data.into_owned(),
        )
            .into_response(),
    )
}

async fn index() -> Response {
    serve("index.html").unwrap_or_else(|| StatusCode::NOT_FOUND.into_response())
}

async fn asset(request: Request) -> Response {
    let path = request.uri().path().trim_start_matches('/');
    if path.starts_with("api/") {
        return crate::error::AppError::not_found("route").into_response();
    }
    if let Some(response) = serve(path) {
        return response;
    }
    // Page routes (no file extension) are handled by the client.
    if !path.rsplit('/').next().unwrap_or("").contains('.') {
        return index().await;
    }
    crate::error::AppError::not_found("file").into_response()
}
