//! The domain: identifiers, roles, tokens, the stream's event types, and the
//! resource types with their validation. Nothing here touches I/O.

pub mod event;
pub mod flag;
pub mod ids;
pub mod limits;
pub mod markdown;
pub mod note;
pub mod poll;
pub mod question;
pub mod roles;
pub mod session;
pub mod stream;
pub mod time;
pub mod tokens;
