//! Integration tests: a real server on an ephemeral port with a temporary
//! database, driven by real HTTP and websocket clients.

mod helpers;
mod raw;

mod access;
mod api;
mod bad_input;
mod cluster;
mod crash;
mod engagement;
mod privacy;
mod security;
mod stream;
