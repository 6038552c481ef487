//! Paging links that keep every filter of the request, so that following `next` (or `last`)
//! pages through the same selection.

use axum::http::HeaderMap;

/// `http://host{path}?k=v&…`, the values form-encoded, empty ones left out.
pub fn link(headers: &HeaderMap, path: &str, params: &[(&str, &str)]) -> String {
    let mut query = url::form_urlencoded::Serializer::new(String::new());
    for (k, v) in params.iter().filter(|(_, v)| !v.is_empty()) {
        query.append_pair(k, v);
    }
    format!("{}{path}?{}", super::base_url(headers), query.finish())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters_are_kept_and_encoded() {
        let mut h = HeaderMap::new();
        h.insert("host", "h:1".parse().unwrap());
        assert_eq!(
            link(
                &h,
                "/r",
                &[("labels", "a b,c"), ("scopes", ""), ("offset", "2")]
            ),
            "http://h:1/r?labels=a+b%2Cc&offset=2"
        );
    }
}
