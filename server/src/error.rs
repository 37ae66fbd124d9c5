//! The one error type every boundary speaks.
//!
//! [`AppError`] carries a stable machine-readable [`ErrorCode`] (documented in
//! docs/protocol.md), an HTTP status, and a human message. REST handlers turn it
//! into an RFC 9457 problem document; the websocket layer turns it into an
//! `error` frame. Internal causes (store failures, bugs) are logged with their
//! detail and reach the client only as `internal` with a generic message.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;

/// Stable error codes. Clients branch on these; never rename one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// The request or frame could not be parsed, or a field has the wrong type.
    BadRequest,
    /// A field failed validation (length, range, format).
    Invalid,
    /// No token, or a token that does not exist or was revoked.
    Unauthorized,
    /// The token is valid but may not do this here (wrong role, event or session).
    Forbidden,
    /// The target does not exist (or is not visible to the caller).
    NotFound,
    /// The target is in a state that does not allow this (e.g. a closed poll).
    Conflict,
    /// The event requires attendees to acknowledge its code of conduct first (`coc.acknowledge`).
    CocRequired,
    /// Too many requests; retry later.
    RateLimited,
    /// The body or frame is larger than allowed.
    TooLarge,
    /// The store or broker is unreachable; the write was not applied.
    Unavailable,
    /// A bug or an unexpected failure on our side; the detail is in the server log.
    Internal,
}

impl ErrorCode {
    /// The HTTP status that goes with the code.
    pub fn status(self) -> StatusCode {
        match self {
            ErrorCode::BadRequest => StatusCode::BAD_REQUEST,
            ErrorCode::Invalid => StatusCode::UNPROCESSABLE_ENTITY,
            ErrorCode::Unauthorized => StatusCode::UNAUTHORIZED,
            ErrorCode::Forbidden => StatusCode::FORBIDDEN,
            ErrorCode::NotFound => StatusCode::NOT_FOUND,
            ErrorCode::Conflict => StatusCode::CONFLICT,
            ErrorCode::CocRequired => StatusCode::FORBIDDEN,
            ErrorCode::RateLimited => StatusCode::TOO_MANY_REQUESTS,
            ErrorCode::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            ErrorCode::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
            ErrorCode::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The code as it appears on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::BadRequest => "bad_request",
            ErrorCode::Invalid => "invalid",
            ErrorCode::Unauthorized => "unauthorized",
            ErrorCode::Forbidden => "forbidden",
            ErrorCode::NotFound => "not_found",
            ErrorCode::Conflict => "conflict",
            ErrorCode::CocRequired => "coc_required",
            ErrorCode::RateLimited => "rate_limited",
            ErrorCode::TooLarge => "too_large",
            ErrorCode::Unavailable => "unavailable",
            ErrorCode::Internal => "internal",
        }
    }
}

/// An error with a stable code and a message that is safe to show to the client.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{code:?}: {message}")]
pub struct AppError {
    /// What went wrong, for machines.
    pub code: ErrorCode,
    /// What went wrong, for people. Never contains secrets or internal detail.
    pub message: String,
}

impl AppError {
    /// An error with the given code and message.
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        AppError {
            code,
            message: message.into(),
        }
    }

    /// The request could not be parsed.
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::BadRequest, message)
    }

    /// A field failed validation.
    pub fn invalid(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::Invalid, message)
    }

    /// Missing or unknown credentials.
    pub fn unauthorized(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::Unauthorized, message)
    }

    /// Valid credentials, wrong scope or role.
    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::Forbidden, message)
    }

    /// The named thing does not exist.
    pub fn not_found(what: &str) -> Self {
        Self::new(ErrorCode::NotFound, format!("{what} not found"))
    }

    /// The target's state forbids the action.
    pub fn conflict(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::Conflict, message)
    }

    /// The attendee has not acknowledged the event's code of conduct.
    pub fn coc_required() -> Self {
        Self::new(
            ErrorCode::CocRequired,
            "this event asks you to acknowledge its code of conduct before your first question",
        )
    }

    /// Too many requests.
    pub fn rate_limited(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::RateLimited, message)
    }

    /// A store or broker failure: the detail is logged here and not sent to the client.
    pub fn unavailable(detail: impl std::fmt::Display) -> Self {
        tracing::error!(error = %detail, "store unavailable");
        Self::new(
            ErrorCode::Unavailable,
            "the store is unavailable; nothing was applied, retry later",
        )
    }

    /// An unexpected failure: the detail is logged here and not sent to the client.
    pub fn internal(detail: impl std::fmt::Display) -> Self {
        tracing::error!(error = %detail, "internal error");
        Self::new(ErrorCode::Internal, "internal error")
    }
}

/// The problem document (RFC 9457) every failed REST request returns.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Problem {
    /// Always `about:blank`; the `code` field is the stable identifier.
    #[serde(rename = "type")]
    pub kind: &'static str,
    /// The HTTP reason phrase.
    pub title: String,
    /// The HTTP status code.
    pub status: u16,
    /// What went wrong, for people.
    pub detail: String,
    /// What went wrong, for machines (see docs/protocol.md, "Error codes").
    pub code: ErrorCode,
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let status = self.code.status();
        let problem = Problem {
            kind: "about:blank",
            title: status.canonical_reason().unwrap_or("Error").to_string(),
            status: status.as_u16(),
            detail: self.message,
            code: self.code,
        };
        let body = serde_json::to_vec(&problem).unwrap_or_default();
        (
            status,
            [(axum::http::header::CONTENT_TYPE, "application/problem+json")],
            body,
        )
            .into_response()
    }
}

/// Convenience alias used across the crate.
pub type AppResult<T> = Result<T, AppError>;
