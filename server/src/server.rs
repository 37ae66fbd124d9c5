//! The TCP listener: accepts connections, enforces the global and per-address
//! connection caps, and serves HTTP/1.1 (with upgrades) through hyper with
//! deliberate limits: a 10 s deadline for request headers (slowloris), a cap
//! on header count and size, keep-alive.
//!
//! Each accepted connection gets a [`ConnectionGuard`] that holds its slot in
//! both caps; the websocket task clones it after the upgrade, so a websocket
//! keeps counting against the caps until it closes.

use std::collections::HashMap;
use std::convert::Infallible;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::ConnectInfo;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use parking_lot::Mutex;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tower::ServiceExt;

use crate::state::AppState;

/// Deadline for a client to send its request headers.
pub const HEADER_TIMEOUT: Duration = Duration::from_secs(10);
/// Most request headers accepted.
pub const MAX_HEADERS: usize = 64;
/// Largest request head (request line and headers) accepted, in bytes.
pub const MAX_HEAD_BYTES: usize = 16 * 1024;

/// A complete HTTP response refusing a connection, as a problem document.
fn refusal(status: axum::http::StatusCode, detail: &str, code: crate::error::ErrorCode) -> Vec<u8> {
    let body = serde_json::json!({
        "type": "about:blank",
        "title": status.canonical_reason().unwrap_or(""),
        "status": status.as_u16(),
        "detail": detail,
        "code": code,
    })
    .to_string();
    format!(
        "HTTP/1.1 {status}\r\ncontent-type: application/problem+json\r\nconnection: close\r\ncontent-length: {}\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}

/// What a connection over the per-address cap is told before it is closed.
static REFUSED_PER_ADDRESS: std::sync::LazyLock<Vec<u8>> = std::sync::LazyLock::new(|| {
    refusal(
        axum::http::StatusCode::TOO_MANY_REQUESTS,
        "too many connections from one address",
        crate::error::ErrorCode::RateLimited,
    )
});

/// What a connection over the global cap is told before it is closed.
static REFUSED_BUSY: std::sync::LazyLock<Vec<u8>> = std::sync::LazyLock::new(|| {
    refusal(
        axum::http::StatusCode::SERVICE_UNAVAILABLE,
        "the server is at its connection limit",
        crate::error::ErrorCode::Unavailable,
    )
});

/// Tell a refused client why (best effort, never waiting), then close.
fn refuse(stream: &TcpStream, response: &[u8]) {
    let _ = stream.try_write(response);
}

/// Open connections per address.
#[derive(Default)]
struct PerAddress {
    counts: Mutex<HashMap<IpAddr, usize>>,
}

/// A connection's place in the caps; released when the last clone drops.
pub struct ConnectionGuard {
    ip: IpAddr,
    per_address: Arc<PerAddress>,
    _permit: OwnedSemaphorePermit,
    state: AppState,
}

impl Drop for ConnectionGuard {
    fn drop(&mut self) {
        let mut counts = self.per_address.counts.lock();
        if let Some(n) = counts.get_mut(&self.ip) {
            *n -= 1;
            if *n == 0 {
                counts.remove(&self.ip);
            }
        }
        self.state.metrics().tcp_connections.dec();
    }
}

/// Accept and serve until the state's shutdown token is cancelled.
pub async fn serve(listener: TcpListener, app: Router, state: AppState) {
    let slots = Arc::new(Semaphore::new(state.config().max_connections));
    let per_address = Arc::new(PerAddress::default());
    let per_ip_cap = state.config().max_connections_per_ip;
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(pair) => pair,
                Err(err) => {
                    // EMFILE and friends: back off instead of spinning.
                    tracing::warn!(error = %err, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            _ = state.shutdown().cancelled() => break,
        };
        let Ok(permit) = slots.clone().try_acquire_owned() else {
            tracing::warn!(%peer, "connection refused: server at its connection limit");
            refuse(&stream, &REFUSED_BUSY);
            continue;
        };
        {
            let mut counts = per_address.counts.lock();
            let n = counts.entry(peer.ip()).or_insert(0);
            if *n >= per_ip_cap {
                drop(counts);
                tracing::warn!(ip = %peer.ip(), "connection refused: per-address limit reached");
                refuse(&stream, &REFUSED_PER_ADDRESS);
                continue;
            }
            *n += 1;
        }
        state.metrics().tcp_connections.inc();
        let guard = Arc::new(ConnectionGuard {
            ip: peer.ip(),
            per_address: per_address.clone(),
            _permit: permit,
            state: state.clone(),
        });
        tokio::spawn(serve_connection(
            stream,
            peer,
            app.clone(),
            state.clone(),
            guard,
        ));
    }
}

async fn serve_connection(
    stream: TcpStream,
    peer: SocketAddr,
    app: Router,
    state: AppState,
    guard: Arc<ConnectionGuard>,
) {
    let _ = stream.set_nodelay(true);
    let service = hyper::service::service_fn(move |mut request: hyper::Request<Incoming>| {
        request.extensions_mut().insert(ConnectInfo(peer));
        request.extensions_mut().insert(guard.clone());
        let app = app.clone();
        async move { Ok::<_, Infallible>(app.oneshot(request).await.unwrap_or_else(|e| match e {})) }
    });
    let mut builder = http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(HEADER_TIMEOUT)
        .max_headers(MAX_HEADERS)
        .max_buf_size(MAX_HEAD_BYTES)
        .keep_alive(true);
    let connection = builder
        .serve_connection(TokioIo::new(stream), service)
        .with_upgrades();
    tokio::pin!(connection);
    tokio::select! {
        result = connection.as_mut() => {
            if let Err(err) = result {
                tracing::debug!(%peer, error = %err, "http connection ended with an error");
            }
        }
        _ = state.shutdown().cancelled() => {
            connection.as_mut().graceful_shutdown();
            let _ = tokio::time::timeout(Duration::from_secs(5), connection).await;
        }
    }
}
