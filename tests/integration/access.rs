//! A2: every REST route and every websocket command, tried with tokens of the
//! wrong event, the wrong session and the wrong role, is refused.

use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{Client, Session, TestServer, s};

/// Ids of things in a session, to fill path parameters.
struct Fixture {
    session: Session,
    note: String,
    question: String,
    poll: String,
    attendee_id: String,
    attendee: String,
}

async fn fixture(server: &TestServer) -> Fixture {
    let session = server.session(json!({})).await;
    let attendee = server.join(&session.code, None).await;
    let (_, me) = server.get("/api/v1/me", Some(&attendee)).await;
    let base = format!("/api/v1/sessions/{}", session.id);
    let (_, note) = server
        .post(
            &format!("{base}/notes"),
            Some(&session.speaker),
            json!({ "body": "n" }),
        )
        .await;
    let (_, question) = server
        .post(
            &format!("{base}/questions"),
            Some(&attendee),
            json!({ "body": "q" }),
        )
        .await;
    let (_, poll) = server
        .post(
            &format!("{base}/polls"),
            Some(&session.speaker),
            json!({ "kind": "rating", "question": "?", "open": true }),
        )
        .await;
    Fixture {
        note: s(&note["result"]["id"]),
        question: s(&question["result"]["id"]),
        poll: s(&poll["result"]["id"]),
        attendee_id: s(&me["attendee_id"]),
        attendee,
        session,
    }
}

/// A minimal body of the right shape for an operation's request schema:
/// required fields filled, enums with their first value.
fn example(schema: &Value, spec: &Value, depth: usize) -> Value {
    if depth > 8 {
        return Value::Null;
    }
    if let Some(r) = schema["$ref"].as_str() {
        let name = r.rsplit('/').next().unwrap_or_default();
        return example(&spec["components"]["schemas"][name], spec, depth + 1);
    }
    for key in ["oneOf", "anyOf", "allOf"] {
        if let Some(first) = schema[key]
            .as_array()
            .and_then(|a| a.iter().find(|s| s["type"] != "null"))
        {
            return example(first, spec, depth + 1);
        }
    }
    if let Some(values) = schema["enum"].as_array() {
        return values.first().cloned().unwrap_or(Value::Null);
    }
    let kind = match &schema["type"] {
        Value::Array(kinds) => kinds
            .iter()
            .find(|k| *k != "null")
            .cloned()
            .unwrap_or(Value::Null),
        other => other.clone(),
    };
    match kind.as_str() {
        Some("object") => {
            let mut out = serde_json::Map::new();
            for name in schema["required"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|n| n.as_str())
            {
                out.insert(
                    name.to_string(),
                    example(&schema["properties"][name], spec, depth + 1),
                );
            }
            Value::Object(out)
        }
        Some("array") => json!([]),
        Some("integer") | Some("number") => json!(1),
        Some("boolean") => json!(true),
        Some("string") => json!("x"),
        _ => json!({}),
    }
}

fn fill(path: &str, f: &Fixture) -> String {
    path.replace("{event_id}", &f.session.event_id)
        .replace("{session_id}", &f.session.id)
        .replace("{note_id}", &f.note)
        .replace("{question_id}", &f.question)
        .replace("{poll_id}", &f.poll)
        .replace("{attendee_id}", &f.attendee_id)
        .replace("{code}", &f.session.code)
        .replace("{kind}", "speaker")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_rest_route_refuses_tokens_of_another_event_or_session() {
    let server = TestServer::start().await;
    let here = fixture(&server).await;
    let elsewhere = fixture(&server).await;
    let (_, spec) = server.get("/api/openapi.json", None).await;
    let wrong = [
        (
            "organizer of another event",
            elsewhere.session.organizer.clone(),
        ),
        (
            "speaker of another session",
            elsewhere.session.speaker.clone(),
        ),
        (
            "projector of another session",
            elsewhere.session.projector.clone(),
        ),
        ("attendee of another session", elsewhere.attendee.clone()),
    ];
    let mut checked = 0;
    for (path, item) in spec["paths"].as_object().unwrap() {
        if path.starts_with("/api/v1/me") {
            continue; // describes or revokes the caller's own token
        }
        for (method, op) in item.as_object().unwrap() {
            let Ok(method) = method.to_uppercase().parse::<Method>() else {
                continue;
            };
            if op.get("security").is_none() {
                continue; // public
            }
            let mut url = fill(path, &here);
            let query: Vec<String> = op["parameters"]
                .as_array()
                .into_iter()
                .flatten()
                .filter(|p| p["in"] == "query" && p["required"] == true)
                .map(|p| format!("{}=0", p["name"].as_str().unwrap_or_default()))
                .collect();
            if !query.is_empty() {
                url = format!("{url}?{}", query.join("&"));
            }
            for (who, token) in &wrong {
                let body = op["requestBody"]["content"]["application/json"]["schema"]
                    .is_object()
                    .then(|| {
                        example(
                            &op["requestBody"]["content"]["application/json"]["schema"],
                            &spec,
                            0,
                        )
                    });
                let (status, answer) = server.call(method.clone(), &url, Some(token), body).await;
                assert!(
                    [401, 403, 404].contains(&status),
                    "{method} {path} with the {who}'s token answered {status}: {answer}"
                );
                checked += 1;
            }
        }
    }
    assert!(checked >= 100, "only {checked} combinations checked");
    eprintln!("A2: {checked} route × wrong-scope token combinations refused");
}

/// Every command with plausible arguments.
fn commands(f: &Fixture) -> Vec<(&'static str, Value, &'static str)> {
    let (q, n, p) = (&f.question, &f.note, &f.poll);
    vec![
        ("session.start", json!({}), "staff"),
        ("session.end", json!({}), "staff"),
        (
            "session.moderation",
            json!({ "moderation": "pre" }),
            "staff",
        ),
        ("note.post", json!({ "body": "x" }), "staff"),
        ("note.edit", json!({ "note_id": n, "body": "y" }), "staff"),
        ("note.delete", json!({ "note_id": n }), "staff"),
        ("question.approve", json!({ "question_id": q }), "staff"),
        ("question.reject", json!({ "question_id": q }), "staff"),
        ("question.hide", json!({ "question_id": q }), "staff"),
        (
            "question.answer",
            json!({ "question_id": q, "reply": "r" }),
            "staff",
        ),
        ("question.pin", json!({ "question_id": q }), "staff"),
        (
            "question.label",
            json!({ "question_id": q, "labels": ["l"] }),
            "staff",
        ),
        (
            "poll.create",
            json!({ "kind": "rating", "question": "?" }),
            "staff",
        ),
        ("poll.open", json!({ "poll_id": p }), "staff"),
        ("poll.close", json!({ "poll_id": p }), "staff"),
        ("poll.reveal", json!({ "poll_id": p }), "staff"),
        ("poll.delete", json!({ "poll_id": p }), "staff"),
        ("question.ask", json!({ "body": "x" }), "attendee"),
        (
            "question.edit",
            json!({ "question_id": q, "body": "x" }),
            "asker",
        ),
        ("question.withdraw", json!({ "question_id": q }), "asker"),
        ("question.upvote", json!({ "question_id": q }), "attendee"),
        (
            "poll.vote",
            json!({ "poll_id": p, "ballot": { "rating": 3 } }),
            "attendee",
        ),
        ("reaction.send", json!({ "emoji": "👏" }), "attendee"),
        (
            "takeaway.star",
            json!({ "kind": "note", "id": n }),
            "attendee",
        ),
        (
            "flag.raise",
            json!({ "kind": "question", "id": q, "reason": "spam" }),
            "attendee",
        ),
        (
            "flag.resolve",
            json!({ "flag_id": q, "action": "dismiss" }),
            "staff",
        ),
        ("coc.acknowledge", json!({}), "attendee"),
    ]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_command_refuses_the_wrong_role() {
    let server = TestServer::start().await;
    let f = fixture(&server).await;
    let other_attendee = server.join(&f.session.code, None).await;
    let (mut attendee, _) = Client::joined(&server, &other_attendee, None, None).await;
    let (mut projector, _) = Client::joined(&server, &f.session.projector, None, None).await;
    let (mut speaker, _) = Client::joined(&server, &f.session.speaker, None, None).await;
    let mut checked = 0;
    for (action, args, who) in commands(&f) {
        let reply = projector.call(action, args.clone()).await;
        assert_eq!(
            reply["code"], "forbidden",
            "projector ran {action}: {reply}"
        );
        checked += 1;
        if who == "staff" {
            let reply = attendee.call(action, args.clone()).await;
            assert_eq!(
                reply["code"], "forbidden",
                "an attendee ran {action}: {reply}"
            );
            checked += 1;
        } else {
            let reply = speaker.call(action, args.clone()).await;
            assert_eq!(
                reply["code"], "forbidden",
                "a speaker ran attendee action {action}: {reply}"
            );
            checked += 1;
        }
        if who == "asker" {
            let reply = attendee.call(action, args.clone()).await;
            assert_eq!(
                reply["code"], "forbidden",
                "another attendee ran {action} on someone's question: {reply}"
            );
            checked += 1;
        }
    }
    // Tokens of another event or session cannot even join.
    let elsewhere = fixture(&server).await;
    for token in [
        &elsewhere.session.speaker,
        &elsewhere.session.projector,
        &elsewhere.attendee,
    ] {
        let mut c = Client::connect(&server).await;
        c.send_json(json!({ "type": "join", "token": token, "session_id": f.session.id }))
            .await;
        let reply = c.recv().await;
        assert_eq!(reply["code"], "forbidden", "{reply}");
        assert_eq!(c.recv_close().await, Some(1008));
        checked += 1;
    }
    let mut c = Client::connect(&server).await;
    c.send_json(
        json!({ "type": "join", "token": elsewhere.session.organizer, "session_id": f.session.id }),
    )
    .await;
    assert_eq!(c.recv().await["code"], "forbidden");
    eprintln!(
        "A2: {} websocket command/role combinations refused",
        checked + 1
    );
}
