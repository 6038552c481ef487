//! The search over every registered form of every secret.
//!
//! Most runs register a handful of secrets, a few dozen forms: a packed (Teddy, SIMD)
//! searcher takes ~10 k instructions to build for one bearer token's forms where aho-corasick's
//! contiguous NFA took ~220 k (callgrind: an eighth of a 1-step run), and it searches a short
//! text faster too. Teddy declines many patterns (and CPUs without SIMD): the NFA then.

use aho_corasick::{AhoCorasick, packed};

pub(super) enum Matcher {
    Packed(packed::Searcher),
    Nfa(AhoCorasick),
}

impl Matcher {
    /// Matches the leftmost secret, the longest there; `patterns` come longest first.
    pub(super) fn build(patterns: &[String]) -> Option<Self> {
        let packed = packed::Config::new()
            .match_kind(packed::MatchKind::LeftmostLongest)
            .builder()
            .extend(patterns)
            .build();
        match packed {
            Some(searcher) => Some(Self::Packed(searcher)),
            None => Self::nfa(patterns),
        }
    }

    pub(super) fn nfa(patterns: &[String]) -> Option<Self> {
        // A contiguous NFA, not the DFA the builder picks for up to 100 patterns: each new
        // secret rebuilds the matcher, and for 10 secrets (54 forms) the DFA took 1.2 ms to
        // build against 0.17 ms (benches/hot_paths.rs), while searching text that holds no
        // secret (the prefilter's work either way) took the same 0.9 µs per 4 KB.
        AhoCorasick::builder()
            .match_kind(aho_corasick::MatchKind::LeftmostLongest)
            .kind(Some(aho_corasick::AhoCorasickKind::ContiguousNFA))
            .build(patterns)
            .ok()
            .map(Self::Nfa)
    }

    pub(super) fn is_match(&self, text: &str) -> bool {
        match self {
            Self::Packed(s) => s.find(text).is_some(),
            Self::Nfa(m) => m.is_match(text),
        }
    }

    /// The text with every match replaced by `mask`.
    pub(super) fn replace_all(&self, text: &str, mask: &str) -> String {
        let spans: Vec<(usize, usize)> = match self {
            Self::Packed(s) => s.find_iter(text).map(|m| (m.start(), m.end())).collect(),
            Self::Nfa(m) => m.find_iter(text).map(|m| (m.start(), m.end())).collect(),
        };
        let bytes = text.as_bytes();
        let mut out = Vec::with_capacity(text.len());
        let mut last = 0;
        for (start, end) in spans {
            out.extend_from_slice(&bytes[last..start]);
            out.extend_from_slice(mask.as_bytes());
            last = end;
        }
        out.extend_from_slice(&bytes[last..]);
        // A match of a whole UTF-8 pattern in UTF-8 text starts and ends on character
        // boundaries, so this is valid UTF-8; the lossy path only keeps it panic-free.
        String::from_utf8(out)
            .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
    }
}
