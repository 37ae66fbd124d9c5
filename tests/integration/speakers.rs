//! Speaker pages: a speaker opts a session in with its speaker token; the
//! page shows only sessions of published archives, with the speaker's
//! disclosure and links to the shareable highlights; a page name is theirs
//! (adding a session of another event needs the page key); opting out or
//! unpublishing takes the session off.

use reqwest::Method;
use scraper::{Html, Selector};
use serde_json::json;

use crate::helpers::{TestServer, s};
use crate::scripted::{ok, scripted};
use crate::share::{fetch, meta, png_size, publish};

/// The page's visible text.
fn text(html: &[u8]) -> String {
    Html::parse_document(&String::from_utf8_lossy(html))
        .root_element()
        .text()
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_speaker_page_gathers_published_sessions_across_events() {
    let server = TestServer::start().await;
    let script = scripted(&server).await;
    let first = &script.session;
    let opt_in = |id: &str| format!("/api/v1/sessions/{id}/speaker-page");

    // Only the session's own speaker token may opt in, for a listed speaker.
    let attendee = &script.attendees[0];
    let body = json!({ "slug": "zoe-mueller", "speaker": "Zoë Müller" });
    for token in [attendee, &first.organizer, &first.projector] {
        let (status, _) = server
            .call(
                Method::PUT,
                &opt_in(&first.id),
                Some(token),
                Some(body.clone()),
            )
            .await;
        assert_eq!(status, 403);
    }
    for bad in [
        json!({ "slug": "Zoe", "speaker": "Zoë Müller" }),
        json!({ "slug": "-zoe", "speaker": "Zoë Müller" }),
        json!({ "slug": "zoe", "speaker": "Somebody Else" }),
    ] {
        let (status, answer) = server
            .call(
                Method::PUT,
                &opt_in(&first.id),
                Some(&first.speaker),
                Some(bad),
            )
            .await;
        assert_eq!((status, s(&answer["code"])), (422, "invalid".to_string()));
    }
    let (status, none) = server.get(&opt_in(&first.id), Some(&first.speaker)).await;
    assert_eq!((status, none), (200, json!([])));
    let claimed = ok(
        &server,
        Method::PUT,
        &opt_in(&first.id),
        &first.speaker,
        Some(body),
    )
    .await;
    let (_, on) = server.get(&opt_in(&first.id), Some(&first.speaker)).await;
    assert_eq!(
        on,
        json!([{ "slug": "zoe-mueller", "url": server.url("/speakers/zoe-mueller") }]),
        "the page, never the key again"
    );
    let key = s(&claimed["key"]);
    assert_eq!(claimed["url"], server.url("/speakers/zoe-mueller"));

    // Nothing public until the organizer publishes.
    assert_eq!(fetch(&server, "/speakers/zoe-mueller").await.0, 404);
    publish(&server, &first.event_id, &first.organizer, true).await;
    let (status, kind, html) = fetch(&server, "/speakers/zoe-mueller").await;
    assert_eq!((status, kind.as_str()), (200, "text/html; charset=utf-8"));
    let page = text(&html);
    for expected in [
        "Zoë Müller",
        "Async Rust in practice",
        "Paid by Crab Co to maintain tokio-utils",
        "Use tokio::select! for cancellation.",
    ] {
        assert!(page.contains(expected), "the page shows {expected}");
    }
    for secret in crate::scripted::SECRETS {
        assert!(!page.contains(secret), "{secret} leaked");
    }
    let doc = Html::parse_document(&String::from_utf8_lossy(&html));
    assert_eq!(
        meta(&doc, "og:url"),
        Some(server.url("/speakers/zoe-mueller"))
    );
    let image = meta(&doc, "og:image").expect("og:image");
    assert!(image.starts_with(&server.url("/speakers/zoe-mueller/card.png")));
    let (status, _, card) = fetch(&server, &image).await;
    assert_eq!(status, 200);
    assert_eq!(png_size(&card), (1200, 630));
    let permalink = format!(
        "/t/{}/{}/note/{}",
        first.event_id, first.id, script.notes[1]
    );
    let links: Vec<String> = doc
        .select(&Selector::parse("a[href]").expect("selector"))
        .filter_map(|a| a.value().attr("href").map(str::to_string))
        .collect();
    assert!(
        links.iter().any(|l| l.ends_with(&permalink)),
        "links the takeaway's permalink: {links:?}"
    );

    // A session of another event joins the page only with the page's key.
    let second = server
        .session(
            json!({ "title": "Async Rust, one year on", "speakers": [{ "name": "Zoë Müller" }] }),
        )
        .await;
    let again = json!({ "slug": "zoe-mueller", "speaker": "Zoë Müller" });
    let (status, answer) = server
        .call(
            Method::PUT,
            &opt_in(&second.id),
            Some(&second.speaker),
            Some(again.clone()),
        )
        .await;
    assert_eq!((status, s(&answer["code"])), (409, "conflict".to_string()));
    let with_key = json!({ "slug": "zoe-mueller", "speaker": "Zoë Müller", "key": key });
    let added = ok(
        &server,
        Method::PUT,
        &opt_in(&second.id),
        &second.speaker,
        Some(with_key),
    )
    .await;
    assert!(added.get("key").is_none(), "the key is shown once: {added}");
    let page = text(&fetch(&server, "/speakers/zoe-mueller").await.2);
    assert!(
        !page.contains("one year on"),
        "its event is not published yet"
    );
    publish(&server, &second.event_id, &second.organizer, true).await;
    let page = text(&fetch(&server, "/speakers/zoe-mueller").await.2);
    assert!(page.contains("Async Rust, one year on") && page.contains("Async Rust in practice"));

    // Opting out and unpublishing take sessions off; with none left, 404.
    let (status, _) = server
        .call(
            Method::DELETE,
            &opt_in(&second.id),
            Some(&second.speaker),
            None,
        )
        .await;
    assert_eq!(status, 204);
    let (_, none) = server.get(&opt_in(&second.id), Some(&second.speaker)).await;
    assert_eq!(none, json!([]));
    let page = text(&fetch(&server, "/speakers/zoe-mueller").await.2);
    assert!(!page.contains("one year on"));
    publish(&server, &first.event_id, &first.organizer, false).await;
    assert_eq!(fetch(&server, "/speakers/zoe-mueller").await.0, 404);
    assert_eq!(
        fetch(&server, "/speakers/zoe-mueller/card.png").await.0,
        404
    );
    assert_eq!(fetch(&server, "/speakers/nobody-here").await.0, 404);
}
