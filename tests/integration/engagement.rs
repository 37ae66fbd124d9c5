//! Live engagement: Q&A with moderation, polls, reactions, presence, and the
//! coalescing of fast counters.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use futures_util::stream::FuturesUnordered;
use serde_json::{Value, json};

use crate::helpers::{Client, TestServer, s};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pre_moderated_question_is_seen_only_after_approval() {
    let server = TestServer::start().await;
    let session = server.session(json!({ "moderation": "pre" })).await;
    let asker_token = server.join(&session.code, Some("Ana")).await;
    let other_token = server.join(&session.code, None).await;
    let (mut asker, _) = Client::joined(&server, &asker_token, None, None).await;
    let (mut other, _) = Client::joined(&server, &other_token, None, None).await;
    let (mut speaker, _) = Client::joined(&server, &session.speaker, None, None).await;

    let ack = asker
        .call(
            "question.ask",
            json!({ "body": "Is it pending?", "anonymous": false }),
        )
        .await;
    assert_eq!(ack["type"], "ack", "{ack}");
    assert_eq!(ack["result"]["state"], "pending");
    assert_eq!(
        ack["seq"],
        Value::Null,
        "attendees see no event for a pending question"
    );
    let question_id = s(&ack["result"]["id"]);

    let staff_event = speaker.recv_event("question.asked").await;
    assert_eq!(staff_event["data"]["state"], "pending");
    assert_eq!(staff_event["data"]["author_name"], "Ana");
    // The asker sees it in their own snapshot; the other attendee does not.
    let (_, asker_snap) = Client::joined(&server, &asker_token, None, None).await;
    assert_eq!(
        asker_snap["me"]["pending_questions"][0]["id"],
        question_id.as_str()
    );
    assert_eq!(asker_snap["questions"], json!([]));
    assert_eq!(asker_snap["me"]["asked"], json!([question_id]));
    assert!(
        other
            .try_recv(Duration::from_millis(300))
            .await
            .is_none_or(|m| m["type"] == "counters")
    );

    let approved = speaker
        .call("question.approve", json!({ "question_id": question_id }))
        .await;
    assert_eq!(approved["result"]["state"], "visible");
    let seen = other.recv_event("question.updated").await;
    assert_eq!(seen["data"]["id"], question_id.as_str());
    assert_eq!(seen["data"]["state"], "visible");
    assert_eq!(
        seen["seq"], 1,
        "the public stream has no hole where the pending question was"
    );
    let (_, fresh) = Client::joined(&server, &other_token, None, None).await;
    assert_eq!(fresh["questions"][0]["body"], "Is it pending?");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hidden_question_is_absent_from_snapshots_and_replays() {
    let server = TestServer::start().await;
    let session = server.session(json!({})).await;
    let token = server.join(&session.code, None).await;
    let (mut speaker, _) = Client::joined(&server, &session.speaker, None, None).await;
    let (mut attendee, _) = Client::joined(&server, &token, None, None).await;
    let ack = attendee
        .call("question.ask", json!({ "body": "OFFENSIVE TEXT" }))
        .await;
    let question_id = s(&ack["result"]["id"]);
    attendee
        .call("question.ask", json!({ "body": "a fine question" }))
        .await;
    speaker
        .call("question.pin", json!({ "question_id": question_id }))
        .await;
    speaker
        .call("question.hide", json!({ "question_id": question_id }))
        .await;
    let removed = attendee.recv_event("question.removed").await;
    assert_eq!(removed["data"]["id"], question_id.as_str());

    let (_, snap) = Client::joined(&server, &token, None, None).await;
    assert!(
        !snap.to_string().contains("OFFENSIVE"),
        "snapshot leaks: {snap}"
    );
    assert_eq!(snap["questions"].as_array().unwrap().len(), 1);
    assert_eq!(snap["pinned_question_id"], Value::Null, "hiding unpins");

    let (mut replay, first) = Client::joined(&server, &token, None, Some(0)).await;
    assert_eq!(first["type"], "resumed");
    let to = first["to"].as_u64().unwrap();
    for seq in 1..=to {
        let e = replay.recv_type("event").await;
        assert_eq!(e["seq"], seq);
        assert!(!e.to_string().contains("OFFENSIVE"), "replay leaks: {e}");
    }
    let (_, staff) = Client::joined(&server, &session.speaker, None, None).await;
    let hidden = staff["questions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|q| q["id"] == question_id.as_str())
        .unwrap();
    assert_eq!(
        hidden["state"], "hidden",
        "staff still see it, marked hidden"
    );
    let (status, audit) = server
        .get(
            &format!("/api/v1/events/{}/audit", session.event_id),
            Some(&session.organizer),
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(audit[0]["action"], "question.hide");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_upvote_counts_once_even_when_sent_twice() {
    let server = TestServer::start().await;
    let session = server.session(json!({})).await;
    let a = server.join(&session.code, None).await;
    let b = server.join(&session.code, None).await;
    let (mut asker, _) = Client::joined(&server, &a, None, None).await;
    let (mut voter, _) = Client::joined(&server, &b, None, None).await;
    let q = asker
        .call("question.ask", json!({ "body": "Upvote me" }))
        .await;
    let question_id = s(&q["result"]["id"]);
    for _ in 0..2 {
        let ack = voter
            .call("question.upvote", json!({ "question_id": question_id }))
            .await;
        assert_eq!(ack["result"]["upvotes"], 1, "{ack}");
    }
    // The count reaches the asker as a coalesced counter.
    let key = format!("question:{question_id}");
    loop {
        let c = asker.recv_type("counters").await;
        if let Some(v) = c["values"].get(&key) {
            assert_eq!(v, 1);
            break;
        }
    }
    let ack = voter
        .call(
            "question.upvote",
            json!({ "question_id": question_id, "up": false }),
        )
        .await;
    assert_eq!(ack["result"]["upvotes"], 0);
    let (_, snap) = Client::joined(&server, &b, None, None).await;
    assert_eq!(snap["questions"][0]["upvotes"], 0);
    assert_eq!(snap["me"]["upvoted"], json!([]));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn askers_edit_and_withdraw_only_their_own_questions() {
    let server = TestServer::start().await;
    let session = server.session(json!({})).await;
    let a = server.join(&session.code, None).await;
    let b = server.join(&session.code, None).await;
    let (mut mine, _) = Client::joined(&server, &a, None, None).await;
    let (mut theirs, _) = Client::joined(&server, &b, None, None).await;
    let q = mine
        .call("question.ask", json!({ "body": "typo quesiton" }))
        .await;
    let id = s(&q["result"]["id"]);
    let denied = theirs
        .call(
            "question.edit",
            json!({ "question_id": id, "body": "hijack" }),
        )
        .await;
    assert_eq!(denied["code"], "forbidden");
    let edited = mine
        .call(
            "question.edit",
            json!({ "question_id": id, "body": "typo question" }),
        )
        .await;
    assert_eq!(edited["result"]["body"], "typo question");
    assert_eq!(
        theirs.recv_event("question.updated").await["data"]["body"],
        "typo question"
    );
    mine.call("question.withdraw", json!({ "question_id": id }))
        .await;
    assert_eq!(
        theirs.recv_event("question.removed").await["data"]["id"],
        id.as_str()
    );
    let named = mine
        .call(
            "question.ask",
            json!({ "body": "with my name", "anonymous": false }),
        )
        .await;
    assert_eq!(
        named["code"], "invalid",
        "no display name was given at join: {named}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn answers_pins_and_labels_reach_attendees_live() {
    let server = TestServer::start().await;
    let session = server.session(json!({})).await;
    let token = server.join(&session.code, None).await;
    let (mut attendee, _) = Client::joined(&server, &token, None, None).await;
    let (mut speaker, _) = Client::joined(&server, &session.speaker, None, None).await;
    let q = attendee
        .call("question.ask", json!({ "body": "Why?" }))
        .await;
    let id = s(&q["result"]["id"]);
    speaker
        .call("question.pin", json!({ "question_id": id }))
        .await;
    assert_eq!(
        attendee.recv_event("question.pinned").await["data"]["question_id"],
        id.as_str()
    );
    speaker
        .call(
            "question.answer",
            json!({ "question_id": id, "reply": "Because **ownership**." }),
        )
        .await;
    let answered = attendee.recv_event("question.updated").await;
    assert_eq!(answered["data"]["answered"], true);
    assert_eq!(
        answered["data"]["answer_html"],
        "<p>Because <strong>ownership</strong>.</p>\n"
    );
    speaker
        .call(
            "question.label",
            json!({ "question_id": id, "labels": ["design", "perf"] }),
        )
        .await;
    assert_eq!(
        attendee.recv_event("question.updated").await["data"]["labels"],
        json!(["design", "perf"])
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn asking_is_rate_limited_with_a_clear_error() {
    let server = TestServer::start().await;
    let session = server.session(json!({})).await;
    let token = server.join(&session.code, None).await;
    let (mut attendee, _) = Client::joined(&server, &token, None, None).await;
    let mut codes = Vec::new();
    for i in 0..7 {
        let reply = attendee
            .call("question.ask", json!({ "body": format!("q{i}") }))
            .await;
        codes.push(reply["code"].as_str().unwrap_or("ok").to_string());
    }
    assert_eq!(codes[..5], ["ok", "ok", "ok", "ok", "ok"]);
    assert_eq!(codes[5..], ["rate_limited", "rate_limited"]);
}

async fn open_poll(speaker: &mut Client, args: Value) -> String {
    let ack = speaker.call("poll.create", args).await;
    assert_eq!(ack["type"], "ack", "{ack}");
    s(&ack["result"]["id"])
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn poll_lifecycle_and_ballot_rules() {
    let server = TestServer::start().await;
    let session = server.session(json!({})).await;
    let token = server.join(&session.code, None).await;
    let (mut attendee, _) = Client::joined(&server, &token, None, None).await;
    let (mut speaker, _) = Client::joined(&server, &session.speaker, None, None).await;

    let draft = open_poll(
        &mut speaker,
        json!({ "kind": "single_choice", "question": "Tabs?", "options": ["Tabs", "Spaces"] }),
    )
    .await;
    let denied = attendee
        .call(
            "poll.vote",
            json!({ "poll_id": draft, "ballot": { "option": 0 } }),
        )
        .await;
    assert_eq!(
        denied["code"], "not_found",
        "drafts are invisible to attendees"
    );
    speaker.call("poll.open", json!({ "poll_id": draft })).await;
    let opened = attendee.recv_event("poll.opened").await;
    assert_eq!(opened["data"]["question"], "Tabs?");
    assert_eq!(
        opened["seq"], 1,
        "the draft's creation is not in the public stream"
    );

    let bad = attendee
        .call(
            "poll.vote",
            json!({ "poll_id": draft, "ballot": { "option": 7 } }),
        )
        .await;
    assert_eq!(bad["code"], "invalid");
    let bad = attendee
        .call(
            "poll.vote",
            json!({ "poll_id": draft, "ballot": { "rating": 3 } }),
        )
        .await;
    assert_eq!(bad["code"], "invalid");
    let ok = attendee
        .call(
            "poll.vote",
            json!({ "poll_id": draft, "ballot": { "option": 1 } }),
        )
        .await;
    assert_eq!(ok["result"]["ballot"], json!(["1"]));
    // Results are hidden: the attendee's snapshot has none, the staff's has them.
    let (_, snap) = Client::joined(&server, &token, None, None).await;
    assert_eq!(snap["polls"][0]["results"], Value::Null);
    assert_eq!(snap["me"]["ballots"][&draft], json!(["1"]));
    let (_, staff) = Client::joined(&server, &session.speaker, None, None).await;
    assert_eq!(staff["polls"][0]["results"]["counts"], json!({ "1": 1 }));

    speaker
        .call("poll.reveal", json!({ "poll_id": draft }))
        .await;
    loop {
        let c = attendee.recv_type("counters").await;
        if let Some(t) = c["values"].get(format!("poll:{draft}")) {
            assert_eq!(t["counts"], json!({ "1": 1 }));
            break;
        }
    }
    speaker
        .call("poll.close", json!({ "poll_id": draft }))
        .await;
    let late = attendee
        .call(
            "poll.vote",
            json!({ "poll_id": draft, "ballot": { "option": 0 } }),
        )
        .await;
    assert_eq!(late["code"], "conflict");
    assert!(s(&late["message"]).contains("closed"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn word_clouds_count_answers_case_insensitively() {
    let server = TestServer::start().await;
    let session = server.session(json!({})).await;
    let (mut speaker, _) = Client::joined(&server, &session.speaker, None, None).await;
    let poll = open_poll(&mut speaker, json!({ "kind": "word_cloud", "question": "One word?", "open": true, "results_live": true })).await;
    for text in ["Rust", " rust ", "RUST", "Go"] {
        let token = server.join(&session.code, None).await;
        let (status, body) = server
            .call(
                reqwest::Method::PUT,
                &format!("/api/v1/sessions/{}/polls/{poll}/ballot", session.id),
                Some(&token),
                Some(json!({ "text": text })),
            )
            .await;
        assert_eq!(status, 200, "{body}");
    }
    let (_, snap) = Client::joined(&server, &session.speaker, None, None).await;
    assert_eq!(
        snap["polls"][0]["results"],
        json!({ "ballots": 4, "counts": { "go": 1, "rust": 3 } })
    );
}

/// Votes from `tokens` over REST, `parallel` at a time; returns the statuses.
async fn vote_all(
    server: &TestServer,
    session_id: &str,
    poll: &str,
    votes: Vec<(String, Value)>,
) -> Vec<u16> {
    let mut pending = FuturesUnordered::new();
    let mut statuses = Vec::new();
    for (token, ballot) in votes {
        let url = server.url(&format!(
            "/api/v1/sessions/{session_id}/polls/{poll}/ballot"
        ));
        let http = server.http.clone();
        pending.push(async move {
            http.put(url)
                .bearer_auth(token)
                .json(&ballot)
                .send()
                .await
                .map(|r| r.status().as_u16())
                .unwrap_or(0)
        });
        if pending.len() >= 64 {
            statuses.push(pending.next().await.unwrap());
        }
    }
    while let Some(status) = pending.next().await {
        statuses.push(status);
    }
    statuses
}

async fn join_many(server: &TestServer, code: &str, n: usize) -> Vec<String> {
    let mut pending = FuturesUnordered::new();
    let mut tokens = Vec::new();
    for _ in 0..n {
        pending.push(server.join(code, None));
        if pending.len() >= 64 {
            tokens.push(pending.next().await.unwrap());
        }
    }
    while let Some(t) = pending.next().await {
        tokens.push(t);
    }
    tokens
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thousand_ballots_tally_exactly_and_match_the_store() {
    let server = TestServer::start().await;
    let session = server.session(json!({})).await;
    let (mut speaker, _) = Client::joined(&server, &session.speaker, None, None).await;
    let poll = open_poll(&mut speaker, json!({ "kind": "single_choice", "question": "Pick", "options": ["a", "b", "c"], "open": true })).await;
    let tokens = join_many(&server, &session.code, 1000).await;
    // Everyone votes option i % 3; then every tenth voter changes to option 2.
    let first: Vec<(String, Value)> = tokens
        .iter()
        .enumerate()
        .map(|(i, t)| (t.clone(), json!({ "option": i % 3 })))
        .collect();
    assert!(
        vote_all(&server, &session.id, &poll, first)
            .await
            .iter()
            .all(|s| *s == 200)
    );
    let changes: Vec<(String, Value)> = tokens
        .iter()
        .step_by(10)
        .map(|t| (t.clone(), json!({ "option": 2 })))
        .collect();
    assert!(
        vote_all(&server, &session.id, &poll, changes)
            .await
            .iter()
            .all(|s| *s == 200)
    );

    let mut expected: BTreeMap<String, i64> = BTreeMap::new();
    for i in 0..1000 {
        let option = if i % 10 == 0 { 2 } else { i % 3 };
        *expected.entry(option.to_string()).or_default() += 1;
    }
    let (_, snap) = Client::joined(&server, &session.speaker, None, None).await;
    assert_eq!(snap["polls"][0]["results"]["ballots"], 1000);
    assert_eq!(snap["polls"][0]["results"]["counts"], json!(expected));

    // Recount straight from the store.
    let rows = server.backend.query(&format!(
        "SELECT choice, COUNT(*) FROM ballots WHERE poll_id = '{poll}' GROUP BY choice"
    ));
    let recount: BTreeMap<String, i64> = rows
        .iter()
        .map(|r| {
            let keys: Vec<String> = serde_json::from_str(&r[0]).unwrap();
            (keys[0].clone(), r[1].parse().unwrap())
        })
        .collect();
    assert_eq!(recount, expected);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_vote_burst_reaches_each_attendee_as_at_most_ten_tallies_a_second() {
    let server = TestServer::start().await;
    let session = server.session(json!({})).await;
    let (mut speaker, _) = Client::joined(&server, &session.speaker, None, None).await;
    let poll = open_poll(&mut speaker, json!({ "kind": "single_choice", "question": "Burst", "options": ["x", "y"], "open": true, "results_live": true })).await;
    let tokens = join_many(&server, &session.code, 1000).await;
    let mut watchers = Vec::new();
    for t in tokens.iter().take(5) {
        watchers.push(Client::joined(&server, t, None, None).await.0);
    }
    let key = format!("poll:{poll}");
    let watch = watchers.into_iter().map(|mut w| {
        let key = key.clone();
        tokio::spawn(async move {
            let mut frames: Vec<(Instant, Value)> = Vec::new();
            while let Some(msg) = w.try_recv(Duration::from_secs(3)).await {
                if msg["type"] == "counters"
                    && let Some(t) = msg["values"].get(&key)
                {
                    frames.push((Instant::now(), t.clone()));
                }
            }
            frames
        })
    });
    let watch: Vec<_> = watch.collect();
    let votes: Vec<(String, Value)> = tokens
        .iter()
        .enumerate()
        .map(|(i, t)| (t.clone(), json!({ "option": i % 2 })))
        .collect();
    let started = Instant::now();
    assert!(
        vote_all(&server, &session.id, &poll, votes)
            .await
            .iter()
            .all(|s| *s == 200)
    );
    let burst = started.elapsed();
    for handle in watch {
        let frames = handle.await.unwrap();
        assert!(!frames.is_empty());
        let last = &frames.last().unwrap().1;
        assert_eq!(last["ballots"], 1000, "last tally exact: {last}");
        assert_eq!(last["counts"], json!({ "0": 500, "1": 500 }));
        // The server sends at most one tally per 100 ms tick: about ten a
        // second, whatever the number of votes. Arrival times jitter on a busy
        // machine, so check the rate over the burst and allow a little
        // bunching inside any one-second window.
        let span = frames
            .last()
            .unwrap()
            .0
            .duration_since(frames[0].0)
            .as_secs_f64();
        let rate = (frames.len() - 1) as f64 / span.max(0.1);
        let most = frames
            .iter()
            .map(|(t0, _)| {
                frames
                    .iter()
                    .filter(|(t, _)| *t >= *t0 && t.duration_since(*t0) < Duration::from_secs(1))
                    .count()
            })
            .max()
            .unwrap();
        // At most ten a second, give or take one frame at each end of the
        // span (arrival times jitter; a short burst has only a few frames).
        assert!(
            frames.len() as f64 <= span * 10.0 + 2.0,
            "{} tally frames in {span:.2} s ({rate:.1}/s; burst of 1000 votes took {burst:?})",
            frames.len()
        );
        assert!(most <= 12, "{most} tally frames arrived within one second");
        eprintln!(
            "vote burst: 1000 votes in {burst:?}; {} tally frames, {rate:.1}/s, at most {most} in one second",
            frames.len()
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reaction_totals_and_presence_converge() {
    let server = TestServer::start().await;
    let session = server.session(json!({})).await;
    let mut clients = Vec::new();
    for _ in 0..3 {
        let token = server.join(&session.code, None).await;
        clients.push(Client::joined(&server, &token, None, None).await.0);
    }
    for c in clients.iter_mut() {
        for emoji in ["👏", "👏", "🎉"] {
            let ack = c.call("reaction.send", json!({ "emoji": emoji })).await;
            assert_eq!(ack["result"]["counted"], true);
        }
    }
    let bad = clients[0]
        .call("reaction.send", json!({ "emoji": "💩" }))
        .await;
    assert_eq!(bad["code"], "invalid");
    let expected = json!({ "🎉": 3, "👏": 6 });
    for c in clients.iter_mut() {
        let mut latest_presence = None;
        loop {
            let m = c.recv_type("counters").await;
            if let Some(p) = m.get("presence") {
                latest_presence = Some(p.clone());
            }
            if m["values"].get("reactions") == Some(&expected) {
                break;
            }
        }
        let _ = latest_presence;
    }
    let (_, snap) = Client::joined(&server, &session.speaker, None, None).await;
    assert_eq!(snap["reactions"], expected);
    assert_eq!(snap["presence"], 3, "three attendees connected");
}
