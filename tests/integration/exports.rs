//! Highlights exports: a scripted session (notes, a pre-moderated, a hidden,
//! a withdrawn and a rejected question, upvotes, an answer, a poll of each
//! kind, reactions) exported in every format. Markdown and JSON are compared
//! with committed snapshots (ids and the export time normalised; every other
//! time is pinned in the store first); the CSV tables are read back and
//! compared with the store; the JSON is validated against
//! docs/export.schema.json; nothing hidden appears anywhere.
//! `BACKCHANNEL_UPDATE_SNAPSHOTS=1` rewrites the snapshots.

use std::collections::BTreeMap;
use std::io::Read;

use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{Backend, Client, TestServer, s};
use crate::scripted::{SECRETS, Scripted, ok, scripted};

/// Replace ids with `<id-N>` (in order of appearance) and the export time.
pub fn normalise(text: &str, generated: &str) -> String {
    let text = text.replace(generated, "<generated>");
    let bytes = text.as_bytes();
    let mut ids: BTreeMap<String, usize> = BTreeMap::new();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < text.len() {
        if i + 36 <= text.len()
            && text.is_char_boundary(i)
            && text.is_char_boundary(i + 36)
            && uuid::Uuid::try_parse(&text[i..i + 36]).is_ok()
            && bytes[i + 8] == b'-'
        {
            let next = ids.len() + 1;
            let n = *ids.entry(text[i..i + 36].to_string()).or_insert(next);
            out.push_str(&format!("<id-{n}>"));
            i += 36;
        } else {
            let c = text[i..].chars().next().unwrap();
            out.push(c);
            i += c.len_utf8();
        }
    }
    out
}

/// Replace the time in Markdown's `Exported YYYY-MM-DD HH:MM:SS UTC.` line.
pub fn exported_line(md: &str) -> String {
    md.lines()
        .map(|l| match l.strip_prefix("Exported ") {
            Some(rest) if rest.ends_with(" UTC.") => "Exported <generated>.".to_string(),
            _ => l.to_string(),
        })
        .collect::<Vec<_>>()
        .join("\n")
        + "\n"
}

/// Compare with a committed snapshot (or rewrite it).
pub fn snapshot(name: &str, actual: &str) {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/exports")
        .join(name);
    if std::env::var_os("BACKCHANNEL_UPDATE_SNAPSHOTS").is_some() {
        std::fs::write(&path, actual).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "{}: {e} (run with BACKCHANNEL_UPDATE_SNAPSHOTS=1)",
            path.display()
        )
    });
    if expected != actual {
        let line = expected
            .lines()
            .zip(actual.lines())
            .position(|(a, b)| a != b)
            .unwrap_or(expected.lines().count().min(actual.lines().count()));
        panic!(
            "{name} differs from its snapshot at line {}:\n  expected: {:?}\n  actual:   {:?}\n(run with BACKCHANNEL_UPDATE_SNAPSHOTS=1 to accept)",
            line + 1,
            expected.lines().nth(line),
            actual.lines().nth(line)
        );
    }
}

/// GET an export; returns (status, headers, bytes).
pub async fn download(
    server: &TestServer,
    path: &str,
    token: &str,
) -> (u16, reqwest::header::HeaderMap, Vec<u8>) {
    let resp = server
        .http
        .get(server.url(path))
        .bearer_auth(token)
        .send()
        .await
        .expect("request");
    let status = resp.status().as_u16();
    let headers = resp.headers().clone();
    (status, headers, resp.bytes().await.expect("body").to_vec())
}

fn unzip(bytes: &[u8]) -> BTreeMap<String, String> {
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).expect("a zip");
    let mut out = BTreeMap::new();
    for i in 0..zip.len() {
        let mut file = zip.by_index(i).unwrap();
        let mut text = String::new();
        file.read_to_string(&mut text).unwrap();
        out.insert(file.name().unwrap().to_string(), text);
    }
    out
}

fn table(text: &str) -> Vec<BTreeMap<String, String>> {
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let headers = reader.headers().unwrap().clone();
    reader
        .records()
        .map(|r| {
            let r = r.unwrap();
            headers
                .iter()
                .zip(r.iter())
                .map(|(h, v)| (h.to_string(), v.to_string()))
                .collect()
        })
        .collect()
}

fn assert_no_secrets(what: &str, text: &str) {
    for secret in SECRETS {
        assert!(!text.contains(secret), "{what} leaks {secret:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_scripted_session_exports_in_every_format() {
    let server = TestServer::start().await;
    let script = scripted(&server).await;
    let session = &script.session;
    let path = |f: &str| format!("/api/v1/sessions/{}/export?format={f}", session.id);

    // JSON: valid against the schema, equal to the snapshot.
    let (status, headers, bytes) = download(&server, &path("json"), &session.organizer).await;
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&bytes));
    assert_eq!(headers["content-type"], "application/json");
    assert_eq!(
        headers["content-disposition"],
        "attachment; filename=\"async-rust-in-practice-highlights.json\""
    );
    let doc: Value = serde_json::from_slice(&bytes).unwrap();
    let schema: Value =
        serde_json::from_str(include_str!("../../docs/export.schema.json")).unwrap();
    let validator = jsonschema::validator_for(&schema).expect("a valid schema");
    let errors: Vec<String> = validator
        .iter_errors(&doc)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "schema violations: {errors:#?}");
    let generated = s(&doc["generated_at"]);
    let text = String::from_utf8(bytes).unwrap();
    assert_no_secrets("json", &text);
    snapshot("session.json", &normalise(&text, &generated));
    let q = &doc["sessions"][0]["questions"];
    assert_eq!(
        q.as_array().unwrap().len(),
        2,
        "only the two visible questions"
    );
    assert_eq!(
        q[0]["answer_at"]["link"],
        "https://www.youtube.com/watch?v=dQw4w9WgXcQ&t=1500"
    );

    // Markdown.
    let (status, headers, bytes) = download(&server, &path("md"), &session.speaker).await;
    assert_eq!(status, 200, "the session's speaker exports it too");
    assert_eq!(headers["content-type"], "text/markdown; charset=utf-8");
    let md = String::from_utf8(bytes).unwrap();
    assert_no_secrets("markdown", &md);
    snapshot("session.md", &normalise(&exported_line(&md), "<generated>"));

    // HTML: escaped, self-contained, no script.
    let (status, headers, bytes) = download(&server, &path("html"), &session.organizer).await;
    assert_eq!(status, 200);
    assert_eq!(headers["content-type"], "text/html; charset=utf-8");
    let html = String::from_utf8(bytes).unwrap();
    assert_no_secrets("html", &html);
    assert!(
        html.contains("What about no_std &lt;targets&gt;?"),
        "question text is escaped"
    );
    assert!(!html.contains("<script"), "no script");
    assert!(html.contains("<style>"), "the file carries its styles");
    assert!(html.contains("href=\"https://www.youtube.com/watch?v=dQw4w9WgXcQ&amp;t=754\""));

    // CSV: read back and compared with the store.
    let (status, headers, bytes) = download(&server, &path("csv"), &session.organizer).await;
    assert_eq!(status, 200);
    assert_eq!(headers["content-type"], "application/zip");
    let files = unzip(&bytes);
    for (name, text) in &files {
        assert_no_secrets(name, text);
    }
    let names: Vec<&str> = files.keys().map(String::as_str).collect();
    assert_eq!(
        names,
        [
            "notes.csv",
            "polls.csv",
            "questions.csv",
            "reactions.csv",
            "sessions.csv"
        ]
    );
    check_csv_against_store(&server.backend, &script, &files);
}

fn check_csv_against_store(backend: &Backend, script: &Scripted, files: &BTreeMap<String, String>) {
    let sid = &script.session.id;
    let stored = backend.query(&format!(
        "SELECT id, body, upvotes, answered, COALESCE(answer, '') FROM questions
          WHERE session_id = '{sid}' AND state = 'visible' ORDER BY upvotes DESC, created_at"
    ));
    let rows = table(&files["questions.csv"]);
    assert_eq!(rows.len(), stored.len());
    for (row, db) in rows.iter().zip(&stored) {
        assert_eq!(row["question_id"], db[0]);
        assert_eq!(row["body"], db[1]);
        assert_eq!(row["upvotes"], db[2]);
        assert_eq!(row["answered"], if db[3] == "1" { "true" } else { "false" });
        assert_eq!(row["answer"], db[4]);
        assert_eq!(row["session_id"], *sid);
    }
    assert_eq!(rows[0]["offset"], "03:20");
    assert_eq!(rows[0]["labels"], "performance; runtime");

    let stored = backend.query(&format!(
        "SELECT id, body, takeaway FROM notes WHERE session_id = '{sid}' AND deleted_at IS NULL ORDER BY created_at"
    ));
    let rows = table(&files["notes.csv"]);
    assert_eq!(rows.len(), 2);
    for (row, db) in rows.iter().zip(&stored) {
        assert_eq!(
            (row["note_id"].as_str(), row["body"].as_str()),
            (db[0].as_str(), db[1].as_str())
        );
        assert_eq!(row["takeaway"], if db[2] == "1" { "true" } else { "false" });
    }

    let rows = table(&files["polls.csv"]);
    let tallies = backend.query(&format!(
        "SELECT t.poll_id, t.key, t.count FROM poll_tallies t JOIN polls p ON p.id = t.poll_id
          WHERE p.session_id = '{sid}' AND p.state <> 'draft'"
    ));
    assert!(!tallies.is_empty());
    for t in &tallies {
        let row = rows
            .iter()
            .find(|r| r["poll_id"] == t[0] && r["result_key"] == t[1])
            .unwrap_or_else(|| panic!("no CSV row for tally {t:?}"));
        assert_eq!(row["count"], t[2]);
    }
    let polls_in_csv: std::collections::BTreeSet<&str> =
        rows.iter().map(|r| r["poll_id"].as_str()).collect();
    assert_eq!(
        polls_in_csv.len(),
        4,
        "four opened polls; no draft, no deleted one"
    );
    assert!(
        rows.iter()
            .any(|r| r["result_label"] == "Spaces" && r["count"] == "2")
    );
    assert!(
        rows.iter()
            .any(|r| r["result_label"] == "fast" && r["count"] == "2")
    );

    let rows = table(&files["sessions.csv"]);
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0]["total_attendance"], "3");
    assert_eq!(rows[0]["peak_attendance"], "3");
    let rows = table(&files["reactions.csv"]);
    assert_eq!(rows.len(), 2);
    assert_eq!(
        (rows[0]["emoji"].as_str(), rows[0]["count"].as_str()),
        ("👏", "3")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_event_export_covers_every_session_and_the_audit_log() {
    let server = TestServer::start().await;
    let script = scripted(&server).await;
    let session = &script.session;
    // A second session in the same event, live, with one note.
    let (status, second) = server
        .post(
            &format!("/api/v1/events/{}/sessions", session.event_id),
            Some(&session.organizer),
            json!({ "title": "Second talk", "starts_at": "2026-05-04T11:00:00Z" }),
        )
        .await;
    assert_eq!(status, 201, "{second}");
    let second_id = s(&second["id"]);
    let speaker2 = s(&second["speaker_token"]);
    ok(
        &server,
        Method::POST,
        &format!("/api/v1/sessions/{second_id}/start"),
        &speaker2,
        None,
    )
    .await;
    ok(
        &server,
        Method::POST,
        &format!("/api/v1/sessions/{second_id}/notes"),
        &speaker2,
        Some(json!({ "body": "Live right now" })),
    )
    .await;

    let path = |f: &str| format!("/api/v1/events/{}/export?format={f}", session.event_id);
    let (status, _, bytes) = download(&server, &path("json"), &session.speaker).await;
    assert_eq!(status, 403, "a speaker cannot export the whole event");
    let (status, _, _) = download(&server, &path("json"), &script.attendees[0]).await;
    assert_eq!(status, 403);
    let (status, _, bytes2) = download(&server, &path("json"), &session.organizer).await;
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&bytes));
    let doc: Value = serde_json::from_slice(&bytes2).unwrap();
    let schema: Value =
        serde_json::from_str(include_str!("../../docs/export.schema.json")).unwrap();
    assert!(jsonschema::validator_for(&schema).unwrap().is_valid(&doc));
    assert_eq!(doc["scope"], "event");
    let sessions = doc["sessions"].as_array().unwrap();
    assert_eq!(sessions.len(), 2);
    assert_eq!(
        sessions[1]["state"], "live",
        "a live session exports as a snapshot"
    );
    assert_eq!(sessions[1]["notes"][0]["body"], "Live right now");
    let actions: Vec<&str> = doc["audit"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    for action in [
        "question.approve",
        "question.hide",
        "question.reject",
        "note.delete",
        "poll.delete",
    ] {
        assert!(actions.contains(&action), "audit has {action}: {actions:?}");
    }

    for format in ["md", "html", "csv"] {
        let (status, headers, bytes) = download(&server, &path(format), &session.organizer).await;
        assert_eq!(status, 200, "{format}");
        let name = headers["content-disposition"].to_str().unwrap().to_string();
        assert!(
            name.starts_with("attachment; filename=\"test-conf-highlights."),
            "{name}"
        );
        let text = if format == "csv" {
            let files = unzip(&bytes);
            assert!(
                files.contains_key("audit.csv"),
                "the organizer's CSV has the audit log"
            );
            assert_eq!(table(&files["sessions.csv"]).len(), 2);
            files.values().cloned().collect::<Vec<_>>().join("\n")
        } else {
            String::from_utf8(bytes).unwrap()
        };
        // The audit log records what was hidden (its detail is the text), so
        // only the content sections are checked here: no hidden question is
        // listed as a question.
        assert!(text.contains("Second talk"), "{format}");
        assert!(
            text.contains("Moderation audit log") || format == "csv",
            "{format}"
        );
    }
    let md = String::from_utf8(download(&server, &path("md"), &session.organizer).await.2).unwrap();
    let questions = md.split("Moderation audit log").next().unwrap();
    assert_no_secrets("event markdown before the audit log", questions);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exports_need_the_right_token_and_a_known_format() {
    let server = TestServer::start().await;
    let session = server.session(json!({})).await;
    let other = server.session(json!({})).await;
    let attendee = server.join(&session.code, None).await;
    let path = format!("/api/v1/sessions/{}/export?format=md", session.id);
    for (token, expected) in [
        (attendee.as_str(), 403),
        (session.projector.as_str(), 403),
        (other.speaker.as_str(), 403),
        (other.organizer.as_str(), 403),
        (session.speaker.as_str(), 200),
        (session.organizer.as_str(), 200),
        (crate::helpers::ADMIN, 200),
    ] {
        let (status, _, _) = download(&server, &path, token).await;
        assert_eq!(status, expected, "token {token}");
    }
    let (status, body) = server
        .get(
            &format!("/api/v1/sessions/{}/export?format=pdf", session.id),
            Some(&session.organizer),
        )
        .await;
    assert_eq!(status, 400, "{body}");
    let (status, _) = server.get(&path, None).await;
    assert_eq!(status, 401);
    // A scheduled session (never live) exports with no timeline.
    let (status, _, bytes) =
        download(&server, &path.replace("=md", "=json"), &session.organizer).await;
    assert_eq!(status, 200);
    let doc: Value = serde_json::from_slice(&bytes).unwrap();
    assert_eq!(doc["sessions"][0]["state"], "scheduled");
    assert_eq!(doc["sessions"][0]["started_at"], Value::Null);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_attendance_peak_is_recorded_while_attendees_are_connected() {
    let server = TestServer::start().await;
    let session = server.session(json!({})).await;
    let mut clients = Vec::new();
    for _ in 0..2 {
        let token = server.join(&session.code, None).await;
        clients.push(Client::joined(&server, &token, None, None).await.0);
    }
    // Written every 5 s while anyone is connected.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(15);
    loop {
        let rows = server.backend.query(&format!(
            "SELECT peak_attendance FROM sessions WHERE id = '{}'",
            session.id
        ));
        if rows[0][0] == "2" {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "peak not recorded: {rows:?}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    drop(clients);
    let path = format!("/api/v1/sessions/{}/export?format=json", session.id);
    let (status, _, bytes) = download(&server, &path, &session.organizer).await;
    assert_eq!(status, 200);
    let doc: Value = serde_json::from_slice(&bytes).unwrap();
    assert_eq!(
        doc["sessions"][0]["attendance"],
        json!({ "peak": 2, "total": 2 })
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_highlights_routes_are_in_the_openapi_document() {
    let server = TestServer::start().await;
    let (status, spec) = server.get("/api/openapi.json", None).await;
    assert_eq!(status, 200);
    for path in [
        "/api/v1/sessions/{session_id}/export",
        "/api/v1/events/{event_id}/export",
        "/api/v1/events/{event_id}/archive",
        "/api/v1/sessions/{session_id}/me/stars/{kind}/{target_id}",
        "/api/v1/sessions/{session_id}/me/stars",
        "/api/v1/sessions/{session_id}/me/takeaways.md",
        "/api/v1/events/{event_id}/schedule",
        "/api/v1/events/{event_id}/webhooks",
        "/api/v1/events/{event_id}/webhooks/{webhook_id}",
        "/api/v1/events/{event_id}/webhooks/deliveries",
    ] {
        assert!(spec["paths"].get(path).is_some(), "{path} is documented");
    }
    let params = &spec["paths"]["/api/v1/sessions/{session_id}/export"]["get"]["parameters"];
    assert!(params.to_string().contains("\"format\""), "{params}");
}
