//! The OpenAPI document's frame: title, security scheme, shared error responses.

use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{IntoResponses, Modify, OpenApi};

use crate::error::Problem;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Backchannel API",
        description = "Live notes, Q&A, polls and highlights for virtual conferences. \
            The live stream is the websocket at /ws (see docs/protocol.md); every action \
            is also available here. Authenticate with `Authorization: Bearer <token>`."
    ),
    modifiers(&BearerAuth),
    components(schemas(Problem))
)]
struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

/// The base document the routers add their paths to.
pub fn base() -> utoipa::openapi::OpenApi {
    ApiDoc::openapi()
}

/// The errors any authenticated route may answer with.
#[derive(IntoResponses)]
#[allow(dead_code)]
pub enum Errors {
    /// Malformed request.
    #[response(status = 400, content_type = "application/problem+json")]
    BadRequest(Problem),
    /// Missing, unknown or revoked token.
    #[response(status = 401, content_type = "application/problem+json")]
    Unauthorized(Problem),
    /// The token may not do this here.
    #[response(status = 403, content_type = "application/problem+json")]
    Forbidden(Problem),
    /// Not found.
    #[response(status = 404, content_type = "application/problem+json")]
    NotFound(Problem),
    /// The target's state does not allow this.
    #[response(status = 409, content_type = "application/problem+json")]
    Conflict(Problem),
    /// Body too large.
    #[response(status = 413, content_type = "application/problem+json")]
    TooLarge(Problem),
    /// A field failed validation.
    #[response(status = 422, content_type = "application/problem+json")]
    Invalid(Problem),
    /// Rate limited.
    #[response(status = 429, content_type = "application/problem+json")]
    RateLimited(Problem),
    /// Store unavailable; nothing was applied.
    #[response(status = 503, content_type = "application/problem+json")]
    Unavailable(Problem),
}
