//! R1: the server is SIGKILLed at random moments while clients ask questions
//! and vote; after a restart on the same database every acknowledged write is
//! there exactly once, and the database is intact.

use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use serde_json::{Value, json};

use crate::helpers::{ADMIN, Backend, Client, TestServer, s};

fn binary() -> String {
    std::env::var("BACKCHANNEL_BIN")
        .unwrap_or_else(|_| env!("CARGO_BIN_EXE_backchannel").to_string())
}

fn spawn(backend: &Backend) -> (Child, SocketAddr) {
    let mut child = Command::new(binary())
        .args(["--bind", "127.0.0.1:0", "--log-format", "json"])
        .env("DATABASE_URL", backend.url_string())
        .env("BACKCHANNEL_ADMIN_TOKEN", ADMIN)
        .env("RUST_LOG", "info")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn the server");
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let addr = loop {
        let line = lines
            .next()
            .expect("the server exited before listening")
            .unwrap();
        if let Ok(v) = serde_json::from_str::<Value>(&line)
            && let Some(a) = v["addr"].as_str()
        {
            break a.parse().unwrap();
        }
    };
    std::thread::spawn(move || for _ in lines {});
    (child, addr)
}

/// A tiny deterministic PRNG (xorshift), so kill points differ per round but runs repeat.
fn next(state: &mut u64) -> u64 {
    *state ^= *state << 13;
    *state ^= *state >> 7;
    *state ^= *state << 17;
    *state
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_at_random_moments_loses_no_acknowledged_write() {
    let mut rng = 0x9E37_79B9_7F4A_7C15u64;
    let mut report = Vec::new();
    for round in 0..5 {
        let dir = tempfile::tempdir().unwrap();
        let backend = Backend::fresh(dir.path());
        let (mut child, addr) = spawn(&backend);
        let server = TestServer::attach(addr, backend.clone());
        let session = server.session(json!({})).await;
        let (mut speaker, _) = Client::joined(&server, &session.speaker, None, None).await;
        let ack = speaker
            .call("poll.create", json!({ "kind": "single_choice", "question": "?", "options": ["a", "b", "c"], "open": true }))
            .await;
        let poll = s(&ack["result"]["id"]);
        let mut clients = Vec::new();
        for _ in 0..10 {
            let token = server.join(&session.code, None).await;
            let (_, me) = server.get("/api/v1/me", Some(&token)).await;
            clients.push((
                s(&me["attendee_id"]),
                Client::joined(&server, &token, None, None).await.0,
            ));
        }
        let kill_after = Duration::from_millis(200 + next(&mut rng) % 1500);
        // Each client keeps asking and re-voting until the server dies.
        let tasks: Vec<_> = clients
            .into_iter()
            .map(|(attendee, mut c)| {
                let poll = poll.clone();
                tokio::spawn(async move {
                    let mut questions = BTreeSet::new();
                    let mut last_vote = None;
                    let mut sent_questions = 0;
                    for i in 0u64.. {
                        let (action, args) = if i % 2 == 0 {
                            (
                                "question.ask",
                                json!({ "body": format!("{attendee} q{i}") }),
                            )
                        } else {
                            (
                                "poll.vote",
                                json!({ "poll_id": poll, "ballot": { "option": i % 3 } }),
                            )
                        };
                        let id = c.command(action, args).await;
                        if action == "question.ask" {
                            sent_questions += 1;
                        }
                        let reply = loop {
                            match c.try_recv_any_until_closed(Duration::from_secs(5)).await {
                                None => return (attendee, questions, last_vote, sent_questions),
                                Some(m) if m["id"] == id.as_str() => break m,
                                Some(_) => continue,
                            }
                        };
                        if reply["type"] == "ack" {
                            if action == "question.ask" {
                                questions.insert(s(&reply["result"]["id"]));
                            } else {
                                last_vote = Some(i % 3);
                            }
                        } else if reply["code"] == "rate_limited" {
                            tokio::time::sleep(Duration::from_millis(150)).await;
                        }
                    }
                    unreachable!()
                })
            })
            .collect();
        tokio::time::sleep(kill_after).await;
        child.kill().expect("SIGKILL");
        let _ = child.wait();
        let mut acked_questions = BTreeMap::new();
        let mut acked_votes = BTreeMap::new();
        let mut sent = 0;
        for t in tasks {
            let (attendee, questions, vote, n) = t.await.unwrap();
            sent += n;
            acked_questions.insert(attendee.clone(), questions);
            if let Some(v) = vote {
                acked_votes.insert(attendee, v);
            }
        }

        // Restart on the same database.
        let (mut child, addr) = spawn(&backend);
        let server = TestServer::attach(addr, backend.clone());
        if let Backend::Sqlite(_) = backend {
            let integrity = backend.query("PRAGMA integrity_check");
            assert_eq!(integrity[0][0], "ok", "SQLite integrity check");
        }
        let rows = backend.query(&format!(
            "SELECT id, attendee_id FROM questions WHERE session_id = '{}'",
            session.id
        ));
        let stored: BTreeSet<String> = rows.iter().map(|r| r[0].clone()).collect();
        assert_eq!(stored.len(), rows.len(), "a question stored twice");
        let acked: BTreeSet<String> = acked_questions.values().flatten().cloned().collect();
        let lost: Vec<&String> = acked.difference(&stored).collect();
        assert!(
            lost.is_empty(),
            "round {round}: acknowledged questions lost: {lost:?}"
        );
        let ballots: BTreeMap<String, String> = backend
            .query(&format!(
                "SELECT attendee_id, choice FROM ballots WHERE poll_id = '{poll}'"
            ))
            .into_iter()
            .map(|r| (r[0].clone(), r[1].clone()))
            .collect();
        for attendee in acked_votes.keys() {
            assert!(
                ballots.contains_key(attendee),
                "round {round}: an acknowledged ballot is lost"
            );
        }
        // The tally equals a recount.
        let tally = backend.query(&format!(
            "SELECT COALESCE(SUM(count), 0) FROM poll_tallies WHERE poll_id = '{poll}'"
        ));
        assert_eq!(
            tally[0][0],
            ballots.len().to_string(),
            "tally and ballots disagree"
        );
        // And the server serves the session again.
        let (_, snap) = Client::joined(&server, &session.speaker, None, None).await;
        assert_eq!(snap["questions"].as_array().unwrap().len(), stored.len());
        report.push(format!(
            "round {round}: killed after {kill_after:?}; {} questions acknowledged, {} stored ({} unacknowledged recovered, of {sent} sent); {} ballots acknowledged, all present",
            acked.len(),
            stored.len(),
            stored.len() - acked.len(),
            acked_votes.len()
        ));
        let _ = child.kill();
        let _ = child.wait();
    }
    for line in report {
        eprintln!("R1: {line}");
    }
}
