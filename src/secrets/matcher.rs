//! The search over every registered form of every secret.
//!
//! Most runs register a handful of secrets, a few dozen forms: a packed (Teddy, SIMD)
//! searcher takes ~10 k instructions to build for one bearer token's forms where aho-corasick's
//! contiguous NFA took ~220 k (callgrind: an eighth of a 1-step run), and it searches a short
//! text faster too. Teddy declines many patterns (and CPUs without SIMD): the NFA then; a
//! set the NFA cannot hold either is searched form by form (masking never fails open).
//!
//! A run may register secrets one at a time (a `for_each` capturing one per item), and a
//! redaction follows each. Rebuilding one matcher over every form each time cost O(n²) (100
//! secrets: 59.5 ms). The forms are instead held in batches, each with its own matcher, sized
//! like the digits of a binary counter: new forms make a batch of their own, which absorbs
//! every batch no larger than it before its matcher is built. A form is rebuilt O(log n)
//! times, and a text is searched by at most O(log n) matchers whose matches are merged with
//! the union's semantics (see [`Matchers::replace_all`]).

use std::cmp::Reverse;

use aho_corasick::{AhoCorasick, Input, Span, packed};

pub(super) enum Matcher {
    Packed(packed::Searcher),
    Nfa(AhoCorasick),
    /// Every form searched with `str::find`, for a set both automata refuse to build (too
    /// large for their state ids): slow masking beats none.
    Plain(Vec<String>),
}

impl Matcher {
    /// Matches the leftmost secret, the longest there; `patterns` come longest first.
    pub(super) fn build(patterns: &[String]) -> Self {
        let packed = packed::Config::new()
            .match_kind(packed::MatchKind::LeftmostLongest)
            .builder()
            .extend(patterns)
            .build();
        match packed {
            Some(searcher) => Self::Packed(searcher),
            None => Self::nfa(patterns).unwrap_or_else(|| Self::Plain(patterns.to_vec())),
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
            Self::Plain(patterns) => patterns.iter().any(|p| text.contains(p.as_str())),
        }
    }

    /// The leftmost match starting at or after `from`, the longest there: (start, end).
    pub(super) fn find_at(&self, text: &str, from: usize) -> Option<(usize, usize)> {
        if from > text.len() {
            return None;
        }
        let m = match self {
            Self::Packed(s) => s.find_in(text, Span::from(from..text.len())),
            Self::Nfa(m) => m.find(Input::new(text).span(from..text.len())),
            Self::Plain(patterns) => return plain_find_at(patterns, text, from),
        };
        m.map(|m| (m.start(), m.end()))
    }

    /// The text with every match replaced by `mask`.
    #[cfg(test)]
    pub(super) fn replace_all(&self, text: &str, mask: &str) -> String {
        let spans: Vec<(usize, usize)> = match self {
            Self::Packed(s) => s.find_iter(text).map(|m| (m.start(), m.end())).collect(),
            Self::Nfa(m) => m.find_iter(text).map(|m| (m.start(), m.end())).collect(),
            Self::Plain(_) => {
                let mut spans = Vec::new();
                let mut pos = 0;
                while let Some((start, end)) = self.find_at(text, pos) {
                    spans.push((start, end));
                    pos = end;
                }
                spans
            }
        };
        splice(text, spans, mask)
    }
}

/// One batch of forms (longest first) and its matcher.
struct Batch {
    patterns: Vec<String>,
    matcher: Matcher,
}

/// Every registered form, in batches of decreasing size, each disjoint from the others.
#[derive(Default)]
pub(super) struct Matchers {
    batches: Vec<Batch>,
    /// The length of the shortest form held.
    shortest: Option<usize>,
}

impl Matchers {
    /// Adds forms held by no batch yet: they absorb every smaller or equal batch, and the
    /// result gets one matcher.
    pub(super) fn extend(&mut self, mut patterns: Vec<String>) {
        if patterns.is_empty() {
            return;
        }
        while self
            .batches
            .last()
            .is_some_and(|b| b.patterns.len() <= patterns.len())
        {
            if let Some(b) = self.batches.pop() {
                patterns.extend(b.patterns);
            }
        }
        // Longest first, so a whole secret wins over any fragment of it.
        patterns.sort_by_key(|p| Reverse(p.len()));
        let shortest = patterns.last().map_or(usize::MAX, String::len);
        self.shortest = Some(self.shortest.map_or(shortest, |s| s.min(shortest)));
        let matcher = Matcher::build(&patterns);
        self.batches.push(Batch { patterns, matcher });
    }

    /// The length of the shortest form (a text shorter than that holds none).
    pub(super) fn shortest(&self) -> usize {
        self.shortest.unwrap_or(usize::MAX)
    }

    /// Whether any form can be matched at all.
    pub(super) fn is_empty(&self) -> bool {
        self.batches.is_empty()
    }

    fn matchers(&self) -> impl Iterator<Item = &Matcher> {
        self.batches.iter().map(|b| &b.matcher)
    }

    pub(super) fn is_match(&self, text: &str) -> bool {
        self.matchers().any(|m| m.is_match(text))
    }

    /// The text with every match replaced by `mask`, as one leftmost-longest matcher over
    /// the union of the batches would: the leftmost match of any batch wins, the longest at
    /// equal starts, and the search goes on after its end. Each batch's next match is kept
    /// and searched again only once the position has passed its start (a match of a batch
    /// from an earlier position that starts at or after the current one is still its
    /// leftmost-longest from here).
    pub(super) fn replace_all(&self, text: &str, mask: &str) -> String {
        let matchers: Vec<&Matcher> = self.matchers().collect();
        let mut next: Vec<Option<(usize, usize)>> =
            matchers.iter().map(|m| m.find_at(text, 0)).collect();
        let mut spans = Vec::new();
        let mut pos = 0;
        loop {
            for (m, n) in matchers.iter().zip(next.iter_mut()) {
                if n.is_some_and(|(start, _)| start < pos) {
                    *n = m.find_at(text, pos);
                }
            }
            let Some((start, end)) = next
                .iter()
                .flatten()
                .copied()
                .min_by_key(|&(start, end)| (start, Reverse(end)))
            else {
                break;
            };
            spans.push((start, end));
            // Patterns are never empty, so this always moves on.
            pos = end.max(start + 1);
        }
        splice(text, spans, mask)
    }
}

/// The leftmost occurrence of any of `patterns` (longest first) at or after `from`, the
/// longest there.
fn plain_find_at(patterns: &[String], text: &str, from: usize) -> Option<(usize, usize)> {
    let rest = text.get(from..)?;
    let mut best: Option<(usize, usize)> = None;
    for p in patterns {
        if let Some(i) = rest.find(p.as_str()) {
            let start = from + i;
            // Longest first: a later pattern wins only by starting earlier.
            if best.is_none_or(|(s, _)| start < s) {
                best = Some((start, start + p.len()));
            }
        }
    }
    best
}

/// `text` with each of `spans` (in order, not overlapping) replaced by `mask`.
fn splice(text: &str, spans: Vec<(usize, usize)>, mask: &str) -> String {
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
    String::from_utf8(out).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::rngs::StdRng;
    use rand::{Rng, SeedableRng};

    /// Characters of one, two and three bytes, few enough that patterns overlap often.
    const ALPHABET: &[char] = &['a', 'b', 'c', 'é', '€'];

    fn word(rng: &mut StdRng, max: usize) -> String {
        let len = rng.random_range(1..=max);
        (0..len)
            .map(|_| ALPHABET[rng.random_range(0..ALPHABET.len())])
            .collect()
    }

    /// Distinct random patterns, with prefixes and suffixes of earlier ones among them.
    fn patterns(rng: &mut StdRng, n: usize) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        while out.len() < n {
            let p = match (out.is_empty(), rng.random_range(0..3)) {
                (false, 1) => {
                    let base: Vec<char> = out[rng.random_range(0..out.len())].chars().collect();
                    let cut = rng.random_range(0..base.len());
                    base[..=cut].iter().collect()
                }
                (false, 2) => {
                    let base: Vec<char> = out[rng.random_range(0..out.len())].chars().collect();
                    let cut = rng.random_range(0..base.len());
                    base[cut..].iter().collect()
                }
                _ => word(rng, 6),
            };
            if !out.contains(&p) {
                out.push(p);
            }
        }
        out
    }

    fn union(patterns: &[String]) -> (Matcher, Matcher, Matcher) {
        let mut sorted = patterns.to_vec();
        sorted.sort_by_key(|p| Reverse(p.len()));
        (
            Matcher::nfa(&sorted).expect("nfa"),
            Matcher::build(&sorted),
            Matcher::Plain(sorted),
        )
    }

    #[test]
    fn batches_mask_as_one_matcher_over_the_union_does() {
        let mut rng = StdRng::seed_from_u64(0x5ec2e7);
        for round in 0..300 {
            let n = rng.random_range(1..120);
            let all = patterns(&mut rng, n);
            let (nfa, single, plain) = union(&all);
            // Added in chunks of random sizes, as secrets arrive between redactions.
            let mut batched = Matchers::default();
            let mut rest = &all[..];
            while !rest.is_empty() {
                let take = rng.random_range(1..=rest.len().min(8));
                batched.extend(rest[..take].to_vec());
                rest = &rest[take..];
            }
            assert_eq!(
                batched.shortest(),
                all.iter().map(String::len).min().unwrap_or(usize::MAX)
            );
            for _ in 0..20 {
                let mut text = word(&mut rng, 40);
                if rng.random_bool(0.5) {
                    let p = &all[rng.random_range(0..all.len())];
                    let at: Vec<usize> = text
                        .char_indices()
                        .map(|(i, _)| i)
                        .chain([text.len()])
                        .collect();
                    text.insert_str(at[rng.random_range(0..at.len())], p);
                }
                let want = nfa.replace_all(&text, "#");
                assert_eq!(
                    single.replace_all(&text, "#"),
                    want,
                    "round {round}: {text}"
                );
                assert_eq!(
                    batched.replace_all(&text, "#"),
                    want,
                    "round {round}: {text} with {all:?}"
                );
                assert_eq!(plain.replace_all(&text, "#"), want, "round {round}: {text}");
                assert_eq!(batched.is_match(&text), nfa.is_match(&text), "{text}");
                assert_eq!(plain.is_match(&text), nfa.is_match(&text), "{text}");
            }
        }
    }

    #[test]
    fn a_longer_form_in_a_later_batch_wins_over_a_shorter_one() {
        let mut m = Matchers::default();
        m.extend(vec!["cret".to_owned()]);
        m.extend(vec!["secret-value".to_owned()]);
        assert_eq!(m.replace_all("a secret-value b", "#"), "a # b");
        m.extend(vec!["se".to_owned(), "value b".to_owned()]);
        // "secret-value" starts first; "value b" overlaps it and is not masked after it.
        assert_eq!(m.replace_all("a secret-value b", "#"), "a # b");
        assert_eq!(m.replace_all("se value b", "#"), "# #");
    }

    #[test]
    fn batches_stay_few_as_forms_arrive_one_at_a_time() {
        let mut m = Matchers::default();
        for i in 0..1000 {
            m.extend(vec![format!("form-{i:04}")]);
            assert!(m.batches.len() <= 11, "{} batches", m.batches.len());
        }
        assert_eq!(
            m.batches.iter().map(|b| b.patterns.len()).sum::<usize>(),
            1000
        );
        assert_eq!(m.replace_all("x form-0000 form-0999 y", "#"), "x # # y");
    }
}
