//! `/api/v1/events/{event_id}/webhooks`: register, list and remove an
//! event's webhooks, and see their deliveries (organizer token).

use axum::extract::State;
use axum::http::StatusCode;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::extract::{Auth, Json, Path};
use super::openapi::Errors;
use crate::error::AppResult;
use crate::state::AppState;
use crate::store::webhooks::{Delivery, Webhook};
use crate::webhooks::manage::{self, NewWebhook, WebhookCreated};

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(register, list))
        .routes(routes!(remove))
        .routes(routes!(deliveries))
}

/// Register a webhook: `session.ended` and `event.exported` are POSTed to it as JSON, signed
/// with `X-Backchannel-Signature: sha256=<hex HMAC-SHA256 of the body>`. The secret is shown once.
#[utoipa::path(post, path = "/api/v1/events/{event_id}/webhooks", tag = "webhooks", request_body = NewWebhook,
    params(("event_id" = String, Path, description = "Event id")), security(("bearer" = [])),
    responses((status = 201, description = "Registered", body = WebhookCreated), Errors))]
async fn register(
    State(state): State<AppState>,
    Auth(actor): Auth,
    Path(event_id): Path<String>,
    Json(body): Json<NewWebhook>,
) -> AppResult<(StatusCode, Json<WebhookCreated>)> {
    Ok((
        StatusCode::CREATED,
        Json(manage::register(&state, &actor, event_id, body).await?),
    ))
}

/// The event's webhooks (without their secrets).
#[utoipa::path(get, path = "/api/v1/events/{event_id}/webhooks", tag = "webhooks",
    params(("event_id" = String, Path, description = "Event id")), security(("bearer" = [])),
    responses((status = 200, description = "Webhooks", body = Vec<Webhook>), Errors))]
async fn list(
    State(state): State<AppState>,
    Auth(actor): Auth,
    Path(event_id): Path<String>,
) -> AppResult<Json<Vec<Webhook>>> {
    Ok(Json(manage::list(&state, &actor, event_id).await?))
}

/// Remove a webhook and its delivery history.
#[utoipa::path(delete, path = "/api/v1/events/{event_id}/webhooks/{webhook_id}", tag = "webhooks",
    params(("event_id" = String, Path, description = "Event id"), ("webhook_id" = String, Path, description = "Webhook id")),
    security(("bearer" = [])),
    responses((status = 204, description = "Removed"), Errors))]
async fn remove(
    State(state): State<AppState>,
    Auth(actor): Auth,
    Path((event_id, webhook_id)): Path<(String, String)>,
) -> AppResult<StatusCode> {
    manage::remove(&state, &actor, event_id, webhook_id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Recent deliveries, newest first: state (`pending`, `delivered`, `failed`), attempts, last status and error.
#[utoipa::path(get, path = "/api/v1/events/{event_id}/webhooks/deliveries", tag = "webhooks",
    params(("event_id" = String, Path, description = "Event id")), security(("bearer" = [])),
    responses((status = 200, description = "Deliveries", body = Vec<Delivery>), Errors))]
async fn deliveries(
    State(state): State<AppState>,
    Auth(actor): Auth,
    Path(event_id): Path<String>,
) -> AppResult<Json<Vec<Delivery>>> {
    Ok(Json(manage::deliveries(&state, &actor, event_id).await?))
}
