//! Paging links that keep every filter of the request, so that following `next` (or `last`)
//! pages through the same selection.

use std::collections::HashMap;

use axum::http::HeaderMap;
use serde_json::{Value, json};

/// The page a list request asks for: `pagesize` (1 to 100, 20 by default) items from the
/// `pagetoken` (an offset into the list).
pub struct Page {
    pub size: usize,
    pub offset: usize,
}

impl Page {
    /// The page of the query, or the service's message for a bad `pagesize` or `pagetoken`.
    pub fn from_query(q: &HashMap<String, String>) -> Result<Self, &'static str> {
        let size = match q.get("pagesize").map(|p| p.parse::<usize>()) {
            None => 20,
            Some(Ok(n)) if (1..=100).contains(&n) => n,
            Some(_) => return Err("pagesize must be a number from 1 to 100."),
        };
        let offset = match q.get("pagetoken").map(|p| p.parse::<usize>()) {
            None => 0,
            Some(Ok(n)) => n,
            Some(Err(_)) => return Err("Invalid pagetoken."),
        };
        Ok(Self { size, offset })
    }

    /// The items of this page.
    pub fn of<'a, T>(&self, all: &'a [T]) -> impl Iterator<Item = &'a T> {
        all.iter().skip(self.offset).take(self.size)
    }

    /// A list body's paging fields for `total` items: `offset`, `limit`, and the links
    /// `first`, `previous` (past the first page) and `next` (before the last), each keeping
    /// `filters`.
    pub fn body(
        &self,
        headers: &HeaderMap,
        path: &str,
        filters: &[(&str, &str)],
        total: usize,
    ) -> Value {
        let size = self.size.to_string();
        let link = |token: Option<usize>| {
            let token = token.map(|t| t.to_string()).unwrap_or_default();
            let mut params = filters.to_vec();
            params.extend([("pagesize", size.as_str()), ("pagetoken", token.as_str())]);
            link(headers, path, &params)
        };
        let mut body = json!({ "offset": self.offset, "limit": self.size, "first": link(None) });
        if self.offset > 0 {
            body["previous"] = Value::from(link(Some(self.offset.saturating_sub(self.size))));
        }
        // A page token is the caller's text: past the end it is an empty page, never an
        // overflow.
        let next = self.offset.saturating_add(self.size);
        if next < total {
            body["next"] = Value::from(link(Some(next)));
        }
        body
    }
}

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

    fn query(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn a_page_is_read_from_the_query_within_its_bounds() {
        let p = Page::from_query(&query(&[])).unwrap();
        assert_eq!((p.size, p.offset), (20, 0));
        let p = Page::from_query(&query(&[("pagesize", "100"), ("pagetoken", "7")])).unwrap();
        assert_eq!((p.size, p.offset), (100, 7));
        for bad in ["0", "101", "x"] {
            assert!(Page::from_query(&query(&[("pagesize", bad)])).is_err());
        }
        assert_eq!(
            Page::from_query(&query(&[("pagetoken", "-1")])).err(),
            Some("Invalid pagetoken.")
        );
    }

    #[test]
    fn links_go_back_and_on_only_where_there_is_a_page() {
        let mut h = HeaderMap::new();
        h.insert("host", "h:1".parse().unwrap());
        let page = |offset| Page { size: 2, offset };
        let items = [1, 2, 3, 4, 5];
        assert_eq!(page(2).of(&items).collect::<Vec<_>>(), [&3, &4]);
        let first = page(0).body(&h, "/r", &[("name", "a")], items.len());
        assert_eq!(first["first"], "http://h:1/r?name=a&pagesize=2");
        assert_eq!(first["next"], "http://h:1/r?name=a&pagesize=2&pagetoken=2");
        assert!(first.get("previous").is_none());
        let last = page(4).body(&h, "/r", &[], items.len());
        assert_eq!(last["previous"], "http://h:1/r?pagesize=2&pagetoken=2");
        assert!(last.get("next").is_none());
        // A token near the end of `usize` is an empty last page, not an overflow.
        let far = page(usize::MAX).body(&h, "/r", &[], items.len());
        assert!(far.get("next").is_none());
        assert_eq!(page(usize::MAX).of(&items).count(), 0);
    }

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
