//! The post-event archive (published pages, unpublished 404s, the recording
//! embedded and moments linked) and personal takeaways (stars and their
//! Markdown, for the attendee alone).

use reqwest::Method;
use serde_json::json;

use crate::helpers::{TestServer, s};
use crate::scripted::{SECRETS, scripted};

async fn page(server: &TestServer, path: &str) -> (u16, reqwest::header::HeaderMap, String) {
    let resp = server
        .http
        .get(server.url(path))
        .send()
        .await
        .expect("request");
    let status = resp.status().as_u16();
    let headers = resp.headers().clone();
    (status, headers, resp.text().await.expect("body"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_published_archive_shows_each_session_with_its_recording() {
    let server = TestServer::start().await;
    let script = scripted(&server).await;
    let session = &script.session;
    let index = format!("/archive/{}", session.event_id);
    let talk = format!("{index}/{}", session.id);
    assert_eq!(page(&server, &index).await.0, 404, "unpublished");
    assert_eq!(page(&server, &talk).await.0, 404, "unpublished");

    let archive = format!("/api/v1/events/{}/archive", session.event_id);
    let (status, _) = server
        .call(
            Method::PUT,
            &archive,
            Some(&session.speaker),
            Some(json!({ "published": true })),
        )
        .await;
    assert_eq!(status, 403, "only organizers publish");
    let (status, body) = server
        .call(
            Method::PUT,
            &archive,
            Some(&session.organizer),
            Some(json!({ "published": true })),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["published"], true);
    assert!(s(&body["url"]).ends_with(&index));

    let (status, headers, html) = page(&server, &index).await;
    assert_eq!(status, 200);
    assert_eq!(headers["content-type"], "text/html; charset=utf-8");
    assert!(
        html.contains(&format!("href=\"{talk}\"")),
        "the index links the session"
    );
    assert!(html.contains("Async Rust in practice"));

    let (status, headers, html) = page(&server, &format!("{talk}?t=754")).await;
    assert_eq!(status, 200);
    let csp = headers["content-security-policy"].to_str().unwrap();
    assert!(csp.contains("style-src 'self'"), "{csp}");
    assert!(
        !html.contains("<style") && !html.contains("<script>"),
        "no inline style or script"
    );
    assert!(
        html.contains("<script type=\"module\" src=\"/js/share-page.js\"></script>"),
        "only our own share script, from a file"
    );
    assert!(html.contains("<link rel=\"stylesheet\" href=\"/export.css\">"));
    assert!(
        html.contains("src=\"https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ?start=754\""),
        "the recording starts at ?t"
    );
    assert!(
        html.contains("href=\"?t=1500#recording\""),
        "the answer's moment is linked"
    );
    assert!(html.contains("It scales <strong>linearly</strong> to 64 cores."));
    assert!(html.contains("Zoë Müller"));
    assert!(
        !html.contains("asked by"),
        "askers' names stay off the public archive by default"
    );
    for secret in SECRETS {
        assert!(!html.contains(secret), "archive leaks {secret}");
    }
    let (status, headers, css) = page(&server, "/export.css").await;
    assert_eq!(status, 200);
    assert_eq!(headers["content-type"], "text/css; charset=utf-8");
    assert!(css.contains("@media print"));

    // A session of another event is not reachable under this event.
    let other = server.session(json!({})).await;
    assert_eq!(page(&server, &format!("{index}/{}", other.id)).await.0, 404);
    assert_eq!(page(&server, &format!("{index}/not-an-id")).await.0, 404);

    let (status, _) = server
        .call(
            Method::PUT,
            &archive,
            Some(&session.organizer),
            Some(json!({ "published": false })),
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(page(&server, &talk).await.0, 404, "unpublished again");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn attendees_star_takeaways_and_download_them_alone() {
    let server = TestServer::start().await;
    let script = scripted(&server).await;
    let session = &script.session;
    let (ana, ben) = (&script.attendees[0], &script.attendees[1]);
    let me = format!("/api/v1/sessions/{}/me", session.id);
    let star = |kind: &str, id: &str| format!("{me}/stars/{kind}/{id}");

    for (kind, id) in [
        ("note", &script.notes[1]),
        ("question", &script.questions[0]),
    ] {
        let (status, body) = server
            .call(Method::PUT, &star(kind, id), Some(ana), None)
            .await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(body["result"]["starred"], true);
    }
    // Starring again changes nothing; hidden, deleted or unknown things cannot be starred.
    assert_eq!(
        server
            .call(
                Method::PUT,
                &star("note", &script.notes[1]),
                Some(ana),
                None
            )
            .await
            .0,
        200
    );
    assert_eq!(
        server
            .call(
                Method::PUT,
                &star("question", &script.questions[3]),
                Some(ana),
                None
            )
            .await
            .0,
        404
    );
    assert_eq!(
        server
            .call(
                Method::PUT,
                &star("note", &script.notes[2]),
                Some(ana),
                None
            )
            .await
            .0,
        404
    );
    assert_eq!(
        server
            .call(
                Method::PUT,
                &star("poll", &script.polls[0]),
                Some(ana),
                None
            )
            .await
            .0,
        422
    );
    assert_eq!(
        server
            .call(
                Method::PUT,
                &star("note", &script.notes[0]),
                Some(&session.speaker),
                None
            )
            .await
            .0,
        403,
        "stars are an attendee's"
    );

    let (status, list) = server.get(&format!("{me}/stars"), Some(ana)).await;
    assert_eq!(status, 200);
    assert_eq!(list.as_array().unwrap().len(), 2);
    let (_, list) = server.get(&format!("{me}/stars"), Some(ben)).await;
    assert_eq!(list.as_array().unwrap().len(), 0, "Ben sees only his own");

    let resp = server
        .http
        .get(server.url(&format!("{me}/takeaways.md")))
        .bearer_auth(ana)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(
        resp.headers()["content-disposition"],
        "attachment; filename=\"takeaways-async-rust-in-practice.md\""
    );
    let md = resp.text().await.unwrap();
    assert!(
        md.starts_with("# My takeaways: Async Rust in practice\n"),
        "{md}"
    );
    assert!(md.contains("- [12:34](https://www.youtube.com/watch?v=dQw4w9WgXcQ&t=754) Use `tokio::select!` for cancellation."), "{md}");
    assert!(md.contains("### How does the executor scale?"), "{md}");
    assert!(md.contains("It scales **linearly** to 64 cores."), "{md}");
    assert!(!md.contains("compile time"), "only starred notes: {md}");

    for token in [session.organizer.as_str(), session.speaker.as_str()] {
        let (status, _) = server.get(&format!("{me}/takeaways.md"), Some(token)).await;
        assert_eq!(status, 403, "nobody but the attendee reads their takeaways");
    }
    let (status, body) = server.get(&format!("{me}/takeaways.md"), Some(ben)).await;
    assert_eq!(status, 200);
    assert!(body.as_str().unwrap().contains("Nothing saved yet"));

    let (status, _) = server
        .call(
            Method::DELETE,
            &star("note", &script.notes[1]),
            Some(ana),
            None,
        )
        .await;
    assert_eq!(status, 200);
    let (_, list) = server.get(&format!("{me}/stars"), Some(ana)).await;
    assert_eq!(list.as_array().unwrap().len(), 1);
}
