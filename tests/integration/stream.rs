//! The live stream: order, resume, idempotency, durability.

use serde_json::json;

use crate::helpers::{Client, TestServer, s};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn notes_reach_two_attendees_in_the_same_order() {
    let server = TestServer::start().await;
    let session = server.session(json!({})).await;
    let a = server.join(&session.code, Some("Ann")).await;
    let b = server.join(&session.code, None).await;
    let (mut alice, snap_a) = Client::joined(&server, &a, None, None).await;
    let (mut bob, snap_b) = Client::joined(&server, &b, None, None).await;
    assert_eq!(snap_a["type"], "snapshot");
    assert_eq!(snap_a["seq"], 0);
    assert_eq!(snap_b["notes"], json!([]));
    let (mut speaker, _) = Client::joined(&server, &session.speaker, None, None).await;

    for i in 0..20 {
        let id = speaker
            .command("note.post", json!({ "body": format!("note {i}") }))
            .await;
        let _ = id;
    }
    let mut seen_a = Vec::new();
    let mut seen_b = Vec::new();
    for _ in 0..20 {
        let ea = alice.recv_event("note.posted").await;
        let eb = bob.recv_event("note.posted").await;
        seen_a.push((ea["seq"].as_u64().unwrap(), s(&ea["data"]["body"])));
        seen_b.push((eb["seq"].as_u64().unwrap(), s(&eb["data"]["body"])));
    }
    let expected: Vec<(u64, String)> = (0..20).map(|i| (i + 1, format!("note {i}"))).collect();
    assert_eq!(seen_a, expected);
    assert_eq!(seen_b, expected);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acks_carry_the_seq_and_follow_the_event() {
    let server = TestServer::start().await;
    let session = server.session(json!({})).await;
    let (mut speaker, _) = Client::joined(&server, &session.speaker, None, None).await;
    let id = speaker
        .command("note.post", json!({ "body": "*hi*", "takeaway": true }))
        .await;
    let event = speaker.recv_type("event").await;
    assert_eq!(event["kind"], "note.posted");
    assert_eq!(event["data"]["html"], "<p><em>hi</em></p>\n");
    assert_eq!(event["data"]["takeaway"], true);
    let ack = speaker.reply_to(&id).await;
    assert_eq!(ack["type"], "ack");
    assert_eq!(ack["seq"], event["seq"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn resume_replays_exactly_the_missed_notes() {
    let server = TestServer::start().await;
    let session = server.session(json!({})).await;
    let token = server.join(&session.code, None).await;
    let (mut speaker, _) = Client::joined(&server, &session.speaker, None, None).await;
    let (mut attendee, _) = Client::joined(&server, &token, None, None).await;
    for i in 0..3 {
        speaker
            .call("note.post", json!({ "body": format!("before {i}") }))
            .await;
    }
    let mut last = 0;
    for _ in 0..3 {
        last = attendee.recv_event("note.posted").await["seq"]
            .as_u64()
            .unwrap();
    }
    assert_eq!(last, 3);
    drop(attendee);
    for i in 0..5 {
        let ack = speaker
            .call("note.post", json!({ "body": format!("missed {i}") }))
            .await;
        assert_eq!(ack["type"], "ack", "{ack}");
    }
    let (mut back, first) = Client::joined(&server, &token, None, Some(last)).await;
    assert_eq!(first["type"], "resumed", "{first}");
    assert_eq!(first["from"], 3);
    assert_eq!(first["to"], 8);
    for i in 0..5 {
        let e = back.recv_type("event").await;
        assert_eq!(e["seq"], 4 + i, "{e}");
        assert_eq!(e["data"]["body"], format!("missed {i}"));
    }
    // Then live, with nothing repeated.
    speaker.call("note.post", json!({ "body": "live" })).await;
    let e = back.recv_type("event").await;
    assert_eq!(e["seq"], 9);
    assert_eq!(e["data"]["body"], "live");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn resume_too_far_back_says_so_and_sends_a_snapshot() {
    let server = TestServer::start_with(|c| c.replay_limit = 3).await;
    let session = server.session(json!({})).await;
    let token = server.join(&session.code, None).await;
    let (mut speaker, _) = Client::joined(&server, &session.speaker, None, None).await;
    for i in 0..6 {
        speaker
            .call("note.post", json!({ "body": format!("n{i}") }))
            .await;
    }
    let (mut c, first) = Client::joined(&server, &token, None, Some(1)).await;
    assert_eq!(first["type"], "not_recovered");
    assert_eq!(first["reason"], "too_old");
    let snap = c.recv_type("snapshot").await;
    assert_eq!(snap["seq"], 6);
    assert_eq!(snap["notes"].as_array().unwrap().len(), 6);

    // A wrong epoch is a reset, never a partial replay.
    let mut d = Client::connect(&server).await;
    d.send_json(json!({ "type": "join", "token": token, "since": 5, "epoch": "another-epoch" }))
        .await;
    let first = d.recv().await;
    assert_eq!(first["type"], "not_recovered");
    assert_eq!(first["reason"], "epoch_changed");
    assert_eq!(d.recv().await["type"], "snapshot");

    // A since beyond the end is reported too.
    let (_, first) = Client::joined(&server, &token, None, Some(60)).await;
    assert_eq!(first["reason"], "ahead");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_retried_command_is_applied_once() {
    let server = TestServer::start().await;
    let session = server.session(json!({})).await;
    let (mut speaker, _) = Client::joined(&server, &session.speaker, None, None).await;
    speaker
        .command_with_id("same-id", "note.post", json!({ "body": "once" }))
        .await;
    let first = speaker.reply_to("same-id").await;
    speaker
        .command_with_id("same-id", "note.post", json!({ "body": "once" }))
        .await;
    let second = speaker.reply_to("same-id").await;
    assert_eq!(first["type"], "ack");
    assert_eq!(first, second);
    // Over REST with an Idempotency-Key too.
    for _ in 0..2 {
        let resp = server
            .http
            .post(server.url(&format!("/api/v1/sessions/{}/notes", session.id)))
            .bearer_auth(&session.speaker)
            .header("Idempotency-Key", "rest-key")
            .json(&json!({ "body": "rest once" }))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 201);
    }
    let (_, snap) = server
        .get(
            &format!("/api/v1/sessions/{}/snapshot", session.id),
            Some(&session.speaker),
        )
        .await;
    let bodies: Vec<String> = snap["notes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| s(&n["body"]))
        .collect();
    assert_eq!(bodies, vec!["once", "rest once"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acknowledged_notes_survive_a_restart() {
    let server = TestServer::start().await;
    let session = server.session(json!({})).await;
    let (mut speaker, _) = Client::joined(&server, &session.speaker, None, None).await;
    for i in 0..10 {
        let ack = speaker
            .call("note.post", json!({ "body": format!("durable {i}") }))
            .await;
        assert_eq!(ack["type"], "ack");
    }
    drop(speaker);
    let server = server.restart().await;
    let (mut speaker, snap) = Client::joined(&server, &session.speaker, None, None).await;
    assert_eq!(snap["seq"], 10);
    let bodies: Vec<String> = snap["notes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| s(&n["body"]))
        .collect();
    assert_eq!(
        bodies,
        (0..10).map(|i| format!("durable {i}")).collect::<Vec<_>>()
    );
    // The stream continues where it was.
    let ack = speaker.call("note.post", json!({ "body": "after" })).await;
    assert_eq!(ack["seq"], 11);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn edits_and_deletes_reach_attendees_and_deleted_notes_are_not_replayed() {
    let server = TestServer::start().await;
    let session = server.session(json!({})).await;
    let token = server.join(&session.code, None).await;
    let (mut speaker, _) = Client::joined(&server, &session.speaker, None, None).await;
    let (mut attendee, _) = Client::joined(&server, &token, None, None).await;
    let posted = speaker
        .call("note.post", json!({ "body": "secret draft" }))
        .await;
    let note_id = s(&posted["result"]["id"]);
    speaker
        .call("note.edit", json!({ "note_id": note_id, "takeaway": true }))
        .await;
    assert_eq!(
        attendee.recv_event("note.posted").await["data"]["body"],
        "secret draft"
    );
    assert_eq!(
        attendee.recv_event("note.updated").await["data"]["takeaway"],
        true
    );
    speaker
        .call("note.delete", json!({ "note_id": note_id }))
        .await;
    assert_eq!(
        attendee.recv_event("note.deleted").await["data"]["id"],
        note_id.as_str()
    );

    let (mut replayer, first) = Client::joined(&server, &token, None, Some(0)).await;
    assert_eq!(first["type"], "resumed");
    let mut kinds = Vec::new();
    for _ in 0..3 {
        let e = replayer.recv_type("event").await;
        assert!(
            !e.to_string().contains("secret draft"),
            "deleted text replayed: {e}"
        );
        kinds.push(s(&e["kind"]));
    }
    assert_eq!(kinds, vec!["redacted", "redacted", "note.deleted"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn session_changes_and_shutdown_reach_live_clients() {
    let mut server = TestServer::start().await;
    let session = server.session(json!({})).await;
    let token = server.join(&session.code, None).await;
    let (mut attendee, snap) = Client::joined(&server, &token, None, None).await;
    assert_eq!(snap["session"]["state"], "scheduled");
    let (status, _) = server
        .post(
            &format!("/api/v1/sessions/{}/start", session.id),
            Some(&session.speaker),
            json!({}),
        )
        .await;
    assert_eq!(status, 200);
    let e = attendee.recv_event("session.updated").await;
    assert_eq!(e["data"]["state"], "live");
    assert!(e["data"]["started_at"].is_string());
    server.stop().await;
    assert_eq!(attendee.recv_close().await, Some(1001));
}

/// R3: the stream's history is reset (`backchannel rotate-epochs`, as after
/// restoring a store without its log): every client that resumes is told so
/// and gets a snapshot; none gets a partial replay.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn after_a_stream_reset_every_resume_reports_it_and_none_replays_partially() {
    let mut server = TestServer::start().await;
    let session = server.session(json!({})).await;
    let (mut speaker, _) = Client::joined(&server, &session.speaker, None, None).await;
    let mut attendees = Vec::new();
    for _ in 0..20 {
        let token = server.join(&session.code, None).await;
        let (_, snap) = Client::joined(&server, &token, None, None).await;
        attendees.push((token, s(&snap["epoch"])));
    }
    for i in 0..5 {
        speaker
            .call("note.post", json!({ "body": format!("before {i}") }))
            .await;
    }
    drop(speaker);
    server.stop().await;
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_backchannel"))
        .args(["rotate-epochs", "--database-url"])
        .arg(server.backend.url_string())
        .env("RUST_LOG", "warn")
        .env_remove("DATABASE_URL")
        .output()
        .expect("run rotate-epochs");
    assert!(out.status.success(), "{out:?}");
    let server = server.restart().await;

    let mut reset = 0;
    for (token, epoch) in &attendees {
        let mut c = Client::connect(&server).await;
        c.send_json(json!({ "type": "join", "token": token, "since": 2, "epoch": epoch }))
            .await;
        let first = c.recv().await;
        assert_eq!(first["type"], "not_recovered", "{first}");
        assert_eq!(first["reason"], "epoch_changed");
        let snap = c.recv().await;
        assert_eq!(snap["type"], "snapshot", "no event before the snapshot");
        assert_ne!(snap["epoch"], epoch.as_str());
        assert_eq!(snap["notes"].as_array().map(Vec::len), Some(5));
        reset += 1;
    }
    assert_eq!(reset, attendees.len());
    eprintln!(
        "R3: {reset}/{} resumes reported the reset, 0 partial replays",
        attendees.len()
    );
}

/// Backpressure without loss: a client that stops reading while far more
/// than the kernel buffers hold is sent (the server queues the rest, under
/// its cap) gets every event, in order, once it reads again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_that_pauses_reading_gets_every_event_in_order_afterwards() {
    let server = TestServer::start_with(|c| c.outbound_queue_bytes = 32 * 1024 * 1024).await;
    let session = server.session(json!({})).await;
    let token = server.join(&session.code, None).await;
    let mut slow = Client::connect_with_recv_buffer(&server, 4096).await;
    slow.send_json(json!({ "type": "join", "token": token }))
        .await;
    let snap = slow.recv_type("snapshot").await;
    let from = snap["seq"].as_u64().expect("seq");

    // Eight speaker connections post 50 notes each (~18 kB frames, ~7 MB in
    // all, more than loopback's socket buffers take) while `slow` reads nothing.
    let body = "y".repeat(9_000);
    let mut posters = Vec::new();
    for _ in 0..8 {
        let (speaker, _) = Client::joined(&server, &session.speaker, None, None).await;
        let body = body.clone();
        posters.push(tokio::spawn(async move {
            let mut speaker = speaker;
            for _ in 0..50 {
                let ack = speaker.call("note.post", json!({ "body": body })).await;
                assert_eq!(ack["type"], "ack", "{ack}");
            }
        }));
    }
    for p in posters {
        p.await.expect("poster");
    }

    let mut next = from + 1;
    while next <= from + 400 {
        let event = slow.recv_type("event").await;
        assert_eq!(event["seq"], next, "in order, no gap");
        assert_eq!(event["kind"], "note.posted");
        next += 1;
    }
}
