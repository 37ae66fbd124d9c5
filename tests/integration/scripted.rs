//! The scripted session the highlights tests share: notes (one deleted),
//! a pre-moderated question left pending, a hidden, a withdrawn and a
//! rejected one, upvotes, an answer with labels, a poll of each kind (plus a
//! draft and a deleted one), reactions; then ended, with every time the
//! exports show pinned in the store so their output is the same on every run.

use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{Backend, Session, TestServer, s};

/// Text that must never leave the store in any export.
pub const SECRETS: &[&str] = &[
    "PENDING SECRET",
    "HIDDEN SECRET",
    "WITHDRAWN SECRET",
    "REJECTED SECRET",
    "DELETED NOTE",
    "DRAFT POLL",
    "DELETED POLL",
];

/// 2026-05-04T09:00:00Z, the scheduled start.
pub const T0: i64 = 1_777_885_200_000;

/// Run a statement straight against the store (to pin times).
pub fn exec(backend: &Backend, sql: &str) {
    match backend {
        Backend::Sqlite(path) => {
            let db = rusqlite::Connection::open(path).expect("open sqlite");
            db.busy_timeout(std::time::Duration::from_secs(10)).unwrap();
            db.execute_batch(sql).expect("exec");
        }
        Backend::Postgres { url, schema } => {
            let (url, sql) = (url.clone(), format!("SET search_path TO {schema}; {sql}"));
            std::thread::spawn(move || {
                let mut c = postgres::Client::connect(&url, postgres::NoTls).expect("connect");
                c.batch_execute(&sql).expect("exec");
            })
            .join()
            .expect("exec thread");
        }
    }
}

/// The scripted session and the ids of what it holds.
pub struct Scripted {
    pub session: Session,
    pub attendees: Vec<String>,
    pub notes: Vec<String>,
    pub questions: Vec<String>,
    pub polls: Vec<String>,
}

pub async fn ok(
    server: &TestServer,
    method: Method,
    path: &str,
    token: &str,
    body: Option<Value>,
) -> Value {
    let (status, answer) = server.call(method, path, Some(token), body).await;
    assert!((200..300).contains(&status), "{path}: {status} {answer}");
    answer
}

/// Script a session through the REST API, end it, and pin its times.
pub async fn scripted(server: &TestServer) -> Scripted {
    let session = server
        .session(json!({
            "title": "Async Rust in practice",
            "abstract": "How we run **async** Rust in production.",
            "track": "Systems", "room": "Saal Ada",
            "speakers": [{ "name": "Zoë Müller", "affiliation": "Crab Co", "disclosure": "Paid by Crab Co to maintain tokio-utils" }],
            "stream_url": "https://www.youtube.com/watch?v=dQw4w9WgXcQ",
            "moderation": "pre",
            "starts_at": "2026-05-04T09:00:00Z", "ends_at": "2026-05-04T10:00:00Z",
        }))
        .await;
    let base = format!("/api/v1/sessions/{}", session.id);
    let sp = session.speaker.clone();
    let ana = server.join(&session.code, Some("Ana")).await;
    let ben = server.join(&session.code, None).await;
    let cleo = server.join(&session.code, Some("Cléo")).await;
    ok(server, Method::POST, &format!("{base}/start"), &sp, None).await;

    let note = |body: &str, takeaway: bool| json!({ "body": body, "takeaway": takeaway });
    let mut notes = Vec::new();
    for (body, takeaway) in [
        ("Ownership is checked at **compile time**.", false),
        ("Use `tokio::select!` for cancellation.\nAlways.", true),
        ("DELETED NOTE <b>gone</b>", false),
    ] {
        let ack = ok(
            server,
            Method::POST,
            &format!("{base}/notes"),
            &sp,
            Some(note(body, takeaway)),
        )
        .await;
        notes.push(s(&ack["result"]["id"]));
    }
    ok(
        server,
        Method::DELETE,
        &format!("{base}/notes/{}", notes[2]),
        &sp,
        None,
    )
    .await;

    let ask = |body: &str, anonymous: bool| json!({ "body": body, "anonymous": anonymous });
    let mut questions = Vec::new();
    for (who, body, anonymous) in [
        (&ana, "How does the executor scale?", false),
        (&ben, "What about no_std <targets>?", true),
        (&cleo, "PENDING SECRET question", false),
        (&ben, "HIDDEN SECRET question", true),
        (&ana, "WITHDRAWN SECRET question", true),
        (&cleo, "REJECTED SECRET question", true),
    ] {
        let ack = ok(
            server,
            Method::POST,
            &format!("{base}/questions"),
            who,
            Some(ask(body, anonymous)),
        )
        .await;
        questions.push(s(&ack["result"]["id"]));
    }
    let q = |i: usize| format!("{base}/questions/{}", questions[i]);
    for i in [0, 1, 3] {
        ok(
            server,
            Method::POST,
            &format!("{}/approve", q(i)),
            &sp,
            None,
        )
        .await;
    }
    ok(server, Method::POST, &format!("{}/hide", q(3)), &sp, None).await;
    ok(server, Method::POST, &format!("{}/reject", q(5)), &sp, None).await;
    ok(server, Method::DELETE, &q(4), &ana, None).await;
    for voter in [&ben, &cleo] {
        ok(
            server,
            Method::PUT,
            &format!("{}/upvote", q(0)),
            voter,
            Some(json!({ "up": true })),
        )
        .await;
    }
    ok(
        server,
        Method::PUT,
        &format!("{}/upvote", q(1)),
        &ana,
        Some(json!({ "up": true })),
    )
    .await;
    ok(
        server,
        Method::POST,
        &format!("{}/answer", q(0)),
        &sp,
        Some(json!({ "answered": true, "reply": "It scales **linearly** to 64 cores." })),
    )
    .await;
    ok(
        server,
        Method::PUT,
        &format!("{}/labels", q(0)),
        &sp,
        Some(json!({ "labels": ["performance", "runtime"] })),
    )
    .await;

    let mut polls = Vec::new();
    let specs = [
        json!({ "kind": "single_choice", "question": "Tabs or spaces?", "options": ["Tabs", "Spaces"], "open": true }),
        json!({ "kind": "multiple_choice", "question": "Which runtimes do you use?", "options": ["tokio", "smol", "embassy"], "open": true, "results_live": true }),
        json!({ "kind": "rating", "question": "Rate the talk", "scale_max": 5, "open": true }),
        json!({ "kind": "word_cloud", "question": "One word for async Rust?", "open": true }),
        json!({ "kind": "single_choice", "question": "DRAFT POLL never opened", "options": ["a", "b"] }),
        json!({ "kind": "single_choice", "question": "DELETED POLL", "options": ["a", "b"], "open": true }),
    ];
    for spec in specs {
        let ack = ok(
            server,
            Method::POST,
            &format!("{base}/polls"),
            &sp,
            Some(spec),
        )
        .await;
        polls.push(s(&ack["result"]["id"]));
    }
    let ballots = [
        (0, &ana, json!({ "option": 0 })),
        (0, &ben, json!({ "option": 1 })),
        (0, &cleo, json!({ "option": 1 })),
        (1, &ana, json!({ "options": [0, 2] })),
        (1, &ben, json!({ "options": [0] })),
        (2, &ana, json!({ "rating": 5 })),
        (2, &ben, json!({ "rating": 4 })),
        (3, &ana, json!({ "text": "Fast" })),
        (3, &ben, json!({ "text": " fast " })),
        (3, &cleo, json!({ "text": "Tricky" })),
    ];
    for (i, who, ballot) in ballots {
        ok(
            server,
            Method::PUT,
            &format!("{base}/polls/{}/ballot", polls[i]),
            who,
            Some(ballot),
        )
        .await;
    }
    for poll in &polls[..3] {
        ok(
            server,
            Method::POST,
            &format!("{base}/polls/{poll}/close"),
            &sp,
            None,
        )
        .await;
    }
    ok(
        server,
        Method::DELETE,
        &format!("{base}/polls/{}", polls[5]),
        &sp,
        None,
    )
    .await;

    for (who, emoji, times) in [(&ana, "👏", 3), (&ben, "🎉", 1)] {
        for _ in 0..times {
            ok(
                server,
                Method::POST,
                &format!("{base}/reactions"),
                who,
                Some(json!({ "emoji": emoji })),
            )
            .await;
        }
    }
    // Reactions are flushed every 250 ms (and not after the end): wait for them.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        let rows = server.backend.query(&format!(
            "SELECT COALESCE(SUM(count), 0) FROM reactions WHERE session_id = '{}'",
            session.id
        ));
        if rows[0][0] == "4" {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "reactions not flushed"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    ok(server, Method::POST, &format!("{base}/end"), &sp, None).await;
    pin_times(&server.backend, &session, &notes, &questions, &polls);
    Scripted {
        session,
        attendees: vec![ana, ben, cleo],
        notes,
        questions,
        polls,
    }
}

/// Pin every time the exports show, so they are the same on every run.
fn pin_times(
    backend: &Backend,
    session: &Session,
    notes: &[String],
    questions: &[String],
    polls: &[String],
) {
    let start = T0 + 60_000;
    let at = |secs: i64| start + secs * 1000;
    let mut sql = format!(
        "UPDATE sessions SET started_at = {}, ended_at = {}, peak_attendance = 3 WHERE id = '{}';
         UPDATE audit_log SET created_at = {} WHERE event_id = '{}';",
        start,
        at(3540),
        session.id,
        at(3000),
        session.event_id
    );
    for (id, secs) in notes.iter().zip([65, 754, 800]) {
        sql += &format!(
            "UPDATE notes SET created_at = {0}, updated_at = {0} WHERE id = '{id}';",
            at(secs)
        );
    }
    for (id, secs) in questions.iter().zip([200, 300, 310, 320, 330, 340]) {
        sql += &format!(
            "UPDATE questions SET created_at = {0}, updated_at = {0} WHERE id = '{id}';",
            at(secs)
        );
    }
    sql += &format!(
        "UPDATE questions SET answered_at = {} WHERE id = '{}';",
        at(1500),
        questions[0]
    );
    for (id, secs) in polls.iter().zip([600, 800, 900, 3700, 950, 960]) {
        sql += &format!(
            "UPDATE polls SET created_at = {0}, opened_at = CASE WHEN opened_at IS NULL THEN NULL ELSE {0} END,
                    closed_at = CASE WHEN closed_at IS NULL THEN NULL ELSE {1} END WHERE id = '{id}';",
            at(secs),
            at(secs + 60)
        );
    }
    exec(backend, &sql);
}
