//! Cross-site websocket hijacking defence: which `Origin`s may open `/ws`.
//!
//! With no allowlist configured, only the same origin is accepted: the
//! Origin's host and port must equal the request's `Host`. With an allowlist,
//! the Origin must equal one entry exactly (scheme, host and port; no
//! wildcards, no suffix or substring matching). A request without an Origin
//! header is not from a browser page and cannot be hijacked; it is allowed.

/// Whether a websocket handshake with this `origin` may proceed.
pub fn allowed(origin: Option<&str>, host: Option<&str>, allowlist: &[String]) -> bool {
    let Some(origin) = origin else { return true };
    if !allowlist.is_empty() {
        return allowlist.iter().any(|a| a.trim_end_matches('/') == origin);
    }
    let Some(host) = host else { return false };
    let Ok(parsed) = url::Url::parse(origin) else {
        return false;
    };
    if !matches!(parsed.scheme(), "http" | "https") || parsed.path() != "/" || origin.ends_with('/')
    {
        return false;
    }
    if parsed.username() != "" || parsed.password().is_some() || parsed.query().is_some() {
        return false;
    }
    let Some(origin_host) = parsed.host_str() else {
        return false;
    };
    let origin_authority = match parsed.port() {
        Some(port) => format!("{origin_host}:{port}"),
        None => origin_host.to_string(),
    };
    // The serialized Origin must be exactly scheme://authority.
    if origin != format!("{}://{}", parsed.scheme(), origin_authority) {
        return false;
    }
    let default_port = if parsed.scheme() == "https" {
        ":443"
    } else {
        ":80"
    };
    let normalize = |h: &str| {
        h.to_ascii_lowercase()
            .trim_end_matches(default_port)
            .to_string()
    };
    normalize(&origin_authority) == normalize(host)
}

#[cfg(test)]
mod tests {
    use super::allowed;

    #[test]
    fn same_origin_by_default() {
        assert!(allowed(
            Some("http://localhost:8080"),
            Some("localhost:8080"),
            &[]
        ));
        assert!(allowed(None, Some("localhost:8080"), &[]));
        assert!(!allowed(
            Some("http://evil.test"),
            Some("localhost:8080"),
            &[]
        ));
        assert!(!allowed(Some("null"), Some("localhost:8080"), &[]));
        assert!(!allowed(
            Some("http://localhost:8080.evil.test"),
            Some("localhost:8080"),
            &[]
        ));
    }

    #[test]
    fn allowlist_is_exact() {
        let list = vec!["https://live.example.org".to_string()];
        assert!(allowed(Some("https://live.example.org"), Some("x"), &list));
        assert!(!allowed(
            Some("https://live.example.org.evil.test"),
            Some("x"),
            &list
        ));
        assert!(!allowed(Some("http://live.example.org"), Some("x"), &list));
        assert!(!allowed(
            Some("https://evil.live.example.org"),
            Some("x"),
            &list
        ));
    }
}
