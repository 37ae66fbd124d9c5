//! The REST API: events and sessions, joining, tokens, the OpenAPI document.

use reqwest::Method;
use serde_json::json;

use crate::helpers::{ADMIN, Client, TestServer, s};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn events_and_sessions_lifecycle() {
    let server = TestServer::start().await;
    let (status, event) = server
        .post(
            "/api/v1/events",
            Some(ADMIN),
            json!({ "name": "RustFest", "timezone": "Europe/Berlin", "starts_on": "2026-05-04" }),
        )
        .await;
    assert_eq!(status, 201, "{event}");
    let event_id = s(&event["id"]);
    let organizer = s(&event["organizer_token"]);
    assert!(organizer.starts_with("bco_"));

    let (status, got) = server
        .get(&format!("/api/v1/events/{event_id}"), None)
        .await;
    assert_eq!(status, 200);
    assert_eq!(got["name"], "RustFest");
    assert!(got.get("organizer_token").is_none());

    let (status, patched) = server
        .call(
            Method::PATCH,
            &format!("/api/v1/events/{event_id}"),
            Some(&organizer),
            Some(json!({ "name": "RustFest 26" })),
        )
        .await;
    assert_eq!(status, 200, "{patched}");
    assert_eq!(patched["name"], "RustFest 26");
    assert_eq!(patched["timezone"], "Europe/Berlin");

    let body = json!({
        "title": "Ownership, live",
        "speakers": [{ "name": "Ferris", "affiliation": "Crab Co", "disclosure": "Paid by Crab Co" }],
        "track": "Main", "starts_at": "2026-05-04T09:00:00Z", "ends_at": "2026-05-04T09:45:00Z",
        "stream_url": "https://www.youtube.com/embed/abc", "moderation": "pre"
    });
    let (status, created) = server
        .post(
            &format!("/api/v1/events/{event_id}/sessions"),
            Some(&organizer),
            body,
        )
        .await;
    assert_eq!(status, 201, "{created}");
    let session_id = s(&created["id"]);
    assert_eq!(s(&created["join_code"]).len(), 7);
    assert!(s(&created["speaker_token"]).starts_with("bcs_"));
    assert_eq!(created["speakers"][0]["disclosure"], "Paid by Crab Co");
    assert_eq!(created["state"], "scheduled");

    let (status, list) = server
        .get(&format!("/api/v1/events/{event_id}/sessions"), None)
        .await;
    assert_eq!(status, 200);
    assert_eq!(list.as_array().unwrap().len(), 1);

    let (status, by_code) = server
        .get(
            &format!("/api/v1/join/{}", s(&created["join_code"]).to_lowercase()),
            None,
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(by_code["id"], session_id.as_str());

    let speaker = s(&created["speaker_token"]);
    let (status, patched) = server
        .call(
            Method::PATCH,
            &format!("/api/v1/sessions/{session_id}"),
            Some(&speaker),
            Some(json!({ "title": "Ownership, live!" })),
        )
        .await;
    assert_eq!(status, 200, "{patched}");
    assert_eq!(patched["title"], "Ownership, live!");

    let (status, _) = server
        .call(
            Method::DELETE,
            &format!("/api/v1/sessions/{session_id}"),
            Some(&speaker),
            None,
        )
        .await;
    assert_eq!(status, 403, "a speaker cannot delete the session");
    let (status, _) = server
        .call(
            Method::DELETE,
            &format!("/api/v1/sessions/{session_id}"),
            Some(&organizer),
            None,
        )
        .await;
    assert_eq!(status, 204);
    let (status, _) = server
        .get(&format!("/api/v1/sessions/{session_id}"), None)
        .await;
    assert_eq!(status, 404);

    let (status, _) = server
        .call(
            Method::DELETE,
            &format!("/api/v1/events/{event_id}"),
            Some(&organizer),
            None,
        )
        .await;
    assert_eq!(status, 204);
    let (status, body) = server
        .get(&format!("/api/v1/events/{event_id}"), None)
        .await;
    assert_eq!(status, 404);
    assert_eq!(body["code"], "not_found");
    let (status, _) = server.get("/api/v1/me", Some(&organizer)).await;
    assert_eq!(status, 401, "the deleted event's organizer token is gone");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_tokens_are_refused() {
    let server = TestServer::start().await;
    let session = server.session(json!({})).await;
    let other = server.session(json!({})).await;
    let attendee = server.join(&session.code, None).await;

    let (status, body) = server
        .post("/api/v1/events", None, json!({ "name": "x" }))
        .await;
    assert_eq!(status, 401);
    assert_eq!(body["code"], "unauthorized");
    let (status, _) = server
        .post(
            "/api/v1/events",
            Some("bco_not-a-real-token"),
            json!({ "name": "x" }),
        )
        .await;
    assert_eq!(status, 401);
    let (status, _) = server
        .post(
            "/api/v1/events",
            Some(&session.organizer),
            json!({ "name": "x" }),
        )
        .await;
    assert_eq!(status, 403);
    // Another event's organizer cannot schedule here.
    let (status, _) = server
        .post(
            &format!("/api/v1/events/{}/sessions", session.event_id),
            Some(&other.organizer),
            json!({ "title": "x" }),
        )
        .await;
    assert_eq!(status, 403);
    // An attendee cannot post notes; another session's speaker cannot either.
    for token in [&attendee, &other.speaker] {
        let (status, body) = server
            .post(
                &format!("/api/v1/sessions/{}/notes", session.id),
                Some(token),
                json!({ "body": "x" }),
            )
            .await;
        assert_eq!(status, 403, "{body}");
    }

    // Websocket: an unknown token is refused with an error and close 1008.
    let mut c = Client::connect(&server).await;
    c.send_json(json!({ "type": "join", "token": "bca_nope" }))
        .await;
    let err = c.recv().await;
    assert_eq!(err["type"], "error");
    assert_eq!(err["code"], "unauthorized");
    assert_eq!(c.recv_close().await, Some(1008));
    // Another session's speaker token cannot watch this session.
    let mut c = Client::connect(&server).await;
    c.send_json(json!({ "type": "join", "token": other.speaker, "session_id": session.id }))
        .await;
    let err = c.recv().await;
    assert_eq!(err["code"], "forbidden", "{err}");
    assert_eq!(c.recv_close().await, Some(1008));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rotating_a_token_closes_its_sockets_with_1008() {
    let server = TestServer::start().await;
    let session = server.session(json!({})).await;
    let (mut speaker, _) = Client::joined(&server, &session.speaker, None, None).await;
    let (status, body) = server
        .post(
            &format!("/api/v1/sessions/{}/tokens/speaker", session.id),
            Some(&session.organizer),
            json!({}),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(speaker.recv_close().await, Some(1008));
    let (status, _) = server.get("/api/v1/me", Some(&session.speaker)).await;
    assert_eq!(status, 401);
    let (status, me) = server.get("/api/v1/me", Some(&s(&body["token"]))).await;
    assert_eq!(status, 200);
    assert_eq!(me["role"], "speaker");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn validation_errors_are_problem_documents() {
    let server = TestServer::start().await;
    let (event_id, organizer) = server.event().await;
    let cases = [
        (json!({ "title": "" }), 422),
        (
            json!({ "title": "x", "stream_url": "javascript:alert(1)" }),
            422,
        ),
        (json!({ "title": "x", "starts_at": "tomorrow" }), 422),
        (json!({ "title": "x", "unknown": 1 }), 422),
        (
            json!({ "title": "x", "starts_at": "2026-05-04T10:00:00Z", "ends_at": "2026-05-04T09:00:00Z" }),
            422,
        ),
    ];
    for (body, expected) in cases {
        let (status, problem) = server
            .post(
                &format!("/api/v1/events/{event_id}/sessions"),
                Some(&organizer),
                body.clone(),
            )
            .await;
        assert_eq!(status, expected, "{body} -> {problem}");
        assert_eq!(problem["status"], expected);
        assert!(problem["detail"].as_str().is_some_and(|d| !d.is_empty()));
    }
    let resp = server
        .http
        .post(server.url(&format!("/api/v1/events/{event_id}/sessions")))
        .bearer_auth(&organizer)
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 400);
    assert_eq!(resp.headers()["content-type"], "application/problem+json");
    let (status, _) = server
        .get(&format!("/api/v1/events/{event_id}/sessions"), None)
        .await;
    assert_eq!(status, 200);
    let (_, list) = server
        .get(&format!("/api/v1/events/{event_id}/sessions"), None)
        .await;
    assert_eq!(list, json!([]), "nothing half-stored");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn openapi_documents_every_route_and_ops_endpoints_answer() {
    let server = TestServer::start().await;
    let (status, spec) = server.get("/api/openapi.json", None).await;
    assert_eq!(status, 200);
    assert!(spec["openapi"].as_str().unwrap().starts_with("3."));
    let paths = spec["paths"].as_object().unwrap();
    for path in [
        "/api/v1/events",
        "/api/v1/events/{event_id}",
        "/api/v1/events/{event_id}/sessions",
        "/api/v1/sessions/{session_id}",
        "/api/v1/join",
        "/api/v1/sessions/{session_id}/notes",
        "/api/v1/sessions/{session_id}/snapshot",
        "/api/v1/sessions/{session_id}/events",
        "/api/v1/sessions/{session_id}/questions",
        "/api/v1/sessions/{session_id}/polls",
    ] {
        assert!(paths.contains_key(path), "missing {path}");
    }
    let (status, _) = server.get("/healthz", None).await;
    assert_eq!(status, 200);
    let (status, ready) = server.get("/readyz", None).await;
    assert_eq!(status, 200);
    assert_eq!(ready["store"], "ok");
    let metrics = server
        .http
        .get(server.url("/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(metrics.contains("backchannel_ws_connections"), "{metrics}");
    let page = server.http.get(server.url("/")).send().await.unwrap();
    assert!(
        page.headers()["content-security-policy"]
            .to_str()
            .unwrap()
            .contains("script-src 'self'")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_projector_token_reads_the_public_stream_only() {
    let server = TestServer::start().await;
    let session = server.session(json!({})).await;
    let (mut projector, snap) = Client::joined(&server, &session.projector, None, None).await;
    assert_eq!(snap["type"], "snapshot");
    assert_eq!(snap["role"], "projector");
    let reply = projector.call("note.post", json!({ "body": "x" })).await;
    assert_eq!(reply["code"], "forbidden");
    let reply = projector.call("question.ask", json!({ "body": "x" })).await;
    assert_eq!(reply["code"], "forbidden");
    let (status, _) = server
        .post(
            &format!("/api/v1/sessions/{}/notes", session.id),
            Some(&session.speaker),
            json!({ "body": "shown" }),
        )
        .await;
    assert_eq!(status, 201);
    assert_eq!(
        projector.recv_event("note.posted").await["data"]["body"],
        "shown"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_join_link_has_a_qr_code() {
    let server = TestServer::start().await;
    let session = server.session(json!({})).await;
    let resp = server
        .http
        .get(server.url(&format!("/api/v1/join/{}/qr.svg", session.code)))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.headers()["content-type"], "image/svg+xml");
    let svg = resp.text().await.unwrap();
    assert!(svg.contains("<svg") && svg.contains("<path"), "{svg}");
    let resp = server
        .http
        .get(server.url("/api/v1/join/ZZZZZZZ/qr.svg"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 404);
}
