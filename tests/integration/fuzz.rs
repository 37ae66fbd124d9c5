//! S1: mutation fuzzing of the protocol decoder and command validation.
//!
//! Thousands of frames derived from valid ones by bit flips, byte inserts,
//! deletions, truncations and splices go through the frame decoder and the
//! message and command parsers in-process (no crash, every one accepted or
//! refused with an error), then a sample goes over a real socket to a real
//! server, which must answer each with an error frame or a close code while a
//! neighbour connection stays healthy.

use std::time::Duration;

use backchannel::ws::connection::decode_command;
use backchannel::ws::frame::{Decoder, Incoming};
use backchannel::ws::protocol::Envelope;
use serde_json::json;
use tokio::io::AsyncWriteExt;

use crate::helpers::{Client, TestServer};
use crate::raw::{Raw, masked};

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

const SEEDS: &[&str] = &[
    r#"{"type":"join","token":"bca_abc","since":3,"epoch":"e"}"#,
    r#"{"type":"command","id":"c1","action":"question.ask","args":{"body":"How?","anonymous":false}}"#,
    r#"{"type":"command","id":"c2","action":"poll.vote","args":{"poll_id":"p","ballot":{"options":[0,2]}}}"#,
    r#"{"type":"command","id":"c3","action":"note.edit","args":{"note_id":"n","body":"x","takeaway":true}}"#,
    r#"{"type":"command","id":"c4","action":"question.pin","args":{"question_id":null}}"#,
    r#"{"type":"command","id":"c5","action":"poll.create","args":{"kind":"word_cloud","question":"?","open":true}}"#,
    r#"{"type":"ping","id":"p"}"#,
];

fn mutate(rng: &mut Rng, input: &[u8]) -> Vec<u8> {
    let mut out = input.to_vec();
    for _ in 0..=rng.below(4) {
        match rng.below(6) {
            0 if !out.is_empty() => {
                let i = rng.below(out.len());
                out[i] ^= 1 << rng.below(8);
            }
            1 => {
                let i = rng.below(out.len() + 1);
                out.insert(i, (rng.next() & 0xff) as u8);
            }
            2 if !out.is_empty() => {
                let i = rng.below(out.len());
                out.remove(i);
            }
            3 => out.truncate(rng.below(out.len() + 1)),
            4 => {
                let other = SEEDS[rng.below(SEEDS.len())].as_bytes();
                let at = rng.below(out.len() + 1);
                let from = rng.below(other.len());
                out.splice(at..at, other[from..].iter().copied());
            }
            _ => {
                let i = rng.below(out.len() + 1);
                let junk: &[u8] = [
                    &b"{"[..],
                    b"[",
                    b"\"",
                    b"\\",
                    b"\xff",
                    b"\x00",
                    b"99999999999999999999",
                ][rng.below(7)];
                out.splice(i..i, junk.iter().copied());
            }
        }
    }
    out
}

/// Everything a server does with a message's text, short of the store.
fn parse(text: &str) {
    if backchannel::ws::protocol::too_deep(text, backchannel::ws::protocol::MAX_JSON_DEPTH) {
        return;
    }
    if let Ok(env) = serde_json::from_str::<Envelope<'_>>(text)
        && let Some(action) = env.action.as_deref()
    {
        let _ = decode_command(action, env.args.map(|a| a.get()));
    }
}

#[test]
fn twenty_thousand_mutated_frames_never_crash_the_decoder_or_parsers() {
    let mut rng = Rng(0x2545_F491_4F6C_DD1D);
    let mut refused = 0;
    let mut decoded = 0;
    for i in 0..20_000 {
        let seed = SEEDS[i % SEEDS.len()].as_bytes();
        let payload = mutate(&mut rng, seed);
        // Mutate the framing too, half the time.
        let mut frame = masked(1, &payload);
        if i % 2 == 0 {
            frame = mutate(&mut rng, &frame);
        }
        let mut decoder = Decoder::default();
        let mut out = Vec::new();
        // Feed in random pieces, as a socket would.
        let mut pos = 0;
        let mut failed = false;
        while pos < frame.len() {
            let n = 1 + rng.below(frame.len() - pos);
            if decoder
                .feed(&frame[pos..pos + n], 64 * 1024, &mut out)
                .is_err()
            {
                failed = true;
                break;
            }
            pos += n;
        }
        if failed {
            refused += 1;
        }
        for message in out {
            decoded += 1;
            if let Incoming::Text(text) = message {
                parse(&text);
            }
        }
        parse(&String::from_utf8_lossy(&payload));
    }
    assert!(
        refused > 1_000 && decoded > 1_000,
        "the mutations should exercise both paths: {refused} refused, {decoded} decoded"
    );
    eprintln!(
        "S1: 20,000 mutated frames: {refused} refused by the decoder, {decoded} messages decoded and parsed; 0 crashes"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mutated_messages_over_a_real_socket_are_answered_and_a_neighbour_is_unaffected() {
    let server = TestServer::start().await;
    let session = server.session(json!({})).await;
    let token = server.join(&session.code, None).await;
    let neighbour_token = server.join(&session.code, None).await;
    let (mut neighbour, _) = Client::joined(&server, &neighbour_token, None, None).await;
    let (mut speaker, _) = Client::joined(&server, &session.speaker, None, None).await;
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let mut answered = 0;
    let mut closed = 0;
    let mut sent = 0;
    while sent < 1_000 {
        // One connection per batch; a batch ends when the server closes it.
        let mut raw = Raw::connect(&server).await;
        raw.send_text(&json!({ "type": "join", "token": token }).to_string())
            .await;
        for _ in 0..50 {
            let seed = SEEDS[rng.below(SEEDS.len())];
            let payload = mutate(&mut rng, seed.as_bytes());
            if raw.tcp.write_all(&masked(1, &payload)).await.is_err() {
                break;
            }
            sent += 1;
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
        match tokio::time::timeout(
            Duration::from_millis(300),
            raw.close_code(Duration::from_secs(1)),
        )
        .await
        {
            Ok(Some(code)) => {
                assert!(
                    [1002, 1003, 1007, 1008, 1009, 4004].contains(&code),
                    "undocumented close code {code}"
                );
                closed += 1;
            }
            _ => answered += 1,
        }
    }
    // The neighbour never noticed.
    let ack = speaker
        .call("note.post", json!({ "body": "still here" }))
        .await;
    assert_eq!(ack["type"], "ack");
    assert_eq!(
        neighbour.recv_event("note.posted").await["data"]["body"],
        "still here"
    );
    let (status, _) = server.get("/healthz", None).await;
    assert_eq!(status, 200);
    eprintln!(
        "S1: {sent} mutated messages over {} connections ({closed} closed with a documented code); neighbour unaffected",
        answered + closed
    );
}
