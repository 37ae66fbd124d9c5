//! The HTTP surface: REST under `/api/v1` (one resource per file), the OpenAPI
//! document at `/api/openapi.json`, the websocket at `/ws`, health and
//! metrics, and the embedded web client. Every response carries the
//! security headers of [`security`].

pub mod archive;
pub mod events;
pub mod exports;
pub mod extract;
pub mod health;
pub mod live;
pub mod openapi;
pub mod polls;
pub mod privacy;
pub mod questions;
pub mod safety;
pub mod schedule;
pub mod security;
pub mod sessions;
pub mod share;
pub mod speakers;
pub mod takeaways;
pub mod web;
pub mod webhooks;

use std::time::Duration;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::get;
use tower_http::timeout::TimeoutLayer;
use utoipa_axum::router::OpenApiRouter;

use crate::state::AppState;

/// The REST API's routes with their OpenAPI description.
pub fn api() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(openapi::base())
        .merge(events::routes())
        .merge(sessions::routes())
        .merge(live::routes())
        .merge(questions::routes())
        .merge(polls::routes())
        .merge(exports::routes())
        .merge(archive::routes())
        .merge(takeaways::routes())
        .merge(webhooks::routes())
        .merge(schedule::routes())
        .merge(privacy::routes())
        .merge(speakers::routes())
        .merge(safety::routes())
}

/// The whole application.
pub fn app(state: AppState) -> Router {
    let (api, spec) = api().split_for_parts();
    let spec_json = spec.to_json().unwrap_or_else(|_| "{}".to_string());
    let body_limit = state.config().max_message_bytes;
    Router::new()
        .merge(api)
        .route(
            "/api/openapi.json",
            get(move || {
                let spec = spec_json.clone();
                async move {
                    (
                        [(axum::http::header::CONTENT_TYPE, "application/json")],
                        spec,
                    )
                }
            }),
        )
        .route("/ws", get(crate::ws::upgrade::handle))
        .merge(health::routes())
        .merge(archive::pages())
        .merge(share::pages())
        .merge(speakers::pages())
        .merge(web::routes())
        .layer(DefaultBodyLimit::max(body_limit))
        .layer(TimeoutLayer::with_status_code(
            axum::http::StatusCode::SERVICE_UNAVAILABLE,
            Duration::from_secs(30),
        ))
        .layer(axum::middleware::from_fn(security::headers))
        .with_state(state)
}
