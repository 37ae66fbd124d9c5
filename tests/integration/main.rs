//! Integration tests: a real server on an ephemeral port with a temporary
//! database, driven by real HTTP and websocket clients.

mod helpers;
mod raw;

mod access;
mod api;
mod archive;
mod bad_input;
mod cluster;
mod crash;
mod engagement;
mod exports;
mod fuzz;
mod outage;
mod privacy;
mod safety;
mod schedule;
mod scripted;
mod security;
mod share;
mod speakers;
mod stream;
mod webhooks;
