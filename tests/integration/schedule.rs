//! Schedule import and export: a realistic pretalx schedule (three days,
//! three rooms, unicode names, a talk after midnight listed under the day
//! before) round-trips through Backchannel, over REST and on the command
//! line (which also exports highlights straight from the store).

use std::collections::BTreeMap;
use std::process::Command;

use serde_json::{Value, json};

use crate::helpers::TestServer;

const FIXTURE: &str = include_str!("../fixtures/schedule.pretalx.json");

/// Every talk of a schedule by guid, with the day and room it is listed under.
fn talks(doc: &Value) -> BTreeMap<String, (String, String, Value)> {
    let mut out = BTreeMap::new();
    for day in doc["schedule"]["conference"]["days"].as_array().unwrap() {
        for (room, list) in day["rooms"].as_object().unwrap() {
            for talk in list.as_array().unwrap() {
                let guid = talk["guid"].as_str().unwrap().to_string();
                out.insert(
                    guid,
                    (
                        day["date"].as_str().unwrap().to_string(),
                        room.clone(),
                        talk.clone(),
                    ),
                );
            }
        }
    }
    out
}

/// The exported schedule says what the imported one said.
fn assert_round_trip(exported: &Value, event_name: Option<&str>) {
    let original: Value = serde_json::from_str(FIXTURE).unwrap();
    let (a, b) = (talks(&original), talks(exported));
    assert_eq!(a.len(), 11);
    assert_eq!(a.keys().collect::<Vec<_>>(), b.keys().collect::<Vec<_>>());
    for (guid, expected) in &a {
        assert_eq!(&b[guid], expected, "talk {guid} round-trips");
    }
    let (oc, ec) = (
        &original["schedule"]["conference"],
        &exported["schedule"]["conference"],
    );
    if let Some(name) = event_name {
        assert_eq!(ec["title"], name, "the event's name is Backchannel's");
    } else {
        assert_eq!(oc["title"], ec["title"]);
    }
    for key in [
        "acronym",
        "start",
        "end",
        "daysCount",
        "time_zone_name",
        "rooms",
        "tracks",
        "timeslot_duration",
    ] {
        assert_eq!(oc[key], ec[key], "conference.{key}");
    }
    let days = |c: &Value| {
        c["days"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| {
                (
                    d["index"].clone(),
                    d["date"].clone(),
                    d["day_start"].clone(),
                    d["day_end"].clone(),
                )
            })
            .collect::<Vec<_>>()
    };
    assert_eq!(days(oc), days(ec));
    assert_eq!(
        original["schedule"]["version"],
        exported["schedule"]["version"]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pretalx_schedule_round_trips_over_rest() {
    let server = TestServer::start().await;
    let (event_id, organizer) = server.event().await;
    let path = format!("/api/v1/events/{event_id}/schedule");
    let post = |token: &str| {
        server
            .http
            .post(server.url(&path))
            .bearer_auth(token.to_string())
            .header("content-type", "application/json")
            .body(FIXTURE)
            .send()
    };
    let resp = post(&organizer).await.unwrap();
    assert_eq!(resp.status(), 200);
    let report: Value = resp.json().await.unwrap();
    assert_eq!(report, json!({ "created": 11, "updated": 0 }));

    let (status, sessions) = server
        .get(&format!("/api/v1/events/{event_id}/sessions"), None)
        .await;
    assert_eq!(status, 200);
    let sessions = sessions.as_array().unwrap();
    assert_eq!(sessions.len(), 11);
    let opening = sessions
        .iter()
        .find(|s| s["title"] == "Opening: the state of async Rust")
        .unwrap();
    assert_eq!(opening["starts_at"], "2026-05-04T07:30:00Z");
    assert_eq!(opening["ends_at"], "2026-05-04T08:15:00Z");
    assert_eq!(opening["room"], "Saal Ada");
    assert_eq!(opening["track"], "Systems");
    assert_eq!(
        opening["speakers"],
        json!([{ "name": "Zoë Müller", "affiliation": null, "disclosure": null }])
    );
    assert!(
        sessions
            .iter()
            .any(|s| s["speakers"][0]["name"] == "李小龍")
    );
    assert!(sessions.iter().any(|s| s["room"] == "Stage Ørsted"));

    let (status, exported) = server.get(&path, None).await;
    assert_eq!(status, 200);
    assert_round_trip(&exported, Some("Test Conf"));

    // Importing again updates the same sessions (keyed by guid): nothing new.
    let report: Value = post(&organizer).await.unwrap().json().await.unwrap();
    assert_eq!(report, json!({ "created": 0, "updated": 11 }));
    let (_, again) = server
        .get(&format!("/api/v1/events/{event_id}/sessions"), None)
        .await;
    assert_eq!(again.as_array().unwrap().len(), 11);

    // A change made in Backchannel shows in the export; the rest stays as imported.
    let id = opening["id"].as_str().unwrap();
    let (status, _) = server
        .call(
            reqwest::Method::PATCH,
            &format!("/api/v1/sessions/{id}"),
            Some(&organizer),
            Some(json!({ "title": "Opening: async Rust in 2026", "room": "Raum Grace" })),
        )
        .await;
    assert_eq!(status, 200);
    let (_, exported) = server.get(&path, None).await;
    let opening_guid = "5c4ed01e-0000-0000-0000-000000000001";
    let (_, room, talk) = &talks(&exported)[opening_guid];
    assert_eq!(room, "Raum Grace");
    assert_eq!(talk["title"], "Opening: async Rust in 2026");
    assert_eq!(talk["room"], "Raum Grace");
    assert_eq!(
        talk["subtitle"], "",
        "fields Backchannel does not model survive"
    );
    assert_eq!(
        talk["persons"][0]["biography"],
        "Maintains a scheduler written in Rust."
    );

    // Bad input changes nothing.
    let resp = server
        .http
        .post(server.url(&path))
        .bearer_auth(&organizer)
        .body(r#"{"schedule": {"conference": {"days": [{"date": "2026-05-04", "rooms": {"A": [{"title": "x", "start": "soon"}]}}]}}}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 422);
    let problem: Value = resp.json().await.unwrap();
    assert!(
        problem["detail"].as_str().unwrap().contains("start"),
        "{problem}"
    );
    let (_, after) = server
        .get(&format!("/api/v1/events/{event_id}/sessions"), None)
        .await;
    assert_eq!(after.as_array().unwrap().len(), 11);
    let resp = post("bca_not-a-token").await.unwrap();
    assert_eq!(resp.status(), 401);
}

fn cli(server: &TestServer, args: &[&str]) -> (String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_backchannel"))
        .args(args)
        .arg("--database-url")
        .arg(server.backend.url_string())
        .env("RUST_LOG", "warn")
        .env_remove("DATABASE_URL")
        .output()
        .expect("run backchannel");
    let (stdout, stderr) = (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    );
    assert!(
        out.status.success(),
        "backchannel {args:?} failed:\n{stdout}\n{stderr}"
    );
    (stdout, stderr)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_command_line_imports_exports_and_writes_highlights() {
    let server = TestServer::start().await;
    // Running (and so migrated) before the command line opens the same store.
    assert_eq!(server.get("/readyz", None).await.0, 200);
    let dir = tempfile::tempdir().unwrap();
    let fixture = dir.path().join("schedule.json");
    std::fs::write(&fixture, FIXTURE).unwrap();

    // Import into a new event (the server is running: the store is shared).
    let (stdout, _) = cli(&server, &["import-schedule", fixture.to_str().unwrap()]);
    assert!(stdout.contains("11 sessions created"), "{stdout}");
    let event_id = stdout
        .split_whitespace()
        .nth(1)
        .unwrap()
        .trim_end_matches(':')
        .to_string();
    let token = stdout
        .lines()
        .find_map(|l| l.split("(shown once): ").nth(1))
        .unwrap()
        .trim()
        .to_string();
    let (status, event) = server
        .get(&format!("/api/v1/events/{event_id}"), None)
        .await;
    assert_eq!(status, 200);
    assert_eq!(event["name"], "RustFest Zürich 2026");
    assert_eq!(event["timezone"], "Europe/Berlin");
    let (status, _) = server
        .get(&format!("/api/v1/events/{event_id}/webhooks"), Some(&token))
        .await;
    assert_eq!(status, 200, "the printed organizer token works");

    let out = dir.path().join("exported.json");
    cli(
        &server,
        &[
            "export-schedule",
            "--event",
            &event_id,
            "--out",
            out.to_str().unwrap(),
        ],
    );
    let exported: Value = serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    assert_round_trip(&exported, None);
    let (stdout, _) = cli(&server, &["export-schedule", "--event", &event_id]);
    assert_eq!(
        serde_json::from_str::<Value>(&stdout).unwrap(),
        exported,
        "stdout by default"
    );

    // Highlights of every session, with progress per session on stderr.
    let target = dir.path().join("highlights");
    for format in ["md", "json", "csv", "html"] {
        let (stdout, stderr) = cli(
            &server,
            &[
                "export",
                "--event",
                &event_id,
                "--format",
                format,
                "--out",
                target.to_str().unwrap(),
            ],
        );
        assert!(stdout.contains("wrote 12 files"), "{stdout}");
        assert_eq!(
            stderr.lines().filter(|l| l.starts_with('[')).count(),
            11,
            "{stderr}"
        );
        assert!(stderr.contains("[11/11]"), "{stderr}");
        let ext = if format == "csv" { "zip" } else { format };
        let event_file = target.join(format!("rustfest-z-rich-2026-highlights.{ext}"));
        assert!(event_file.exists(), "{}", event_file.display());
    }
    let sessions = std::fs::read_dir(target.join("sessions")).unwrap().count();
    assert_eq!(sessions, 44, "11 sessions × 4 formats");
    let json: Value = serde_json::from_str(
        &std::fs::read_to_string(target.join("rustfest-z-rich-2026-highlights.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(json["sessions"].as_array().unwrap().len(), 11);
    assert_eq!(json["audit"], json!([]));
    // The server keeps serving after the offline tools ran.
    assert_eq!(server.get("/readyz", None).await.0, 200);
}
