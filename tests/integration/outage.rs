//! R6: the database goes away and comes back. Requests fail with a clear
//! error while it is gone (never an acknowledgement without a commit), /readyz
//! says so, and everything works again once it returns.
//!
//! The outage is a TCP proxy between the server and the database that the
//! test cuts and restores, so the machine's PostgreSQL stays up for the other
//! tests. Needs BACKCHANNEL_TEST_POSTGRES_URL.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use serde_json::json;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Notify;

use crate::helpers::{Backend, Client, TestServer, s};

/// A TCP proxy that can be cut (all connections dropped, new ones refused).
struct Proxy {
    port: u16,
    up: Arc<AtomicBool>,
    cut: Arc<Notify>,
}

impl Proxy {
    async fn start(upstream: String) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let up = Arc::new(AtomicBool::new(true));
        let cut = Arc::new(Notify::new());
        let (u, c) = (up.clone(), cut.clone());
        tokio::spawn(async move {
            loop {
                let Ok((mut client, _)) = listener.accept().await else {
                    return;
                };
                if !u.load(Ordering::SeqCst) {
                    drop(client);
                    continue;
                }
                let upstream = upstream.clone();
                let cut = c.clone();
                tokio::spawn(async move {
                    let Ok(mut server) = TcpStream::connect(&upstream).await else {
                        return;
                    };
                    tokio::select! {
                        _ = tokio::io::copy_bidirectional(&mut client, &mut server) => {}
                        _ = cut.notified() => {}
                    }
                });
            }
        });
        Proxy { port, up, cut }
    }

    fn cut(&self) {
        self.up.store(false, Ordering::SeqCst);
        self.cut.notify_waiters();
    }

    fn restore(&self) {
        self.up.store(true, Ordering::SeqCst);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_database_outage_fails_clearly_and_recovers() {
    let Ok(pg) = std::env::var("BACKCHANNEL_TEST_POSTGRES_URL") else {
        eprintln!(
            "SKIPPED a_database_outage_fails_clearly_and_recovers: set BACKCHANNEL_TEST_POSTGRES_URL"
        );
        return;
    };
    let parsed = url::Url::parse(&pg).unwrap();
    let upstream = format!(
        "{}:{}",
        parsed.host_str().unwrap(),
        parsed.port().unwrap_or(5432)
    );
    let proxy = Proxy::start(upstream).await;
    let mut through = parsed.clone();
    through.set_host(Some("127.0.0.1")).unwrap();
    through.set_port(Some(proxy.port)).unwrap();
    let schema = format!("bc_test_{}", uuid::Uuid::new_v4().simple());
    let direct = Backend::Postgres {
        url: pg.clone(),
        schema: schema.clone(),
    };
    direct.create_schema();
    let server = TestServer::start_at(
        Backend::Postgres {
            url: through.to_string(),
            schema,
        },
        |_| {},
    )
    .await;

    let session = server.session(json!({})).await;
    let token = server.join(&session.code, None).await;
    let (mut attendee, _) = Client::joined(&server, &token, None, None).await;
    let (mut speaker, _) = Client::joined(&server, &session.speaker, None, None).await;
    assert_eq!(
        speaker.call("note.post", json!({ "body": "before" })).await["type"],
        "ack"
    );
    attendee.recv_event("note.posted").await;

    proxy.cut();
    let reply = speaker.call("note.post", json!({ "body": "during" })).await;
    assert_eq!(reply["type"], "error", "no ack without a commit: {reply}");
    assert_eq!(reply["code"], "unavailable");
    let (status, body) = server
        .post(
            &format!("/api/v1/sessions/{}/notes", session.id),
            Some(&session.speaker),
            json!({ "body": "during" }),
        )
        .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (503, Some("unavailable")),
        "{body}"
    );
    let (status, ready) = server.get("/readyz", None).await;
    assert_eq!(status, 503, "{ready}");
    assert_eq!(ready["status"], "unavailable");
    let (status, _) = server.get("/healthz", None).await;
    assert_eq!(status, 200, "the process itself is fine");

    proxy.restore();
    let mut recovered = false;
    for _ in 0..100 {
        let (status, _) = server.get("/readyz", None).await;
        if status == 200 {
            recovered = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(recovered, "/readyz never recovered");
    let mut ack = json!(null);
    for _ in 0..20 {
        ack = speaker.call("note.post", json!({ "body": "after" })).await;
        if ack["type"] == "ack" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert_eq!(ack["type"], "ack", "{ack}");
    // The attendee, still connected, gets the next note in order: nothing half-applied.
    let e = attendee.recv_event("note.posted").await;
    assert_eq!(e["seq"], 2);
    assert_eq!(s(&e["data"]["body"]), "after");
    let rows = direct.query(&format!(
        "SELECT body FROM notes WHERE session_id = '{}' ORDER BY created_at",
        session.id
    ));
    let bodies: Vec<&str> = rows.iter().map(|r| r[0].as_str()).collect();
    assert_eq!(bodies, vec!["before", "after"]);
}
