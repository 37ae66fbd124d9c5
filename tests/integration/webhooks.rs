//! Webhooks: signed deliveries to a local receiver, retries with backoff
//! when the receiver fails, the deliveries list, and registration rules.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use axum::http::{HeaderMap, StatusCode};
use hmac::{Hmac, KeyInit, Mac};
use reqwest::Method;
use serde_json::{Value, json};
use sha2::Sha256;
use tokio::sync::mpsc;

use crate::helpers::{TestServer, s};

/// One request the receiver got.
struct Received {
    headers: HeaderMap,
    body: Vec<u8>,
}

/// A local receiver that fails the first `failures` requests with 500.
async fn receiver(failures: usize) -> (String, mpsc::UnboundedReceiver<Received>) {
    let (tx, rx) = mpsc::unbounded_channel();
    let seen = Arc::new(AtomicUsize::new(0));
    let app = axum::Router::new().route(
        "/hook",
        axum::routing::post(move |headers: HeaderMap, body: axum::body::Bytes| {
            let (tx, seen) = (tx.clone(), seen.clone());
            async move {
                let n = seen.fetch_add(1, Ordering::SeqCst);
                let _ = tx.send(Received {
                    headers,
                    body: body.to_vec(),
                });
                if n < failures {
                    StatusCode::INTERNAL_SERVER_ERROR
                } else {
                    StatusCode::NO_CONTENT
                }
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (format!("http://{addr}/hook"), rx)
}

async fn next(rx: &mut mpsc::UnboundedReceiver<Received>, within: Duration) -> Received {
    tokio::time::timeout(within, rx.recv())
        .await
        .expect("a delivery in time")
        .expect("receiver open")
}

fn verify(secret: &str, r: &Received) {
    let header = r.headers["x-backchannel-signature"].to_str().unwrap();
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(&r.body);
    let expected = format!("sha256={}", hex::encode(mac.finalize().into_bytes()));
    assert_eq!(header, expected, "the signature verifies over the raw body");
    let ts: i64 = r.headers["x-backchannel-timestamp"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    let now = backchannel::domain::time::now_ms() / 1000;
    assert!((now - ts).abs() < 60, "a current timestamp");
    assert_eq!(r.headers["content-type"], "application/json");
}

async fn register(
    server: &TestServer,
    event_id: &str,
    organizer: &str,
    url: &str,
    kinds: Option<Value>,
) -> (String, String) {
    let mut body = json!({ "url": url });
    if let Some(k) = kinds {
        body["kinds"] = k;
    }
    let (status, hook) = server
        .post(
            &format!("/api/v1/events/{event_id}/webhooks"),
            Some(organizer),
            body,
        )
        .await;
    assert_eq!(status, 201, "{hook}");
    (s(&hook["id"]), s(&hook["secret"]))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn session_ended_is_delivered_signed() {
    let server = TestServer::start().await;
    let session = server.session(json!({ "title": "Ending soon" })).await;
    let (url, mut rx) = receiver(0).await;
    let (_, secret) = register(&server, &session.event_id, &session.organizer, &url, None).await;
    let base = format!("/api/v1/sessions/{}", session.id);
    assert_eq!(
        server
            .post(&format!("{base}/start"), Some(&session.speaker), json!({}))
            .await
            .0,
        200
    );
    server
        .post(
            &format!("{base}/notes"),
            Some(&session.speaker),
            json!({ "body": "hello", "takeaway": true }),
        )
        .await;
    assert_eq!(
        server
            .post(&format!("{base}/end"), Some(&session.speaker), json!({}))
            .await
            .0,
        200
    );

    let got = next(&mut rx, Duration::from_secs(10)).await;
    verify(&secret, &got);
    assert_eq!(got.headers["x-backchannel-event"], "session.ended");
    let body: Value = serde_json::from_slice(&got.body).unwrap();
    assert_eq!(body["type"], "session.ended");
    assert_eq!(body["event_id"], session.event_id.as_str());
    assert_eq!(body["data"]["session"]["id"], session.id.as_str());
    assert_eq!(body["data"]["session"]["title"], "Ending soon");
    assert_eq!(body["data"]["summary"]["key_takeaways"], 1);
    assert_eq!(
        body["data"]["links"]["json"],
        format!("{base}/export?format=json")
    );
    assert_eq!(
        got.headers["x-backchannel-delivery"]
            .to_str()
            .unwrap()
            .len(),
        36
    );

    // The pack is ready the moment the session ends.
    let (status, _) = server
        .get(
            &format!("{base}/export?format=json"),
            Some(&session.organizer),
        )
        .await;
    assert_eq!(status, 200);

    // An event export notifies too.
    let resp = server
        .http
        .get(server.url(&format!(
            "/api/v1/events/{}/export?format=md",
            session.event_id
        )))
        .bearer_auth(&session.organizer)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let got = next(&mut rx, Duration::from_secs(10)).await;
    verify(&secret, &got);
    let body: Value = serde_json::from_slice(&got.body).unwrap();
    assert_eq!(body["type"], "event.exported");
    assert_eq!(body["data"]["format"], "md");

    // The receiver answered; the outcome is recorded right after.
    let deliveries = format!("/api/v1/events/{}/webhooks/deliveries", session.event_id);
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    let list = loop {
        let (status, list) = server.get(&deliveries, Some(&session.organizer)).await;
        assert_eq!(status, 200);
        let done = list
            .as_array()
            .unwrap()
            .iter()
            .all(|d| d["state"] == "delivered");
        if done || std::time::Instant::now() > deadline {
            break list;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    let list = list.as_array().unwrap();
    assert_eq!(list.len(), 2);
    for d in list {
        assert_eq!(d["state"], "delivered", "{d}");
        assert_eq!(d["attempts"], 1);
        assert_eq!(d["last_status"], 204);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_receiver_is_retried_with_backoff() {
    let server = TestServer::start().await;
    let session = server.session(json!({})).await;
    let (url, mut rx) = receiver(2).await;
    let (_, secret) = register(
        &server,
        &session.event_id,
        &session.organizer,
        &url,
        Some(json!(["session.ended"])),
    )
    .await;
    let base = format!("/api/v1/sessions/{}", session.id);
    server
        .post(&format!("{base}/start"), Some(&session.speaker), json!({}))
        .await;
    let started = std::time::Instant::now();
    server
        .post(&format!("{base}/end"), Some(&session.speaker), json!({}))
        .await;

    let first = next(&mut rx, Duration::from_secs(10)).await;
    verify(&secret, &first);
    // The failure is visible to the organizer while the delivery waits.
    let deliveries = format!("/api/v1/events/{}/webhooks/deliveries", session.event_id);
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    loop {
        let (_, list) = server.get(&deliveries, Some(&session.organizer)).await;
        let d = &list[0];
        if d["attempts"] == 1 {
            assert_eq!(d["state"], "pending");
            assert_eq!(d["last_status"], 500);
            assert!(s(&d["last_error"]).contains("500"), "{d}");
            assert!(d["next_attempt_at"].is_string());
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the failed attempt was not recorded: {d}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let second = next(&mut rx, Duration::from_secs(10)).await;
    let third = next(&mut rx, Duration::from_secs(10)).await;
    assert!(
        started.elapsed() >= Duration::from_secs(3),
        "backoff: 1 s, then 2 s"
    );
    assert_eq!(second.body, first.body, "a retry sends the same body");
    assert_eq!(third.body, first.body);
    verify(&secret, &third);
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    loop {
        let (_, list) = server.get(&deliveries, Some(&session.organizer)).await;
        if list[0]["state"] == "delivered" {
            assert_eq!(list[0]["attempts"], 3);
            assert_eq!(list[0]["last_error"], Value::Null);
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "not delivered: {list}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(
        tokio::time::timeout(Duration::from_millis(1500), rx.recv())
            .await
            .is_err(),
        "nothing is sent after the delivery succeeded"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn webhooks_are_the_organizers_and_keep_their_secret() {
    let server = TestServer::start().await;
    let session = server.session(json!({})).await;
    let path = format!("/api/v1/events/{}/webhooks", session.event_id);
    for (url, expected) in [
        ("ftp://example.org/hook", 422),
        ("javascript:alert(1)", 422),
        ("not a url", 422),
    ] {
        let (status, body) = server
            .post(&path, Some(&session.organizer), json!({ "url": url }))
            .await;
        assert_eq!(status, expected, "{url}: {body}");
    }
    let (status, _) = server
        .post(
            &path,
            Some(&session.organizer),
            json!({ "url": "https://example.org/h", "kinds": ["session.started"] }),
        )
        .await;
    assert_eq!(status, 422, "unknown kinds are refused");
    let (status, _) = server
        .post(
            &path,
            Some(&session.speaker),
            json!({ "url": "https://example.org/h" }),
        )
        .await;
    assert_eq!(status, 403);
    let (id, secret) = register(
        &server,
        &session.event_id,
        &session.organizer,
        "https://example.org/h?key=abc",
        None,
    )
    .await;
    assert!(secret.starts_with("bcw_"));
    let (status, list) = server.get(&path, Some(&session.organizer)).await;
    assert_eq!(status, 200);
    assert_eq!(list[0]["id"], id.as_str());
    assert_eq!(list[0]["kinds"], json!(["event.exported", "session.ended"]));
    assert!(
        !list.to_string().contains(&secret),
        "the secret is shown once"
    );
    let (status, _) = server.get(&path, Some(&session.speaker)).await;
    assert_eq!(status, 403);
    let (status, _) = server
        .call(
            Method::DELETE,
            &format!("{path}/{id}"),
            Some(&session.organizer),
            None,
        )
        .await;
    assert_eq!(status, 204);
    let (status, _) = server
        .call(
            Method::DELETE,
            &format!("{path}/{id}"),
            Some(&session.organizer),
            None,
        )
        .await;
    assert_eq!(status, 404);
}
