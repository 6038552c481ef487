//! The one mapping between curl's options and the request model, both ways:
//! [`from_curl`] computes the request curl would send (its defaults, its `@file` reading, its
//! URL encoding; the data and form rules are in `curl_data`), and [`to_curl`] writes options
//! that make curl send a given request. Import and export both go through it, which is what
//! makes them inverses (the property test below checks it).

mod curl_data;
mod from_curl;
mod to_curl;

pub use curl_data::curl_file_type;
pub use from_curl::from_curl;
pub use to_curl::to_curl;

const FORM_TYPE: &str = "application/x-www-form-urlencoded";
const JSON_TYPE: &str = "application/json";

fn append_query(url: &mut String, piece: &str) {
    url.push(if url.contains('?') { '&' } else { '?' });
    url.push_str(piece);
}

#[cfg(test)]
mod tests;
