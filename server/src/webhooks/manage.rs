//! Registering, listing and removing an event's webhooks, and listing their
//! deliveries (organizer token).

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::KINDS;
use crate::domain::ids::{is_id, new_id};
use crate::domain::limits;
use crate::domain::roles::Actor;
use crate::domain::tokens::new_token;
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::store::events;
use crate::store::webhooks::{self, Delivery, Webhook};

/// Webhooks per event.
pub const WEBHOOKS_MAX: usize = 20;
/// Deliveries listed at most.
pub const DELIVERIES_LISTED: i64 = 200;

/// The body of `POST /api/v1/events/{event_id}/webhooks`.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewWebhook {
    /// Where to POST (http or https).
    pub url: String,
    /// What to receive (default: every kind): `session.ended`, `event.exported`.
    #[serde(default)]
    pub kinds: Option<Vec<String>>,
}

/// A registered webhook with its signing secret (shown once).
#[derive(Debug, Serialize, ToSchema)]
pub struct WebhookCreated {
    /// The webhook.
    #[serde(flatten)]
    pub webhook: Webhook,
    /// The HMAC-SHA256 key deliveries are signed with. Store it: it is not shown again.
    pub secret: String,
}

fn require_organizer(actor: &Actor, event_id: &str) -> AppResult<()> {
    if !is_id(event_id) {
        return Err(AppError::not_found("event"));
    }
    if actor.organizes(event_id) {
        Ok(())
    } else {
        Err(AppError::forbidden(
            "this needs the event's organizer token",
        ))
    }
}

/// Register a webhook.
pub async fn register(
    state: &AppState,
    actor: &Actor,
    event_id: String,
    input: NewWebhook,
) -> AppResult<WebhookCreated> {
    require_organizer(actor, &event_id)?;
    let url = limits::http_url("url", &input.url)?;
    let kinds = match input.kinds {
        None => {
            let mut all: Vec<String> = KINDS.iter().map(|k| k.to_string()).collect();
            all.sort();
            all
        }
        Some(list) => {
            let mut list: Vec<String> = list.into_iter().map(|k| k.trim().to_string()).collect();
            if let Some(bad) = list.iter().find(|k| !KINDS.contains(&k.as_str())) {
                return Err(AppError::invalid(format!(
                    "unknown kind `{}`: use {}",
                    bad.chars().take(40).collect::<String>(),
                    KINDS.join(", ")
                )));
            }
            list.sort();
            list.dedup();
            if list.is_empty() {
                return Err(AppError::invalid("kinds must not be empty"));
            }
            list
        }
    };
    let secret = new_token("w");
    let hook_secret = secret.clone();
    let webhook = state
        .store()
        .write(move |tx| {
            if events::get(tx.conn, &event_id)?.is_none() {
                return Err(AppError::not_found("event"));
            }
            if webhooks::list(tx.conn, &event_id)?.len() >= WEBHOOKS_MAX {
                return Err(AppError::conflict(format!(
                    "an event has at most {WEBHOOKS_MAX} webhooks"
                )));
            }
            let hook = Webhook {
                id: new_id(),
                event_id,
                url,
                kinds,
                created_at: tx.now,
            };
            webhooks::insert(tx.conn, &hook, &hook_secret)?;
            Ok(hook)
        })
        .await?;
    Ok(WebhookCreated { webhook, secret })
}

/// An event's webhooks (without secrets).
pub async fn list(state: &AppState, actor: &Actor, event_id: String) -> AppResult<Vec<Webhook>> {
    require_organizer(actor, &event_id)?;
    state
        .store()
        .read(move |conn| Ok(webhooks::list(conn, &event_id)?))
        .await
}

/// Remove a webhook and its deliveries.
pub async fn remove(
    state: &AppState,
    actor: &Actor,
    event_id: String,
    webhook_id: String,
) -> AppResult<()> {
    require_organizer(actor, &event_id)?;
    if !is_id(&webhook_id) {
        return Err(AppError::not_found("webhook"));
    }
    state
        .store()
        .write(move |tx| {
            if webhooks::delete(tx.conn, &event_id, &webhook_id)? {
                Ok(())
            } else {
                Err(AppError::not_found("webhook"))
            }
        })
        .await
}

/// An event's recent deliveries, newest first.
pub async fn deliveries(
    state: &AppState,
    actor: &Actor,
    event_id: String,
) -> AppResult<Vec<Delivery>> {
    require_organizer(actor, &event_id)?;
    state
        .store()
        .read(move |conn| Ok(webhooks::deliveries(conn, &event_id, DELIVERIES_LISTED)?))
        .await
}
