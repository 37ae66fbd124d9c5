//! Abuse and access: origins, handshake limits, heartbeats, slow readers,
//! rate limits, connection caps, revocation, secrets at rest, headers.

use std::time::{Duration, Instant};

use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpSocket, TcpStream};

use crate::helpers::{Client, TestServer, s};
use crate::raw::Raw;

/// Hostile Origin values for an allowlist of `https://live.example.org`.
fn hostile_origins() -> Vec<String> {
    let mut v: Vec<String> = [
        "null",
        "",
        " ",
        "http://live.example.org",
        "https://live.example.org.evil.test",
        "https://evil.test/live.example.org",
        "https://evil-live.example.org",
        "https://live.example.org:444",
        "https://live.example.org:443.evil.test",
        "https://LIVE.EXAMPLE.ORG.evil.test",
        "https://live.example.or",
        "https://live.example.org.",
        "https://xlive.example.org",
        "https://live-example.org",
        "https://live.example.org@evil.test",
        "https://evil.test@live.example.org",
        "https://evil.test#live.example.org",
        "https://evil.test?live.example.org",
        "https://evil.test/https://live.example.org",
        "ws://live.example.org",
        "wss://live.example.org",
        "file://live.example.org",
        "javascript:alert(1)",
        "data:text/html,live.example.org",
        "https://live.example.org/",
        "https://live.example.org/path",
        "https://live.example.org:8443",
        "https://live%2eexample.org",
        "https://127.0.0.1",
        "http://localhost",
        "https://[::1]",
        "https://0.0.0.0",
        "chrome-extension://abcdef",
        "moz-extension://abcdef",
        "https://live.example.org.evil.test:443",
        "https://example.org",
        "https://org",
        "https://live.example.com",
        "https://live.examp1e.org",
        "https://ⅼive.example.org",
        "https://xn--live-example-org.test",
        "https://live.example.org%00.evil.test",
        "https://live.example.org\\@evil.test",
        "HTTPS://live.example.org.evil.test",
        "https:/live.example.org",
        "https:live.example.org",
        "//live.example.org",
        "live.example.org",
        "https://*.example.org",
        "*",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    for i in 0..5 {
        v.push(format!("https://sub{i}.live.example.org"));
    }
    v
}

async fn handshake(server: &TestServer, origin: &str) -> String {
    let tcp = TcpStream::connect(server.addr).await.unwrap();
    let (_, head) = Raw::connect_with(server, tcp, Some(origin)).await;
    head
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_allowed_origins_open_the_websocket() {
    let server =
        TestServer::start_with(|c| c.allowed_origins = vec!["https://live.example.org".into()])
            .await;
    let origins = hostile_origins();
    assert!(origins.len() >= 50);
    let mut refused = 0;
    for origin in &origins {
        let head = handshake(&server, origin).await;
        if head.starts_with("HTTP/1.1 403") || head.starts_with("HTTP/1.1 400") {
            refused += 1;
        } else {
            panic!("origin {origin:?} was not refused: {head}");
        }
    }
    assert_eq!(refused, origins.len());
    assert!(
        handshake(&server, "https://live.example.org")
            .await
            .starts_with("HTTP/1.1 101")
    );

    // Without an allowlist: same origin only.
    let plain = TestServer::start().await;
    let same = format!("http://{}", plain.addr);
    assert!(handshake(&plain, &same).await.starts_with("HTTP/1.1 101"));
    for origin in origins.iter().take(20) {
        assert!(
            handshake(&plain, origin).await.starts_with("HTTP/1.1 4"),
            "{origin}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn oversized_handshakes_are_refused() {
    let server = TestServer::start().await;
    // Too many headers.
    let mut tcp = TcpStream::connect(server.addr).await.unwrap();
    let mut request = format!("GET /healthz HTTP/1.1\r\nHost: {}\r\n", server.addr);
    for i in 0..200 {
        request.push_str(&format!("X-Filler-{i}: x\r\n"));
    }
    request.push_str("\r\n");
    tcp.write_all(request.as_bytes()).await.unwrap();
    let mut buf = vec![0u8; 1024];
    let n = tcp.read(&mut buf).await.unwrap_or(0);
    let head = String::from_utf8_lossy(&buf[..n]);
    assert!(head.starts_with("HTTP/1.1 431"), "{head}");

    // A 1 MiB header.
    let mut tcp = TcpStream::connect(server.addr).await.unwrap();
    let big = format!(
        "GET /healthz HTTP/1.1\r\nHost: {}\r\nX-Big: {}\r\n\r\n",
        server.addr,
        "a".repeat(1 << 20)
    );
    let _ = tcp.write_all(big.as_bytes()).await;
    let n = tcp.read(&mut buf).await.unwrap_or(0);
    let head = String::from_utf8_lossy(&buf[..n]);
    assert!(n == 0 || head.starts_with("HTTP/1.1 431"), "{head}");

    // The server still answers.
    let (status, _) = server.get("/healthz", None).await;
    assert_eq!(status, 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slow_handshakes_are_closed_within_ten_seconds_while_others_are_served() {
    let server = TestServer::start().await;
    let mut slow = Vec::new();
    for _ in 0..300 {
        let mut tcp = TcpStream::connect(server.addr).await.unwrap();
        tcp.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ")
            .await
            .unwrap();
        slow.push(tcp);
    }
    let started = Instant::now();
    let (status, _) = server.get("/healthz", None).await;
    assert_eq!(status, 200, "other clients keep being served");
    for tcp in slow.iter_mut() {
        let mut buf = [0u8; 256];
        let remaining = Duration::from_secs(13).saturating_sub(started.elapsed());
        let closed = tokio::time::timeout(remaining, async {
            loop {
                match tcp.read(&mut buf).await {
                    Ok(0) | Err(_) => return,
                    Ok(_) => continue, // e.g. a 408 before the close
                }
            }
        })
        .await;
        assert!(
            closed.is_ok(),
            "a half-open handshake was still open after {:?}",
            started.elapsed()
        );
    }
    eprintln!(
        "S3: 300 slowloris connections closed after {:?}",
        started.elapsed()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_that_never_answers_pings_is_dropped() {
    let server = TestServer::start_with(|c| c.heartbeat_secs = 1).await;
    let session = server.session(json!({})).await;
    let token = server.join(&session.code, None).await;
    let mut raw = Raw::connect(&server).await;
    raw.send_text(&json!({ "type": "join", "token": token }).to_string())
        .await;
    let started = Instant::now();
    // The raw client reads nothing and never answers the server's pings.
    assert_eq!(raw.close_code(Duration::from_secs(10)).await, Some(4001));
    eprintln!(
        "S4: silent client dropped after {:?} (heartbeat 1 s, window 3 s)",
        started.elapsed()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_that_stops_reading_is_dropped_at_the_queue_cap_and_others_are_unaffected() {
    let server = TestServer::start_with(|c| c.outbound_queue_bytes = 64 * 1024).await;
    let session = server.session(json!({})).await;
    let stalled_token = server.join(&session.code, None).await;
    let healthy_token = server.join(&session.code, None).await;
    // A stalled reader with a tiny receive buffer.
    let socket = TcpSocket::new_v4().unwrap();
    socket.set_recv_buffer_size(4096).unwrap();
    let tcp = socket.connect(server.addr).await.unwrap();
    let (mut stalled, head) = Raw::connect_with(&server, tcp, None).await;
    assert!(head.starts_with("HTTP/1.1 101"));
    stalled
        .send_text(&json!({ "type": "join", "token": stalled_token }).to_string())
        .await;
    let (mut healthy, _) = Client::joined(&server, &healthy_token, None, None).await;
    let (mut speaker, _) = Client::joined(&server, &session.speaker, None, None).await;

    let body = "x".repeat(9_000);
    let mut posted = 0;
    let mut received = 0;
    let mut dropped = false;
    while posted < 2_000 {
        let ack = speaker.call("note.post", json!({ "body": body })).await;
        assert_eq!(ack["type"], "ack", "{ack}");
        posted += 1;
        while received < posted {
            healthy.recv_event("note.posted").await;
            received += 1;
        }
        if posted % 25 == 0 {
            let metrics = server
                .http
                .get(server.url("/metrics"))
                .send()
                .await
                .unwrap()
                .text()
                .await
                .unwrap();
            if metrics
                .lines()
                .any(|l| l.starts_with("backchannel_ws_queue_drops_total") && !l.ends_with(" 0"))
            {
                dropped = true;
                break;
            }
        }
    }
    assert!(
        dropped,
        "the stalled client was never dropped after {posted} notes"
    );
    assert_eq!(received, posted, "the healthy client got every note");
    // The stalled client finds a close frame with 4000 once it reads again (or just EOF).
    let code = stalled.close_code(Duration::from_secs(10)).await;
    assert!(code.is_none() || code == Some(4000), "{code:?}");
    eprintln!(
        "S4/W5: stalled reader dropped after {posted} notes of 9 kB; healthy reader received all {received}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flood_from_one_socket_is_rate_limited() {
    let server = TestServer::start().await;
    let session = server.session(json!({})).await;
    let token = server.join(&session.code, None).await;
    let (mut c, _) = Client::joined(&server, &token, None, None).await;
    let started = Instant::now();
    for i in 0..1000 {
        c.send_json(json!({ "type": "ping", "id": i.to_string() }))
            .await;
    }
    let (mut pongs, mut limited) = (0, 0);
    while pongs + limited < 1000 {
        let m = c.recv().await;
        match m["type"].as_str() {
            Some("pong") => pongs += 1,
            Some("error") if m["code"] == "rate_limited" => limited += 1,
            _ => panic!("unexpected {m}"),
        }
    }
    let elapsed = started.elapsed().as_secs_f64();
    let allowed = 40.0 + 20.0 * elapsed;
    let excess = 1000.0 - allowed;
    assert!(
        f64::from(limited) >= 0.9 * excess,
        "{limited} of {excess:.0} excess messages rejected"
    );
    eprintln!(
        "S5: 1000 messages in {elapsed:.2} s: {pongs} answered, {limited} rate-limited ({:.0}% of the excess)",
        100.0 * f64::from(limited) / excess
    );
    // The connection is still usable afterwards.
    tokio::time::sleep(Duration::from_millis(200)).await;
    c.send_json(json!({ "type": "ping", "id": "after" })).await;
    assert_eq!(c.recv().await["type"], "pong");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connections_per_address_are_capped() {
    let server = TestServer::start_with(|c| c.max_connections_per_ip = 5).await;
    let mut open = Vec::new();
    for _ in 0..5 {
        open.push(Raw::connect(&server).await);
    }
    let mut tcp = TcpStream::connect(server.addr).await.unwrap();
    let mut buf = vec![0u8; 1024];
    let n = tcp.read(&mut buf).await.unwrap_or(0);
    let head = String::from_utf8_lossy(&buf[..n]);
    assert!(head.starts_with("HTTP/1.1 429"), "{head}");
    assert!(head.contains("rate_limited"));
    drop(open);
    // Slots come back when connections close.
    let mut ok = false;
    for _ in 0..50 {
        if let Ok(resp) = server.http.get(server.url("/healthz")).send().await {
            ok = resp.status() == 200;
            if ok {
                break;
            }
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(ok);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn revoking_a_token_closes_its_sockets_within_a_second() {
    let server = TestServer::start().await;
    let session = server.session(json!({})).await;
    let token = server.join(&session.code, None).await;
    let (mut c, _) = Client::joined(&server, &token, None, None).await;
    let started = Instant::now();
    let (status, _) = server
        .post("/api/v1/me/revoke", Some(&token), json!({}))
        .await;
    assert_eq!(status, 204);
    assert_eq!(c.recv_close().await, Some(1008));
    assert!(
        started.elapsed() < Duration::from_secs(1),
        "A3: closed after {:?}",
        started.elapsed()
    );
    let (status, _) = server.get("/api/v1/me", Some(&token)).await;
    assert_eq!(status, 401);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tokens_are_stored_only_as_hashes() {
    let server = TestServer::start().await;
    let session = server.session(json!({})).await;
    let attendee = server.join(&session.code, Some("Ana")).await;
    let (status, rotated) = server
        .post(
            &format!("/api/v1/sessions/{}/tokens/projector", session.id),
            Some(&session.organizer),
            json!({}),
        )
        .await;
    assert_eq!(status, 201);
    let tokens = [
        session.organizer.clone(),
        session.speaker.clone(),
        session.projector.clone(),
        attendee,
        s(&rotated["token"]),
    ];
    for t in &tokens {
        let (_, secret) = t.split_once('_').unwrap();
        assert!(secret.len() >= 43, "256 random bits, base64: {t}");
    }
    // Dump every text column of every table.
    let tables: Vec<String> = server
        .backend
        .query(match &server.backend {
            crate::helpers::Backend::Sqlite(_) => {
                "SELECT name FROM sqlite_master WHERE type = 'table'"
            }
            crate::helpers::Backend::Postgres { .. } => {
                "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()"
            }
        })
        .into_iter()
        .map(|r| r[0].clone())
        .collect();
    assert!(tables.iter().any(|t| t == "tokens"));
    let mut dump = String::new();
    for table in tables {
        for row in server.backend.query(&format!("SELECT * FROM {table}")) {
            dump.push_str(&row.join("|"));
            dump.push('\n');
        }
    }
    for t in &tokens {
        let secret = t.split_once('_').unwrap().1;
        assert!(!dump.contains(secret), "a plaintext token is stored");
    }
    assert!(!dump.contains(crate::helpers::ADMIN));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_response_carries_the_security_headers() {
    let server = TestServer::start().await;
    let session = server.session(json!({})).await;
    for path in [
        "/".to_string(),
        "/healthz".to_string(),
        "/api/openapi.json".to_string(),
        format!("/api/v1/sessions/{}", session.id),
        "/api/v1/sessions/not-an-id".to_string(),
        "/s/whatever".to_string(),
        "/nope.js".to_string(),
    ] {
        let resp = server.http.get(server.url(&path)).send().await.unwrap();
        let h = resp.headers();
        let csp = h["content-security-policy"].to_str().unwrap();
        assert!(
            csp.contains("script-src 'self'") && !csp.contains("unsafe-inline"),
            "{path}: {csp}"
        );
        assert!(csp.contains("frame-ancestors 'none'"), "{path}");
        assert_eq!(h["x-content-type-options"], "nosniff", "{path}");
        assert_eq!(h["referrer-policy"], "no-referrer", "{path}");
    }
    let resp = server
        .http
        .get(server.url("/projector/x"))
        .send()
        .await
        .unwrap();
    assert!(
        resp.headers()["content-security-policy"]
            .to_str()
            .unwrap()
            .contains("frame-ancestors *"),
        "the overlay may be embedded"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deep_json_and_large_bodies_get_clear_errors() {
    let server = TestServer::start().await;
    let session = server.session(json!({})).await;
    let token = server.join(&session.code, None).await;
    let (mut c, _) = Client::joined(&server, &token, None, None).await;
    let deep = format!(
        r#"{{"type":"command","id":"deep","action":"question.ask","args":{{"body":{}{}}}}}"#,
        "[".repeat(5000),
        "]".repeat(5000)
    );
    c.send_raw(tokio_tungstenite::tungstenite::Message::text(deep))
        .await;
    let e = c.recv().await;
    assert_eq!(e["code"], "bad_request");
    assert!(s(&e["message"]).contains("nested deeper than 32"), "{e}");
    c.send_json(json!({ "type": "ping" })).await;
    assert_eq!(c.recv().await["type"], "pong", "the connection survives");
    let big = json!({ "body": "x".repeat(70_000) });
    let (status, body) = server
        .post(
            &format!("/api/v1/sessions/{}/notes", session.id),
            Some(&session.speaker),
            big,
        )
        .await;
    assert_eq!(status, 413, "{body}");
    assert_eq!(body["code"], "too_large");
}
