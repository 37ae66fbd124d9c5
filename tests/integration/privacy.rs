//! Privacy: export and delete one attendee's data, delete an event entirely,
//! retention of ended events.

use reqwest::Method;
use serde_json::json;

use crate::helpers::{Client, TestServer, s};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_organizer_exports_and_deletes_one_attendees_data() {
    let server = TestServer::start().await;
    let session = server.session(json!({})).await;
    let token = server.join(&session.code, Some("Ana")).await;
    let (_, me) = server.get("/api/v1/me", Some(&token)).await;
    let attendee_id = s(&me["attendee_id"]);
    let watcher_token = server.join(&session.code, None).await;
    let (mut ana, _) = Client::joined(&server, &token, None, None).await;
    let (mut watcher, _) = Client::joined(&server, &watcher_token, None, None).await;
    let (mut speaker, _) = Client::joined(&server, &session.speaker, None, None).await;
    let poll = s(&speaker.call("poll.create", json!({ "kind": "single_choice", "question": "?", "options": ["a", "b"], "open": true, "results_live": true })).await["result"]["id"]);
    let q = s(&ana
        .call(
            "question.ask",
            json!({ "body": "Ana's question", "anonymous": false }),
        )
        .await["result"]["id"]);
    let other_q = s(&watcher
        .call("question.ask", json!({ "body": "other" }))
        .await["result"]["id"]);
    ana.call("question.upvote", json!({ "question_id": other_q }))
        .await;
    ana.call(
        "poll.vote",
        json!({ "poll_id": poll, "ballot": { "option": 1 } }),
    )
    .await;

    let (status, data) = server
        .get(
            &format!("/api/v1/attendees/{attendee_id}"),
            Some(&session.organizer),
        )
        .await;
    assert_eq!(status, 200, "{data}");
    assert_eq!(data["attendee"]["display_name"], "Ana");
    assert_eq!(data["questions"][0]["body"], "Ana's question");
    assert_eq!(data["upvoted"], json!([other_q]));
    assert_eq!(data["ballots"][&poll], json!(["1"]));
    // The attendee may see their own data; another attendee may not.
    assert_eq!(
        server
            .get(&format!("/api/v1/attendees/{attendee_id}"), Some(&token))
            .await
            .0,
        200
    );
    assert_eq!(
        server
            .get(
                &format!("/api/v1/attendees/{attendee_id}"),
                Some(&watcher_token)
            )
            .await
            .0,
        403
    );
    let (status, list) = server
        .get(
            &format!("/api/v1/sessions/{}/attendees", session.id),
            Some(&session.organizer),
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(list.as_array().unwrap().len(), 2);

    let (status, _) = server
        .call(
            Method::DELETE,
            &format!("/api/v1/attendees/{attendee_id}"),
            Some(&session.organizer),
            None,
        )
        .await;
    assert_eq!(status, 204);
    assert_eq!(ana.recv_close().await, Some(1008), "their socket is closed");
    assert_eq!(
        watcher.recv_event("question.removed").await["data"]["id"],
        q.as_str()
    );
    let (status, _) = server.get("/api/v1/me", Some(&token)).await;
    assert_eq!(status, 401);
    let (_, snap) = Client::joined(&server, &session.speaker, None, None).await;
    assert!(
        !snap.to_string().contains("Ana"),
        "nothing of Ana remains: {snap}"
    );
    let other = snap["questions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["id"] == other_q.as_str())
        .unwrap();
    assert_eq!(other["upvotes"], 0, "her upvote is taken back");
    assert_eq!(
        snap["polls"][0]["results"],
        json!({ "ballots": 0, "counts": {} }),
        "her ballot is taken back"
    );
    let (_, replay) = server
        .get(
            &format!("/api/v1/sessions/{}/events?since=0", session.id),
            Some(&watcher_token),
        )
        .await;
    assert!(!replay.to_string().contains("Ana's question"), "{replay}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deleting_an_event_deletes_everything_of_it() {
    let server = TestServer::start().await;
    let session = server.session(json!({})).await;
    let token = server.join(&session.code, Some("Bo")).await;
    let (mut bo, _) = Client::joined(&server, &token, None, None).await;
    bo.call("question.ask", json!({ "body": "gone soon" }))
        .await;
    let (status, _) = server
        .call(
            Method::DELETE,
            &format!("/api/v1/events/{}", session.event_id),
            Some(&session.organizer),
            None,
        )
        .await;
    assert_eq!(status, 204);
    assert_eq!(bo.recv_close().await, Some(4003));
    for table in [
        "events",
        "sessions",
        "attendees",
        "tokens",
        "notes",
        "questions",
        "session_log",
        "audit_log",
    ] {
        let rows = server
            .backend
            .query(&format!("SELECT COUNT(*) FROM {table}"));
        assert_eq!(rows[0][0], "0", "{table} still has rows");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retention_removes_personal_data_of_ended_events() {
    let server = TestServer::start().await;
    let (event_id, organizer) = server.event().await;
    let (status, _) = server
        .call(
            Method::PATCH,
            &format!("/api/v1/events/{event_id}"),
            Some(&organizer),
            Some(json!({ "settings": { "retention_days": 30 } })),
        )
        .await;
    assert_eq!(status, 200);
    let (_, created) = server
        .post(
            &format!("/api/v1/events/{event_id}/sessions"),
            Some(&organizer),
            json!({ "title": "Old talk" }),
        )
        .await;
    let (session_id, code, speaker) = (
        s(&created["id"]),
        s(&created["join_code"]),
        s(&created["speaker_token"]),
    );
    let token = server.join(&code, Some("Cy")).await;
    server
        .post(
            &format!("/api/v1/sessions/{session_id}/start"),
            Some(&speaker),
            json!({}),
        )
        .await;
    let (status, _) = server
        .post(
            &format!("/api/v1/sessions/{session_id}/questions"),
            Some(&token),
            json!({ "body": "kept, without a name", "anonymous": false }),
        )
        .await;
    assert_eq!(status, 201);
    server
        .post(
            &format!("/api/v1/sessions/{session_id}/end"),
            Some(&speaker),
            json!({}),
        )
        .await;
    // Pretend it ended 31 days ago, then restart: retention runs at start.
    let long_ago = backchannel::domain::time::now_ms() - 31 * 24 * 3600 * 1000;
    server.backend.execute(&format!(
        "UPDATE sessions SET ended_at = {long_ago} WHERE id = '{session_id}'"
    ));
    let server = server.restart().await;
    let mut anonymized = false;
    for _ in 0..100 {
        if server.backend.query(&format!(
            "SELECT display_name FROM attendees WHERE session_id = '{session_id}'"
        ))[0][0]
            .is_empty()
        {
            anonymized = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert!(anonymized, "the display name is still stored");
    let (status, _) = server.get("/api/v1/me", Some(&token)).await;
    assert_eq!(status, 401, "attendee tokens are gone");
    let (_, snap) = Client::joined(&server, &speaker, None, None).await;
    assert_eq!(snap["questions"][0]["body"], "kept, without a name");
    assert_eq!(snap["questions"][0]["author_name"], serde_json::Value::Null);
}
