//! The opening handshake of `/ws` (RFC 6455 §4.2), on hyper's upgrade.
//!
//! Checks the upgrade headers and the Origin, answers 101, and hands the raw
//! TCP stream (with any bytes hyper already read) to [`super::connection`].

use std::sync::Arc;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;

use crate::error::AppError;
use crate::server::ConnectionGuard;
use crate::state::AppState;

fn header_has_token(headers: &HeaderMap, name: header::HeaderName, token: &str) -> bool {
    headers
        .get_all(name)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|t| t.trim().eq_ignore_ascii_case(token))
}

/// `GET /ws`: upgrade to the live stream.
pub async fn handle(State(state): State<AppState>, mut request: Request) -> Response {
    let headers = request.headers();
    if request.method() != axum::http::Method::GET
        || !header_has_token(headers, header::UPGRADE, "websocket")
        || !header_has_token(headers, header::CONNECTION, "upgrade")
    {
        return AppError::bad_request(
            "this endpoint speaks websocket: send an Upgrade: websocket request",
        )
        .into_response();
    }
    if headers
        .get(header::SEC_WEBSOCKET_VERSION)
        .and_then(|v| v.to_str().ok())
        != Some("13")
    {
        let mut response =
            AppError::bad_request("unsupported websocket version; use 13").into_response();
        response.headers_mut().insert(
            header::SEC_WEBSOCKET_VERSION,
            HeaderValue::from_static("13"),
        );
        return response;
    }
    let Some(key) = headers
        .get(header::SEC_WEBSOCKET_KEY)
        .and_then(|k| k.to_str().ok())
        .filter(|k| k.len() == 24)
        .map(|k| k.as_bytes().to_vec())
    else {
        return AppError::bad_request("missing or malformed Sec-WebSocket-Key").into_response();
    };
    // An Origin that is present but not visible ASCII is refused, never
    // mistaken for a missing one.
    let origin = match headers.get(header::ORIGIN).map(|v| v.to_str()) {
        None => None,
        Some(Ok(o)) => Some(o),
        Some(Err(_)) => {
            return AppError::forbidden("this Origin may not open the websocket").into_response();
        }
    };
    let host = headers.get(header::HOST).and_then(|v| v.to_str().ok());
    if !super::origin::allowed(origin, host, &state.config().allowed_origins) {
        return AppError::forbidden("this Origin may not open the websocket").into_response();
    }
    if state.hub().connection_count() >= state.config().max_connections {
        return AppError::new(
            crate::error::ErrorCode::Unavailable,
            "the server is at its connection limit",
        )
        .into_response();
    }
    let Some(on_upgrade) = request
        .extensions_mut()
        .remove::<hyper::upgrade::OnUpgrade>()
    else {
        return AppError::bad_request("this connection cannot be upgraded").into_response();
    };
    let guard = request.extensions().get::<Arc<ConnectionGuard>>().cloned();

    let tasks = state.tasks().clone();
    tasks.spawn(async move {
        let upgraded = match on_upgrade.await {
            Ok(u) => u,
            Err(err) => {
                tracing::debug!(error = %err, "websocket upgrade failed");
                return;
            }
        };
        match upgraded.downcast::<TokioIo<TcpStream>>() {
            Ok(parts) => {
                let stream = parts.io.into_inner();
                super::connection::run(state, stream, parts.read_buf, guard).await;
            }
            Err(_) => tracing::error!("upgraded connection is not a TCP stream"),
        }
    });

    Response::builder()
        .status(StatusCode::SWITCHING_PROTOCOLS)
        .header(header::UPGRADE, "websocket")
        .header(header::CONNECTION, "Upgrade")
        .header(
            header::SEC_WEBSOCKET_ACCEPT,
            tungstenite::handshake::derive_accept_key(&key),
        )
        .body(Body::empty())
        .unwrap_or_else(|_| StatusCode::INTERNAL_SERVER_ERROR.into_response())
}
