//! Several nodes on one PostgreSQL store, with Redis between them. Needs
//! BACKCHANNEL_TEST_POSTGRES_URL and BACKCHANNEL_TEST_REDIS_URL (.ci/run sets
//! both); without them these tests print why and pass as skipped.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use futures_util::StreamExt;
use futures_util::stream::FuturesUnordered;
use serde_json::{Value, json};

use crate::helpers::{ADMIN, Backend, Client, TestServer, s};

struct Env {
    postgres: String,
    redis: String,
}

fn env(test: &str) -> Option<Env> {
    match (
        std::env::var("BACKCHANNEL_TEST_POSTGRES_URL"),
        std::env::var("BACKCHANNEL_TEST_REDIS_URL"),
    ) {
        (Ok(postgres), Ok(redis)) => Some(Env { postgres, redis }),
        _ => {
            eprintln!(
                "SKIPPED {test}: set BACKCHANNEL_TEST_POSTGRES_URL and BACKCHANNEL_TEST_REDIS_URL to run the cluster tests"
            );
            None
        }
    }
}

fn fresh_schema(env: &Env) -> Backend {
    let schema = format!("bc_test_{}", uuid::Uuid::new_v4().simple());
    let (url, sql) = (env.postgres.clone(), format!("CREATE SCHEMA {schema}"));
    std::thread::spawn(move || {
        let mut c = postgres::Client::connect(&url, postgres::NoTls)
            .expect("BACKCHANNEL_TEST_POSTGRES_URL is set but unreachable");
        c.batch_execute(&sql).unwrap();
    })
    .join()
    .unwrap();
    Backend::Postgres {
        url: env.postgres.clone(),
        schema,
    }
}

fn prefix() -> String {
    format!("bc-test-{}", uuid::Uuid::new_v4().simple())
}

/// Two in-process nodes sharing a fresh schema and a Redis channel.
async fn two_nodes(env: &Env) -> (TestServer, TestServer) {
    let backend = fresh_schema(env);
    let prefix = prefix();
    let (redis, p) = (env.redis.clone(), prefix.clone());
    let a = TestServer::start_at(backend, move |c| {
        c.redis_url = Some(redis.parse().unwrap());
        c.redis_prefix = p;
        c.node_id = Some("node-a".into());
    })
    .await;
    let redis = env.redis.clone();
    let b = a
        .another_node(move |c| {
            c.redis_url = Some(redis.parse().unwrap());
            c.redis_prefix = prefix;
            c.node_id = Some("node-b".into());
        })
        .await;
    (a, b)
}

async fn collect_notes(client: &mut Client, n: usize) -> Vec<(u64, String)> {
    let mut out = Vec::new();
    while out.len() < n {
        let e = client.recv_event("note.posted").await;
        out.push((e["seq"].as_u64().unwrap(), s(&e["data"]["body"])));
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn writers_on_two_nodes_produce_one_identical_log_everywhere() {
    let Some(env) = env("writers_on_two_nodes_produce_one_identical_log_everywhere") else {
        return;
    };
    let (a, b) = two_nodes(&env).await;
    let session = a.session(json!({})).await;
    let ta = a.join(&session.code, None).await;
    let tb = b.join(&session.code, None).await;
    let (mut on_a, _) = Client::joined(&a, &ta, None, None).await;
    let (mut on_b, _) = Client::joined(&b, &tb, None, None).await;
    let (mut staff_b, _) = Client::joined(&b, &session.organizer, Some(&session.id), None).await;
    let (mut speaker_a, _) = Client::joined(&a, &session.speaker, None, None).await;
    let (mut speaker_b, _) = Client::joined(&b, &session.speaker, None, None).await;

    // Both speakers write at once, one through each node.
    for i in 0..25 {
        speaker_a
            .command("note.post", json!({ "body": format!("a{i}") }))
            .await;
        speaker_b
            .command("note.post", json!({ "body": format!("b{i}") }))
            .await;
    }
    let log_a = collect_notes(&mut on_a, 50).await;
    let log_b = collect_notes(&mut on_b, 50).await;
    let log_staff = collect_notes(&mut staff_b, 50).await;
    assert_eq!(
        log_a, log_b,
        "attendees on different nodes saw different logs"
    );
    assert_eq!(
        log_a.iter().map(|(seq, _)| *seq).collect::<Vec<_>>(),
        (1..=50).collect::<Vec<_>>(),
        "gap or duplicate"
    );
    let bodies: Vec<&String> = log_staff.iter().map(|(_, b)| b).collect();
    assert_eq!(bodies, log_a.iter().map(|(_, b)| b).collect::<Vec<_>>());
    for who in ["a", "b"] {
        let mine: Vec<&String> = log_a
            .iter()
            .map(|(_, b)| b)
            .filter(|b| b.starts_with(who))
            .collect();
        let expected: Vec<String> = (0..25).map(|i| format!("{who}{i}")).collect();
        assert_eq!(
            mine,
            expected.iter().collect::<Vec<_>>(),
            "each writer's notes in its own order"
        );
    }
    // Presence adds up across nodes.
    let (_, snap) = Client::joined(&a, &session.speaker, None, None).await;
    let _ = snap;
    let mut presence = None;
    for _ in 0..50 {
        let m = speaker_a.recv_type("counters").await;
        if let Some(p) = m.get("presence") {
            presence = p.as_i64();
            if presence == Some(2) {
                break;
            }
        }
    }
    assert_eq!(presence, Some(2), "one attendee on each node");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn votes_sent_to_both_nodes_twice_count_once() {
    let Some(env) = env("votes_sent_to_both_nodes_twice_count_once") else {
        return;
    };
    let (a, b) = two_nodes(&env).await;
    let session = a.session(json!({})).await;
    let (mut speaker, _) = Client::joined(&a, &session.speaker, None, None).await;
    let ack = speaker
        .call("poll.create", json!({ "kind": "single_choice", "question": "Both?", "options": ["x", "y"], "open": true, "results_live": true }))
        .await;
    let poll = s(&ack["result"]["id"]);
    let (mut watch_a, _) = Client::joined(&a, &a.join(&session.code, None).await, None, None).await;
    let (mut watch_b, _) = Client::joined(&b, &b.join(&session.code, None).await, None, None).await;

    let mut joins = FuturesUnordered::new();
    for i in 0..1000 {
        let node = if i % 2 == 0 { &a } else { &b };
        joins.push(node.join(&session.code, None));
    }
    let mut tokens = Vec::new();
    while let Some(t) = joins.next().await {
        tokens.push(t);
    }
    let mut votes = FuturesUnordered::new();
    for (i, token) in tokens.iter().enumerate() {
        for node in [&a, &b] {
            let request = node
                .http
                .put(node.url(&format!(
                    "/api/v1/sessions/{}/polls/{poll}/ballot",
                    session.id
                )))
                .bearer_auth(token)
                .header("Idempotency-Key", format!("vote-{i}"))
                .json(&json!({ "option": i % 2 }));
            votes.push(async move {
                match request.send().await {
                    Ok(r) if r.status() == 200 => 200,
                    Ok(r) => {
                        let status = r.status().as_u16();
                        eprintln!(
                            "vote refused: {status} {}",
                            r.text().await.unwrap_or_default()
                        );
                        status
                    }
                    Err(_) => 0,
                }
            });
        }
        while votes.len() >= 64 {
            assert_eq!(votes.next().await, Some(200));
        }
    }
    while let Some(status) = votes.next().await {
        assert_eq!(status, 200);
    }
    let expected = json!({ "ballots": 1000, "counts": { "0": 500, "1": 500 } });
    let key = format!("poll:{poll}");
    for watcher in [&mut watch_a, &mut watch_b] {
        loop {
            let m = watcher.recv_type("counters").await;
            if m["values"].get(&key) == Some(&expected) {
                break;
            }
        }
    }
    let rows = a.backend.query(&format!(
        "SELECT COUNT(*), COUNT(DISTINCT attendee_id) FROM ballots WHERE poll_id = '{poll}'"
    ));
    assert_eq!(rows[0], vec!["1000".to_string(), "1000".to_string()]);
}

/// A node in its own process (so it can be killed for real).
struct ChildNode {
    child: Child,
    addr: SocketAddr,
}

impl ChildNode {
    fn start(database_url: &str, redis_url: &str, prefix: &str, name: &str) -> ChildNode {
        let mut child = Command::new(env!("CARGO_BIN_EXE_backchannel"))
            .args([
                "--bind",
                "127.0.0.1:0",
                "--log-format",
                "json",
                "--node-id",
                name,
                "--redis-prefix",
                prefix,
            ])
            .env("DATABASE_URL", database_url)
            .env("BACKCHANNEL_REDIS_URL", redis_url)
            .env("BACKCHANNEL_ADMIN_TOKEN", ADMIN)
            .env("RUST_LOG", "info")
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn backchannel");
        let stderr = child.stderr.take().unwrap();
        let mut lines = BufReader::new(stderr).lines();
        let addr = loop {
            let line = lines
                .next()
                .expect("the node exited before listening")
                .unwrap();
            let Ok(v) = serde_json::from_str::<Value>(&line) else {
                continue;
            };
            if let Some(addr) = v["addr"].as_str() {
                break addr.parse().unwrap();
            }
        };
        // Keep draining the log so the child never blocks on a full pipe.
        std::thread::spawn(move || for _ in lines {});
        ChildNode { child, addr }
    }

    fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for ChildNode {
    fn drop(&mut self) {
        self.kill();
    }
}

/// A TestServer-shaped view of a child node (for the HTTP and ws helpers).
fn view(addr: SocketAddr, backend: &Backend) -> TestServer {
    TestServer::attach(addr, backend.clone())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn clients_of_a_killed_node_resume_on_the_other_with_every_acked_event() {
    let Some(env) = env("clients_of_a_killed_node_resume_on_the_other_with_every_acked_event")
    else {
        return;
    };
    let backend = fresh_schema(&env);
    let url = backend.url_string();
    let prefix = prefix();
    let mut node_a = ChildNode::start(&url, &env.redis, &prefix, "kill-a");
    let node_b = ChildNode::start(&url, &env.redis, &prefix, "kill-b");
    let a = view(node_a.addr, &backend);
    let b = view(node_b.addr, &backend);
    let session = a.session(json!({})).await;
    let mut attendees = Vec::new();
    for _ in 0..20 {
        let token = a.join(&session.code, None).await;
        let (client, _) = Client::joined(&a, &token, None, None).await;
        attendees.push((token, client));
    }
    let (mut speaker, _) = Client::joined(&b, &session.speaker, None, None).await;
    let mut acked = BTreeMap::new();
    for i in 0..30 {
        let ack = speaker
            .call("note.post", json!({ "body": format!("n{i}") }))
            .await;
        acked.insert(ack["result"]["id"].as_str().unwrap().to_string(), i);
        if i == 15 {
            node_a.kill();
        }
    }
    // Every attendee of the dead node resumes on the other with what it last applied.
    for (token, mut client) in attendees {
        let mut last = 0;
        while let Some(m) = client
            .try_recv_any_until_closed(Duration::from_secs(2))
            .await
        {
            if m["type"] == "event" {
                assert_eq!(m["seq"].as_u64().unwrap(), last + 1);
                last += 1;
            }
        }
        let (mut back, first) = Client::joined(&b, &token, None, Some(last)).await;
        assert_eq!(first["type"], "resumed", "{first}");
        while last < 30 {
            let e = back.recv_type("event").await;
            assert_eq!(e["seq"].as_u64().unwrap(), last + 1, "no gap, no duplicate");
            last += 1;
        }
    }
    let rows = b.backend.query(&format!(
        "SELECT COUNT(*) FROM notes WHERE session_id = '{}'",
        session.id
    ));
    assert_eq!(
        rows[0][0],
        acked.len().to_string(),
        "every acknowledged note is stored"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_redis_outage_delays_but_loses_nothing() {
    let Some(env) = env("a_redis_outage_delays_but_loses_nothing") else {
        return;
    };
    // A Redis of our own, so stopping it does not disturb other tests.
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let start_redis = || {
        Command::new("redis-server")
            .args([
                "--port",
                &port.to_string(),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ])
            .stdout(Stdio::null())
            .spawn()
            .expect("redis-server")
    };
    let mut redis = start_redis();
    let redis_url = format!("redis://127.0.0.1:{port}");
    wait_for_port(port).await;
    let own = Env {
        postgres: env.postgres.clone(),
        redis: redis_url,
    };
    let (a, b) = two_nodes(&own).await;
    let session = a.session(json!({})).await;
    let (mut on_b, _) = Client::joined(&b, &b.join(&session.code, None).await, None, None).await;
    let (mut speaker, _) = Client::joined(&a, &session.speaker, None, None).await;
    speaker.call("note.post", json!({ "body": "before" })).await;
    assert_eq!(on_b.recv_event("note.posted").await["seq"], 1);

    let _ = redis.kill();
    let _ = redis.wait();
    for i in 0..5 {
        let ack = speaker
            .call("note.post", json!({ "body": format!("during {i}") }))
            .await;
        assert_eq!(
            ack["type"], "ack",
            "writes still commit while Redis is down: {ack}"
        );
    }
    // Delivered from the store by the sweep, in order, even before Redis returns.
    for i in 0..5 {
        let e = on_b.recv_event("note.posted").await;
        assert_eq!(e["seq"], 2 + i);
    }
    let (_, ready) = a.get("/readyz", None).await;
    assert_eq!(ready["broker"], "down");

    redis = start_redis();
    wait_for_port(port).await;
    speaker.call("note.post", json!({ "body": "after" })).await;
    let e = on_b.recv_event("note.posted").await;
    assert_eq!(e["seq"], 7);
    assert_eq!(e["data"]["body"], "after");
    let _ = redis.kill();
    let _ = redis.wait();
}

async fn wait_for_port(port: u16) {
    for _ in 0..100 {
        if tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .is_ok()
        {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("nothing listens on {port}");
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_local_cluster_script_starts_two_nodes_that_share_one_stream() {
    let Some(env) = env("the_local_cluster_script_starts_two_nodes_that_share_one_stream") else {
        return;
    };
    let backend = fresh_schema(&env);
    let dir = tempfile::tempdir().unwrap();
    let ports = [free_port(), free_port()];
    let script = |action: &str| {
        let status = Command::new("bash")
            .args(["scripts/cluster.sh", action])
            .env("BACKCHANNEL_BIN", env!("CARGO_BIN_EXE_backchannel"))
            .env("DATABASE_URL", backend.url_string())
            .env("BACKCHANNEL_REDIS_URL", &env.redis)
            .env("BACKCHANNEL_ADMIN_TOKEN", ADMIN)
            .env("CLUSTER_PORTS", format!("{} {}", ports[0], ports[1]))
            .env("CLUSTER_DIR", dir.path())
            .env("CLUSTER_PREFIX", prefix())
            .stdout(Stdio::null())
            .status()
            .expect("run scripts/cluster.sh");
        assert!(status.success(), "scripts/cluster.sh {action} failed");
    };
    script("start");
    let one = TestServer::attach(([127, 0, 0, 1], ports[0]).into(), backend.clone());
    let two = TestServer::attach(([127, 0, 0, 1], ports[1]).into(), backend.clone());
    let session = one.session(json!({})).await;
    let token = two.join(&session.code, None).await;
    let (mut attendee, _) = Client::joined(&two, &token, None, None).await;
    let (status, _) = one
        .post(
            &format!("/api/v1/sessions/{}/notes", session.id),
            Some(&session.speaker),
            json!({ "body": "across" }),
        )
        .await;
    assert_eq!(status, 201);
    let e = attendee.recv_event("note.posted").await;
    assert_eq!(e["data"]["body"], "across");
    let (_, ready) = two.get("/readyz", None).await;
    assert_eq!(ready["broker"], "ok");
    script("stop");
}
