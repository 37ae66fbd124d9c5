//! Takeaways that travel: permalinks of a published archive (only for
//! shareable, published content; gone when unpublished), their link-preview
//! metadata (parsed with a real HTML parser, absolute URLs) and their share
//! cards (valid 1200×630 PNGs, re-rendered when the content changes).

use reqwest::Method;
use scraper::{Html, Selector};
use serde_json::json;

use crate::helpers::TestServer;
use crate::scripted::{Scripted, ok, scripted};

/// GET a path; returns (status, content type, bytes).
pub async fn fetch(server: &TestServer, path_or_url: &str) -> (u16, String, Vec<u8>) {
    let url = if path_or_url.starts_with("http") {
        path_or_url.to_string()
    } else {
        server.url(path_or_url)
    };
    let resp = server.http.get(url).send().await.expect("request");
    let status = resp.status().as_u16();
    let kind = resp
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    (status, kind, resp.bytes().await.expect("body").to_vec())
}

/// Decode a PNG; returns (width, height).
pub fn png_size(bytes: &[u8]) -> (u32, u32) {
    let reader = png::Decoder::new(std::io::Cursor::new(bytes.to_vec()))
        .read_info()
        .expect("a valid PNG");
    let info = reader.info();
    (info.width, info.height)
}

/// The `content` of `<meta property|name=key>`.
pub fn meta(doc: &Html, key: &str) -> Option<String> {
    let selector = Selector::parse(&format!("meta[property=\"{key}\"], meta[name=\"{key}\"]"))
        .expect("selector");
    doc.select(&selector)
        .next()
        .and_then(|m| m.value().attr("content"))
        .map(str::to_string)
}

/// Publish (or take down) an event's archive.
pub async fn publish(server: &TestServer, event_id: &str, organizer: &str, published: bool) {
    ok(
        server,
        Method::PUT,
        &format!("/api/v1/events/{event_id}/archive"),
        organizer,
        Some(json!({ "published": published })),
    )
    .await;
}

fn path(script: &Scripted, kind: &str, id: &str) -> String {
    let s = &script.session;
    format!("/t/{}/{}/{kind}/{id}", s.event_id, s.id)
}

/// The items of the scripted session that get a permalink.
fn shareable(script: &Scripted) -> Vec<String> {
    vec![
        path(script, "note", &script.notes[1]),
        path(script, "question", &script.questions[0]),
        path(script, "poll", &script.polls[0]),
        path(script, "poll", &script.polls[1]),
        path(script, "poll", &script.polls[2]),
    ]
}

/// Everything else: plain notes, deleted notes, unanswered, pending, hidden,
/// withdrawn and rejected questions, open, draft and deleted polls, and ids
/// under the wrong kind, session or event.
fn not_shareable(script: &Scripted) -> Vec<String> {
    let s = &script.session;
    let mut list = vec![
        path(script, "note", &script.notes[0]),
        path(script, "note", &script.notes[2]),
        path(script, "poll", &script.polls[3]),
        path(script, "poll", &script.polls[4]),
        path(script, "poll", &script.polls[5]),
        path(script, "question", &script.notes[1]),
        path(script, "note", &script.questions[0]),
        path(script, "answer", &script.questions[0]),
        format!("/t/{}/{}/note/{}", s.id, s.id, script.notes[1]),
        format!("/t/{}/{}/note/{}", s.event_id, s.event_id, script.notes[1]),
        format!("/t/{}/{}/note/..%2F..%2Fetc", s.event_id, s.id),
    ];
    for q in &script.questions[1..] {
        list.push(path(script, "question", q));
    }
    list
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn permalinks_exist_only_for_published_shareable_content() {
    let server = TestServer::start().await;
    let script = scripted(&server).await;
    let s = &script.session;
    let session_card = format!("/archive/{}/{}/card.png", s.event_id, s.id);
    for p in shareable(&script) {
        assert_eq!(fetch(&server, &p).await.0, 404, "unpublished: {p}");
        assert_eq!(fetch(&server, &format!("{p}/card.png")).await.0, 404);
    }
    assert_eq!(fetch(&server, &session_card).await.0, 404);

    publish(&server, &s.event_id, &s.organizer, true).await;
    for p in shareable(&script) {
        let (status, kind, _) = fetch(&server, &p).await;
        assert_eq!(
            (status, kind.as_str()),
            (200, "text/html; charset=utf-8"),
            "{p}"
        );
        let (status, kind, bytes) = fetch(&server, &format!("{p}/card.png")).await;
        assert_eq!((status, kind.as_str()), (200, "image/png"), "{p}/card.png");
        assert_eq!(png_size(&bytes), (1200, 630));
    }
    for p in not_shareable(&script) {
        assert_eq!(fetch(&server, &p).await.0, 404, "not shareable: {p}");
        assert_eq!(fetch(&server, &format!("{p}/card.png")).await.0, 404);
    }
    // No page, card or archive says anything that was never public.
    let mut everything = Vec::new();
    for p in shareable(&script) {
        everything.extend(fetch(&server, &p).await.2);
    }
    let text = String::from_utf8_lossy(&everything);
    for secret in crate::scripted::SECRETS {
        assert!(!text.contains(secret), "{secret} leaked");
    }
    assert_eq!(fetch(&server, &session_card).await.0, 200);

    // Unpublishing takes every page and card down.
    publish(&server, &s.event_id, &s.organizer, false).await;
    for p in shareable(&script) {
        assert_eq!(fetch(&server, &p).await.0, 404, "unpublished again: {p}");
        assert_eq!(fetch(&server, &format!("{p}/card.png")).await.0, 404);
    }
    assert_eq!(fetch(&server, &session_card).await.0, 404);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn askers_are_named_only_if_they_asked_with_their_name_and_the_event_allows_it() {
    let server = TestServer::start().await;
    let script = scripted(&server).await;
    let s = &script.session;
    publish(&server, &s.event_id, &s.organizer, true).await;
    let page = path(&script, "question", &script.questions[0]);
    let (_, _, html) = fetch(&server, &page).await;
    let html = String::from_utf8_lossy(&html).to_string();
    assert!(!html.contains("Ana"), "names are off by default");
    let card_before = meta(&Html::parse_document(&html), "og:image").expect("og:image");

    ok(
        &server,
        Method::PATCH,
        &format!("/api/v1/events/{}", s.event_id),
        &s.organizer,
        Some(json!({ "settings": { "allow_names_on_cards": true } })),
    )
    .await;
    let (_, _, html) = fetch(&server, &page).await;
    let html = String::from_utf8_lossy(&html).to_string();
    assert!(html.contains("Asked by Ana"), "Ana asked with her name");
    let card_after = meta(&Html::parse_document(&html), "og:image").expect("og:image");
    assert_ne!(
        card_before, card_after,
        "the card's URL follows its content"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_permalink_carries_link_preview_tags_with_absolute_urls_and_a_png_card() {
    let server = TestServer::start().await;
    let script = scripted(&server).await;
    let s = &script.session;
    publish(&server, &s.event_id, &s.organizer, true).await;
    let page = path(&script, "note", &script.notes[1]);
    let (_, _, html) = fetch(&server, &page).await;
    let doc = Html::parse_document(&String::from_utf8_lossy(&html));
    let canonical = server.url(&page);
    assert_eq!(meta(&doc, "og:url").as_deref(), Some(canonical.as_str()));
    let link = Selector::parse("link[rel=canonical]").unwrap();
    let href = doc
        .select(&link)
        .next()
        .and_then(|l| l.value().attr("href"));
    assert_eq!(href, Some(canonical.as_str()));
    let title = meta(&doc, "og:title").expect("og:title");
    assert!(
        title.starts_with("Key takeaway: Use tokio::select! for cancellation."),
        "{title}"
    );
    let description = meta(&doc, "og:description").expect("og:description");
    assert!(description.contains("tokio::select!"), "{description}");
    assert_eq!(meta(&doc, "og:type").as_deref(), Some("article"));
    assert_eq!(meta(&doc, "og:image:width").as_deref(), Some("1200"));
    assert_eq!(meta(&doc, "og:image:height").as_deref(), Some("630"));
    assert_eq!(meta(&doc, "og:image:type").as_deref(), Some("image/png"));
    let alt = meta(&doc, "og:image:alt").expect("og:image:alt");
    assert!(
        alt.contains("Zoë Müller") && alt.contains("tokio::select!"),
        "{alt}"
    );
    assert_eq!(
        meta(&doc, "twitter:card").as_deref(),
        Some("summary_large_image")
    );
    let note_image = meta(&doc, "og:image").expect("og:image");
    assert!(
        note_image.starts_with(&format!("{canonical}/card.png?v=")),
        "absolute, versioned: {note_image}"
    );
    assert_eq!(meta(&doc, "twitter:image"), Some(note_image.clone()));
    assert_eq!(meta(&doc, "twitter:image:alt"), Some(alt));
    let (status, kind, note_card) = fetch(&server, &note_image).await;
    assert_eq!((status, kind.as_str()), (200, "image/png"));
    assert_eq!(png_size(&note_card), (1200, 630));

    // In context: the quote, the speaker and disclosure, session, event, and
    // the moment in the recording (on the archive page and on YouTube).
    let text: String = doc.root_element().text().collect();
    for expected in [
        "Use tokio::select! for cancellation.",
        "Zoë Müller (Crab Co)",
        "Paid by Crab Co to maintain tokio-utils",
        "Async Rust in practice",
        "Test Conf",
        "12:34",
    ] {
        assert!(text.contains(expected), "the page shows {expected}");
    }
    let links: Vec<String> = doc
        .select(&Selector::parse("a[href]").unwrap())
        .filter_map(|a| a.value().attr("href").map(str::to_string))
        .collect();
    let archive = format!("/archive/{}/{}", s.event_id, s.id);
    assert!(
        links.contains(&format!("{archive}?t=754#recording")),
        "{links:?}"
    );
    assert!(links.contains(&"https://www.youtube.com/watch?v=dQw4w9WgXcQ&t=754".to_string()));
    let linkedin = format!(
        "https://www.linkedin.com/sharing/share-offsite/?url={}",
        canonical.replace(':', "%3A").replace('/', "%2F")
    );
    assert!(links.contains(&linkedin), "{links:?}");

    // The session's archive page previews too, and links every permalink.
    let (_, _, html) = fetch(&server, &archive).await;
    let doc = Html::parse_document(&String::from_utf8_lossy(&html));
    assert_eq!(meta(&doc, "og:url"), Some(server.url(&archive)));
    assert_eq!(
        meta(&doc, "twitter:card").as_deref(),
        Some("summary_large_image")
    );
    let image = meta(&doc, "og:image").expect("og:image");
    assert!(image.starts_with(&server.url(&format!("{archive}/card.png?v="))));
    let (status, _, bytes) = fetch(&server, &image).await;
    assert_eq!(status, 200);
    assert_eq!(png_size(&bytes), (1200, 630));
    let links: Vec<String> = doc
        .select(&Selector::parse("a.permalink").unwrap())
        .filter_map(|a| a.value().attr("href").map(str::to_string))
        .collect();
    for p in shareable(&script) {
        assert!(links.contains(&p), "the archive links {p}");
    }

    // An edit changes the card's URL and what it draws.
    ok(
        &server,
        Method::PATCH,
        &format!("/api/v1/sessions/{}/notes/{}", s.id, script.notes[1]),
        &s.speaker,
        Some(json!({ "body": "Cancel with `select!`, always." })),
    )
    .await;
    let (_, _, html) = fetch(&server, &page).await;
    let doc = Html::parse_document(&String::from_utf8_lossy(&html));
    let edited = meta(&doc, "og:image").expect("og:image");
    assert_ne!(edited, note_image);
    assert!(
        meta(&doc, "og:title")
            .unwrap()
            .contains("Cancel with select!")
    );
    let (_, _, fresh) = fetch(&server, &edited).await;
    assert_eq!(png_size(&fresh), (1200, 630));
    assert_ne!(fresh, note_card, "a new card was drawn");
}
