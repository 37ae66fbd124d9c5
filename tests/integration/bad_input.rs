//! Malformed websocket input: error frames and close codes, and a healthy
//! neighbour unaffected.

use futures_util::SinkExt;
use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio_tungstenite::tungstenite::Message;

use crate::helpers::{Client, TestServer};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_messages_get_error_frames() {
    let server = TestServer::start().await;
    let session = server.session(json!({})).await;
    let token = server.join(&session.code, None).await;
    let (mut c, _) = Client::joined(&server, &token, None, None).await;
    let cases: Vec<(&str, &str)> = vec![
        ("{not json", "bad_request"),
        ("[]", "bad_request"),
        (r#"{"type":"dance"}"#, "bad_request"),
        (
            r#"{"type":"command","action":"note.post","args":{"body":"x"}}"#,
            "bad_request",
        ),
        (
            r#"{"type":"command","id":"1","action":"no.such","args":{}}"#,
            "bad_request",
        ),
        (
            r#"{"type":"command","id":"2","action":"question.ask","args":{"body":5}}"#,
            "bad_request",
        ),
        (
            r#"{"type":"command","id":"3","action":"question.ask","args":{"body":""}}"#,
            "invalid",
        ),
        (
            r#"{"type":"command","id":"4","action":"note.post","args":{"body":"x"}}"#,
            "forbidden",
        ),
        (r#"{"type":"join","token":"x"}"#, "conflict"),
        (
            r#"{"type":"command","id":"","action":"question.ask","args":{"body":"x"}}"#,
            "bad_request",
        ),
        (
            r#"{"type":"command","id":"5","action":"question.upvote","args":{"question_id":"nope"}}"#,
            "not_found",
        ),
    ];
    for (frame, code) in cases {
        c.send_raw(Message::text(frame)).await;
        let reply = c.recv().await;
        assert_eq!(reply["type"], "error", "{frame} -> {reply}");
        assert_eq!(reply["code"], code, "{frame} -> {reply}");
    }
    // Still usable afterwards.
    c.send_json(json!({ "type": "ping", "id": "p" })).await;
    assert_eq!(c.recv().await, json!({ "type": "pong", "id": "p" }));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn binary_and_oversized_frames_close_with_their_codes() {
    let server = TestServer::start_with(|c| c.max_message_bytes = 1024).await;
    let session = server.session(json!({})).await;
    let token = server.join(&session.code, None).await;
    let (mut healthy, _) = Client::joined(&server, &token, None, None).await;

    let mut c = Client::connect(&server).await;
    c.ws.send(Message::binary(vec![1, 2, 3])).await.unwrap();
    assert_eq!(c.recv_close().await, Some(1003));

    let mut c = Client::connect(&server).await;
    c.ws.send(Message::text("x".repeat(2000))).await.unwrap();
    assert_eq!(c.recv_close().await, Some(1009));

    // The neighbour is unaffected.
    healthy.send_json(json!({ "type": "ping" })).await;
    assert_eq!(healthy.recv().await["type"], "pong");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unmasked_frames_are_a_protocol_error() {
    let server = TestServer::start().await;
    let mut tcp = tokio::net::TcpStream::connect(server.addr).await.unwrap();
    let request = format!(
        "GET /ws HTTP/1.1\r\nHost: {}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
         Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n",
        server.addr
    );
    tcp.write_all(request.as_bytes()).await.unwrap();
    let mut buf = vec![0u8; 4096];
    let n = tcp.read(&mut buf).await.unwrap();
    let head = String::from_utf8_lossy(&buf[..n]);
    assert!(head.starts_with("HTTP/1.1 101"), "{head}");
    assert!(head.contains("s3pPLMBiTxaQ9kYGzzhZRbK+xOo="), "{head}");
    // An unmasked text frame.
    tcp.write_all(&[0x81, 0x02, b'h', b'i']).await.unwrap();
    let n = tcp.read(&mut buf).await.unwrap();
    assert!(n >= 4, "expected a close frame");
    assert_eq!(buf[0], 0x88, "close opcode");
    assert_eq!(u16::from_be_bytes([buf[2], buf[3]]), 1002);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_silent_connection_must_join_in_time() {
    // Only checks the join deadline's close code; the deadline itself is 10 s.
    let server = TestServer::start().await;
    let mut c = Client::connect(&server).await;
    let code = c
        .recv_close_within(std::time::Duration::from_secs(15))
        .await;
    assert_eq!(code, Some(4002));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_http_bodies_get_problem_documents_with_their_codes() {
    let server = TestServer::start().await;
    let session = server.session(json!({})).await;
    let notes = server.url(&format!("/api/v1/sessions/{}/notes", session.id));
    let too_large = "x".repeat(70_000);
    let cases: Vec<(&str, &str, Option<&str>, u16, &str)> = vec![
        // (label, body, content type, status, code)
        (
            "not JSON",
            "{oops",
            Some("application/json"),
            400,
            "bad_request",
        ),
        (
            "no content type",
            r#"{"body":"x"}"#,
            None,
            400,
            "bad_request",
        ),
        (
            "wrong content type",
            r#"{"body":"x"}"#,
            Some("text/plain"),
            400,
            "bad_request",
        ),
        (
            "wrong field type",
            r#"{"body":42}"#,
            Some("application/json"),
            422,
            "invalid",
        ),
        (
            "unknown field",
            r#"{"body":"x","html":"<script>"}"#,
            Some("application/json"),
            422,
            "invalid",
        ),
        (
            "missing field",
            r#"{}"#,
            Some("application/json"),
            422,
            "invalid",
        ),
        (
            "empty body text",
            r#"{"body":"   "}"#,
            Some("application/json"),
            422,
            "invalid",
        ),
        (
            "array instead of object",
            r#"[]"#,
            Some("application/json"),
            422,
            "invalid",
        ),
        (
            "control characters",
            "{\"body\":\"a\\u0000b\"}",
            Some("application/json"),
            422,
            "invalid",
        ),
        (
            "too large",
            &too_large,
            Some("application/json"),
            413,
            "too_large",
        ),
    ];
    for (label, body, content_type, status, code) in cases {
        let mut req = server
            .http
            .post(&notes)
            .bearer_auth(&session.speaker)
            .body(body.to_string());
        if let Some(ct) = content_type {
            req = req.header("content-type", ct);
        }
        let resp = req.send().await.unwrap();
        assert_eq!(resp.status().as_u16(), status, "{label}");
        assert_eq!(
            resp.headers()["content-type"],
            "application/problem+json",
            "{label}"
        );
        let problem: serde_json::Value = resp.json().await.unwrap();
        assert_eq!(problem["code"], code, "{label}: {problem}");
    }
    // Bad path and query values.
    let (status, p) = server.get("/api/v1/sessions/not-an-id", None).await;
    assert_eq!((status, p["code"].as_str()), (404, Some("not_found")));
    let (status, p) = server
        .get(
            &format!("/api/v1/sessions/{}/events?since=-1", session.id),
            Some(&session.speaker),
        )
        .await;
    assert_eq!((status, p["code"].as_str()), (400, Some("bad_request")));
    let resp = server
        .http
        .post(&notes)
        .bearer_auth(&session.speaker)
        .header("Idempotency-Key", "x".repeat(100))
        .json(&json!({ "body": "x" }))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 400, "an over-long idempotency key");
    let (_, snap) = server
        .get(
            &format!("/api/v1/sessions/{}/snapshot", session.id),
            Some(&session.speaker),
        )
        .await;
    assert_eq!(
        snap["notes"],
        json!([]),
        "nothing was stored by any refused request"
    );
}
