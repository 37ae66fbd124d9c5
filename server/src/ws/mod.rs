//! The websocket endpoint at `/ws`: the opening handshake ([`upgrade`]), the
//! frame codec ([`frame`]), the JSON messages ([`protocol`], documented in
//! docs/protocol.md), reading a socket without waiting ([`read`]) and the
//! per-connection loop ([`connection`]).

pub mod connection;
pub mod frame;
pub mod origin;
pub mod protocol;
pub mod read;
pub mod upgrade;
