//! Community safety: attendees flag questions and notes for the moderators
//! (only staff ever see a flag), moderators dismiss or remove, every step is
//! in the audit log, and removed content never gets a permalink; the
//! code-of-conduct gate refuses a first question until it is acknowledged.

use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{Client, TestServer, s};
use crate::scripted::ok;
use crate::share::{fetch, publish};

/// The actions of an event's audit log, oldest first.
async fn audit_actions(server: &TestServer, event_id: &str, organizer: &str) -> Vec<String> {
    let (status, audit) = server
        .get(&format!("/api/v1/events/{event_id}/audit"), Some(organizer))
        .await;
    assert_eq!(status, 200, "{audit}");
    audit
        .as_array()
        .expect("entries")
        .iter()
        .map(|e| s(&e["action"]))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn flags_reach_only_moderators_and_removing_hides_the_question_everywhere() {
    let server = TestServer::start().await;
    let session = server.session(json!({})).await;
    let asker_token = server.join(&session.code, Some("Ana")).await;
    let flagger_token = server.join(&session.code, None).await;
    let second_token = server.join(&session.code, None).await;
    let (mut speaker, _) = Client::joined(&server, &session.speaker, None, None).await;
    let (mut asker, _) = Client::joined(&server, &asker_token, None, None).await;
    let (mut flagger, _) = Client::joined(&server, &flagger_token, None, None).await;
    speaker.call("session.start", json!({})).await;

    let ack = asker
        .call("question.ask", json!({ "body": "BUY CHEAP WATCHES" }))
        .await;
    let question_id = s(&ack["result"]["id"]);
    speaker
        .call(
            "question.answer",
            json!({ "question_id": question_id, "reply": "No." }),
        )
        .await;

    // An attendee flags it; they learn only that the report was received.
    let raised = flagger
        .call(
            "flag.raise",
            json!({ "kind": "question", "id": question_id, "reason": "spam", "detail": "an advert" }),
        )
        .await;
    assert_eq!(raised["type"], "ack", "{raised}");
    assert_eq!(raised["result"]["state"], "open");
    let flag_id = s(&raised["result"]["id"]);
    let again = flagger
        .call(
            "flag.raise",
            json!({ "kind": "question", "id": question_id, "reason": "spam" }),
        )
        .await;
    assert_eq!(
        again["code"], "conflict",
        "one open flag per attendee: {again}"
    );
    let missing = flagger
        .call(
            "flag.raise",
            json!({ "kind": "note", "id": question_id, "reason": "spam" }),
        )
        .await;
    assert_eq!(missing["code"], "not_found", "{missing}");
    let (_, snap) = Client::joined(&server, &flagger_token, None, None).await;
    assert_eq!(snap["me"]["flagged"], json!([question_id]));
    assert!(snap.get("flags").is_none(), "attendees get no flag list");

    // The moderators see it live, with what was reported.
    let seen = speaker.recv_event("flag.raised").await;
    assert_eq!(seen["data"]["id"], flag_id.as_str());
    assert_eq!(seen["data"]["reason"], "spam");
    assert_eq!(seen["data"]["detail"], "an advert");
    assert_eq!(seen["data"]["excerpt"], "BUY CHEAP WATCHES");
    let flags_path = format!("/api/v1/sessions/{}/flags", session.id);
    let (status, _) = server.get(&flags_path, Some(&asker_token)).await;
    assert_eq!(status, 403, "attendees cannot list flags");
    // A second attendee flags the same question over REST.
    let (status, second) = server
        .post(
            &flags_path,
            Some(&second_token),
            json!({ "kind": "question", "id": question_id, "reason": "abusive" }),
        )
        .await;
    assert_eq!(status, 201, "{second}");
    let (status, list) = server.get(&flags_path, Some(&session.speaker)).await;
    assert_eq!(status, 200, "{list}");
    assert_eq!(list.as_array().map(Vec::len), Some(2));
    let (_, staff_snap) = Client::joined(&server, &session.speaker, None, None).await;
    assert_eq!(staff_snap["flags"].as_array().map(Vec::len), Some(2));

    // Removing closes both flags and hides the question from attendees.
    let resolved = ok(
        &server,
        Method::POST,
        &format!("{flags_path}/{flag_id}/resolve"),
        &session.speaker,
        Some(json!({ "action": "remove" })),
    )
    .await;
    let closed = resolved["result"]["flags"].as_array().expect("flags");
    assert_eq!(closed.len(), 2);
    assert!(closed.iter().all(|f| f["state"] == "removed"), "{resolved}");
    let removed = asker.recv_event("question.removed").await;
    assert_eq!(removed["data"]["id"], question_id.as_str());
    let (status, twice) = server
        .post(
            &format!("{flags_path}/{flag_id}/resolve"),
            Some(&session.speaker),
            json!({ "action": "dismiss" }),
        )
        .await;
    assert_eq!((status, s(&twice["code"])), (409, "conflict".to_string()));

    // Nothing of it ever reached an attendee's stream.
    let (mut replay, first) = Client::joined(&server, &asker_token, None, Some(0)).await;
    assert_eq!(first["type"], "resumed", "{first}");
    let to = first["to"].as_u64().expect("to");
    for seq in 1..=to {
        let event = replay.recv_type("event").await;
        assert_eq!(event["seq"], seq);
        let kind = event["kind"].as_str().unwrap_or_default();
        assert!(!kind.starts_with("flag."), "attendees saw {event}");
        assert!(!event.to_string().contains("an advert"), "{event}");
    }

    let actions = audit_actions(&server, &session.event_id, &session.organizer).await;
    for expected in ["flag.raise", "question.hide", "flag.remove"] {
        assert!(actions.contains(&expected.to_string()), "{actions:?}");
    }
    assert_eq!(actions.iter().filter(|a| *a == "flag.raise").count(), 2);

    // Answered, but removed: the published archive gives it no permalink.
    speaker.call("session.end", json!({})).await;
    publish(&server, &session.event_id, &session.organizer, true).await;
    let permalink = format!(
        "/t/{}/{}/question/{question_id}",
        session.event_id, session.id
    );
    assert_eq!(fetch(&server, &permalink).await.0, 404);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flagged_note_is_kept_when_dismissed_and_loses_its_permalink_when_removed() {
    let server = TestServer::start().await;
    let session = server.session(json!({})).await;
    let token = server.join(&session.code, None).await;
    let (mut speaker, _) = Client::joined(&server, &session.speaker, None, None).await;
    let (mut attendee, _) = Client::joined(&server, &token, None, None).await;
    speaker.call("session.start", json!({})).await;
    let mut notes = Vec::new();
    for body in ["Kept takeaway", "Removed takeaway"] {
        let ack = speaker
            .call("note.post", json!({ "body": body, "takeaway": true }))
            .await;
        notes.push(s(&ack["result"]["id"]));
    }
    let mut flag_ids = Vec::new();
    for note in &notes {
        let ack = attendee
            .call(
                "flag.raise",
                json!({ "kind": "note", "id": note, "reason": "off_topic" }),
            )
            .await;
        assert_eq!(ack["type"], "ack", "{ack}");
        flag_ids.push(s(&ack["result"]["id"]));
    }
    let not_staff = attendee
        .call(
            "flag.resolve",
            json!({ "flag_id": flag_ids[0], "action": "remove" }),
        )
        .await;
    assert_eq!(not_staff["code"], "forbidden", "{not_staff}");

    let kept = speaker
        .call(
            "flag.resolve",
            json!({ "flag_id": flag_ids[0], "action": "dismiss" }),
        )
        .await;
    assert_eq!(kept["result"]["flags"][0]["state"], "dismissed", "{kept}");
    let gone = speaker
        .call(
            "flag.resolve",
            json!({ "flag_id": flag_ids[1], "action": "remove" }),
        )
        .await;
    assert_eq!(gone["result"]["flags"][0]["state"], "removed", "{gone}");
    let deleted = attendee.recv_event("note.deleted").await;
    assert_eq!(deleted["data"]["id"], notes[1].as_str());

    let (_, snap) = Client::joined(&server, &token, None, None).await;
    let bodies: Vec<Value> = snap["notes"]
        .as_array()
        .expect("notes")
        .iter()
        .map(|n| n["body"].clone())
        .collect();
    assert_eq!(bodies, vec![json!("Kept takeaway")]);
    let actions = audit_actions(&server, &session.event_id, &session.organizer).await;
    assert!(actions.contains(&"flag.dismiss".to_string()), "{actions:?}");
    assert!(actions.contains(&"flag.remove".to_string()), "{actions:?}");

    publish(&server, &session.event_id, &session.organizer, true).await;
    let link = |id: &str| format!("/t/{}/{}/note/{id}", session.event_id, session.id);
    assert_eq!(fetch(&server, &link(&notes[0])).await.0, 200);
    assert_eq!(fetch(&server, &link(&notes[1])).await.0, 404);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_code_of_conduct_gate_holds_the_first_question_until_acknowledged() {
    let server = TestServer::start().await;
    let session = server.session(json!({})).await;
    let token = server.join(&session.code, None).await;
    let (mut attendee, snap) = Client::joined(&server, &token, None, None).await;
    assert_eq!(snap["event"]["require_coc_ack"], false);
    let no_coc = attendee.call("coc.acknowledge", json!({})).await;
    assert_eq!(
        no_coc["code"], "conflict",
        "no code to acknowledge: {no_coc}"
    );

    let event_path = format!("/api/v1/events/{}", session.event_id);
    let (status, refused) = server
        .call(
            Method::PATCH,
            &event_path,
            Some(&session.organizer),
            Some(json!({ "settings": { "require_coc_ack": true } })),
        )
        .await;
    assert_eq!(status, 422, "a gate needs a code: {refused}");
    ok(
        &server,
        Method::PATCH,
        &event_path,
        &session.organizer,
        Some(json!({ "settings": {
            "code_of_conduct": "Be *kind*. No harassment.",
            "require_coc_ack": true,
        } })),
    )
    .await;
    // Connected attendees learn it live, with the code rendered safely.
    let updated = attendee.recv_event("event.updated").await;
    assert_eq!(updated["data"]["require_coc_ack"], true, "{updated}");
    assert_eq!(
        updated["data"]["code_of_conduct_html"],
        "<p>Be <em>kind</em>. No harassment.</p>\n"
    );
    assert_eq!(updated["data"]["archive_published"], false);
    publish(&server, &session.event_id, &session.organizer, true).await;
    let updated = attendee.recv_event("event.updated").await;
    assert_eq!(updated["data"]["archive_published"], true, "{updated}");

    let (mut attendee, snap) = Client::joined(&server, &token, None, None).await;
    assert_eq!(snap["event"]["require_coc_ack"], true);
    assert_eq!(
        snap["event"]["code_of_conduct"],
        "Be *kind*. No harassment."
    );
    assert_eq!(snap["me"]["coc_acknowledged"], false);
    let refused = attendee
        .call("question.ask", json!({ "body": "May I ask?" }))
        .await;
    assert_eq!(refused["code"], "coc_required", "{refused}");
    let questions = format!("/api/v1/sessions/{}/questions", session.id);
    let (status, body) = server
        .post(&questions, Some(&token), json!({ "body": "Over REST?" }))
        .await;
    assert_eq!(
        (status, s(&body["code"])),
        (403, "coc_required".to_string())
    );

    // Acknowledging over REST opens the gate for every device of the attendee.
    let acked = ok(
        &server,
        Method::POST,
        &format!("/api/v1/sessions/{}/me/coc", session.id),
        &token,
        None,
    )
    .await;
    assert_eq!(acked["result"]["acknowledged"], true, "{acked}");
    let asked = attendee
        .call("question.ask", json!({ "body": "May I ask now?" }))
        .await;
    assert_eq!(asked["type"], "ack", "{asked}");
    let (_, snap) = Client::joined(&server, &token, None, None).await;
    assert_eq!(snap["me"]["coc_acknowledged"], true);

    // Another attendee is still held; speakers are never asked.
    let other = server.join(&session.code, None).await;
    let (status, _) = server
        .post(&questions, Some(&other), json!({ "body": "And me?" }))
        .await;
    assert_eq!(status, 403);
    let (mut speaker, _) = Client::joined(&server, &session.speaker, None, None).await;
    let not_attendee = speaker.call("coc.acknowledge", json!({})).await;
    assert_eq!(not_attendee["code"], "forbidden", "{not_attendee}");
}
