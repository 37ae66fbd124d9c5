//! Link previews and share actions of the public pages: the Open Graph and
//! Twitter card tags of `<head>`, and the share bar (a link to copy, the
//! platforms' share intents as plain links, Mastodon with an instance the
//! visitor types, the Web Share API where the browser has it). The intents
//! only open the platform's own compose page: nothing is posted on anyone's
//! behalf, and no third-party script is loaded (`/js/share-page.js`, our
//! own, adds copying, Web Share and Mastodon).

use std::fmt::Write;

use super::card::{HEIGHT, WIDTH};
use super::encode_component;
use crate::export::html::esc;

/// What a page's `<head>` says about it to link previews. URLs are absolute.
#[derive(Debug, Clone)]
pub struct Head {
    /// `<title>` and `og:title`.
    pub title: String,
    /// `og:description`.
    pub description: String,
    /// The canonical URL (`og:url`, `<link rel="canonical">`).
    pub url: String,
    /// The card (`og:image`).
    pub image: String,
    /// The card in words (`og:image:alt`).
    pub image_alt: String,
    /// `og:type`: `article` or `profile`.
    pub kind: &'static str,
    /// `og:site_name`.
    pub site: String,
}

/// A complete `<head>`: charset, viewport, title, canonical link, the
/// description, Open Graph and Twitter tags, the stylesheet and icon.
pub fn head(out: &mut String, h: &Head) {
    let _ = writeln!(
        out,
        "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>{}</title>",
        esc(&h.title)
    );
    tags(out, h);
    out.push_str(
        "<link rel=\"stylesheet\" href=\"/export.css\">\n<link rel=\"icon\" href=\"/favicon.svg\" type=\"image/svg+xml\">\n\
         <script type=\"module\" src=\"/js/share-page.js\"></script>\n</head>\n<body class=\"export\">\n",
    );
}

/// The preview tags alone (the archive's session pages add them to their own head).
pub fn tags(out: &mut String, h: &Head) {
    let _ = writeln!(out, "<link rel=\"canonical\" href=\"{}\">", esc(&h.url));
    let meta = |out: &mut String, attr: &str, key: &str, value: &str| {
        let _ = writeln!(out, "<meta {attr}=\"{key}\" content=\"{}\">", esc(value));
    };
    meta(out, "name", "description", &h.description);
    meta(out, "property", "og:type", h.kind);
    meta(out, "property", "og:site_name", &h.site);
    meta(out, "property", "og:title", &h.title);
    meta(out, "property", "og:description", &h.description);
    meta(out, "property", "og:url", &h.url);
    meta(out, "property", "og:image", &h.image);
    meta(out, "property", "og:image:type", "image/png");
    meta(out, "property", "og:image:width", &WIDTH.to_string());
    meta(out, "property", "og:image:height", &HEIGHT.to_string());
    meta(out, "property", "og:image:alt", &h.image_alt);
    meta(out, "name", "twitter:card", "summary_large_image");
    meta(out, "name", "twitter:title", &h.title);
    meta(out, "name", "twitter:description", &h.description);
    meta(out, "name", "twitter:image", &h.image);
    meta(out, "name", "twitter:image:alt", &h.image_alt);
}

/// The platforms' share intents for `url` with `text`: (name, href).
/// Each only opens the platform's compose page with the text filled in.
pub fn intents(url: &str, text: &str) -> Vec<(&'static str, String)> {
    let u = encode_component(url);
    let t = encode_component(text);
    let both = encode_component(&format!("{text} {url}"));
    vec![
        (
            "LinkedIn",
            format!("https://www.linkedin.com/sharing/share-offsite/?url={u}"),
        ),
        (
            "X (Twitter)",
            format!("https://x.com/intent/tweet?text={t}&url={u}"),
        ),
        (
            "Bluesky",
            format!("https://bsky.app/intent/compose?text={both}"),
        ),
    ]
}

/// The share bar: the link to copy, the intents, Mastodon and Web Share
/// (the last two, and the copy button, appear when the page's script runs).
pub fn share_bar(out: &mut String, url: &str, text: &str, heading_level: u8) {
    let h = heading_level.clamp(2, 6);
    let _ = writeln!(
        out,
        "<section class=\"share\" aria-labelledby=\"share-heading\" data-share-url=\"{}\" data-share-text=\"{}\">\n\
         <h{h} id=\"share-heading\">Share</h{h}>\n\
         <p><label for=\"share-link\">Link</label> <input id=\"share-link\" class=\"share-link\" type=\"text\" readonly value=\"{}\">\n\
         <button type=\"button\" class=\"share-copy\" hidden>Copy link</button>\n\
         <button type=\"button\" class=\"share-native\" hidden>Share…</button>\n\
         <span class=\"share-status\" role=\"status\"></span></p>\n<ul class=\"share-intents\">",
        esc(url),
        esc(text),
        esc(url)
    );
    for (name, href) in intents(url, text) {
        let _ = writeln!(
            out,
            "<li><a href=\"{}\" target=\"_blank\" rel=\"noopener noreferrer\" data-intent=\"{}\">Share on {}</a></li>",
            esc(&href),
            esc(name),
            esc(name)
        );
    }
    out.push_str(
        "</ul>\n<form class=\"share-mastodon\" hidden>\n\
         <label for=\"share-mastodon-instance\">Your Mastodon server</label>\n\
         <input id=\"share-mastodon-instance\" name=\"instance\" type=\"text\" inputmode=\"url\" autocomplete=\"off\" \
         spellcheck=\"false\" placeholder=\"mastodon.social\" required>\n\
         <button type=\"submit\">Share on Mastodon</button>\n</form>\n\
         <p class=\"share-note\">Each button opens that site's own page to write a post; nothing is posted for you.</p>\n\
         </section>\n",
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn intents_are_encoded() {
        let list = intents("https://e.org/t/a?b=1", "Q&A: \"x\" #1");
        assert_eq!(
            list[0].1,
            "https://www.linkedin.com/sharing/share-offsite/?url=https%3A%2F%2Fe.org%2Ft%2Fa%3Fb%3D1"
        );
        assert!(
            list[1].1.ends_with(
                "text=Q%26A%3A%20%22x%22%20%231&url=https%3A%2F%2Fe.org%2Ft%2Fa%3Fb%3D1"
            )
        );
        assert!(
            list[2]
                .1
                .contains("text=Q%26A%3A%20%22x%22%20%231%20https%3A%2F%2F")
        );
    }
}
