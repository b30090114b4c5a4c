//! Domains: parsing `host` and `host/path` patterns (paths normalised as requests are,
//! by [`crate::path`]), and the host router (an exact map and a trie of labels from the
//! right for wildcards).

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use crate::error::{DomainProblem, ValueProblem};
use crate::path::{self, MAX_PATH_LEN};

/// The longest host name (RFC 1035), and so the host buffer.
pub(crate) const MAX_HOST_LEN: usize = 253;

/// An Fx-style hasher for the maps of host labels and client ids. Their keys come from
/// the configuration and are fixed at load, so requests can only look up, never insert:
/// SipHash's flooding resistance buys nothing here and costs a third of a lookup.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct FastHasher(u64);

impl Hasher for FastHasher {
    fn write(&mut self, bytes: &[u8]) {
        for chunk in bytes.chunks(8) {
            let mut word = [0u8; 8];
            word[..chunk.len()].copy_from_slice(chunk);
            self.0 = (self.0.rotate_left(5) ^ u64::from_le_bytes(word))
                .wrapping_mul(0x517c_c1b7_2722_0a95);
        }
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

/// A map with [`FastHasher`].
pub(crate) type FastMap<K, V> = HashMap<K, V, BuildHasherDefault<FastHasher>>;

/// One label or path segment of a pattern.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Part {
    /// Exactly this text.
    Exact(Box<[u8]>),
    /// A prefix, a `*` standing for one or more characters, a suffix.
    Partial(Box<[u8]>, Box<[u8]>),
    /// `*`: any one label or segment.
    Star,
}

impl Part {
    fn parse(text: &[u8]) -> Result<Self, DomainProblem> {
        let stars = text.iter().filter(|b| **b == b'*').count();
        match stars {
            0 => Ok(Self::Exact(text.into())),
            1 if text == b"*" => Ok(Self::Star),
            1 => {
                let at = text.iter().position(|b| *b == b'*').unwrap_or(0);
                Ok(Self::Partial(text[..at].into(), text[at + 1..].into()))
            }
            _ => Err(DomainProblem::SeveralStars),
        }
    }

    /// Whether `text` matches; `fold`: ignoring ASCII case.
    pub(crate) fn matches(&self, text: &[u8], fold: bool) -> bool {
        let same = |a: &[u8], b: &[u8]| {
            if fold {
                a.eq_ignore_ascii_case(b)
            } else {
                a == b
            }
        };
        match self {
            Self::Exact(e) => same(e, text),
            Self::Star => !text.is_empty(),
            Self::Partial(pre, suf) => {
                text.len() > pre.len() + suf.len()
                    && same(pre, &text[..pre.len()])
                    && same(suf, &text[text.len() - suf.len()..])
            }
        }
    }

    fn has_upper(&self) -> bool {
        match self {
            Self::Exact(e) => e.iter().any(u8::is_ascii_uppercase),
            Self::Partial(p, s) => p.iter().chain(s.iter()).any(u8::is_ascii_uppercase),
            Self::Star => false,
        }
    }

    /// Exact beats partial (longer literal first) beats star.
    fn rank(&self) -> (u8, usize) {
        match self {
            Self::Exact(_) => (2, 0),
            Self::Partial(p, s) => (1, p.len() + s.len()),
            Self::Star => (0, 0),
        }
    }
}

/// A parsed domain: host labels (left to right) and path segments.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct DomainPattern {
    pub(crate) labels: Vec<Part>,
    pub(crate) segments: Vec<Part>,
}

impl DomainPattern {
    /// `host`, `host/path`; `*` at most once per label or segment; the rightmost label
    /// literal.
    pub(crate) fn parse(s: &str) -> Result<Self, ValueProblem> {
        let bad = |problem| ValueProblem::BadDomain {
            value: s.into(),
            problem,
        };
        let s = s.trim();
        let s = s
            .strip_prefix("https://")
            .or_else(|| s.strip_prefix("http://"))
            .unwrap_or(s);
        let (host, path) = match s.find('/') {
            Some(at) => s.split_at(at),
            None => (s, ""),
        };
        let host = host.trim_end_matches('.').to_ascii_lowercase();
        if host.is_empty() || host.len() > MAX_HOST_LEN {
            return Err(bad(DomainProblem::HostLength));
        }
        let mut labels = Vec::new();
        for label in host.split('.') {
            if label.is_empty()
                || !label
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"-_*".contains(&b))
            {
                return Err(bad(DomainProblem::LabelCharacter));
            }
            labels.push(Part::parse(label.as_bytes()).map_err(bad)?);
        }
        if !matches!(labels.last(), Some(Part::Exact(_))) {
            return Err(bad(DomainProblem::WildcardTopLabel));
        }
        // A configuration may spell non-ASCII raw; requests must encode it.
        let encoded: String;
        let path = if path.is_ascii() {
            path
        } else {
            encoded = path
                .bytes()
                .map(|b| match b {
                    0..0x80 => char::from(b).to_string(),
                    _ => format!("%{b:02X}"),
                })
                .collect();
            &encoded
        };
        let mut buf = vec![0u8; MAX_PATH_LEN];
        let normal = path::normalize(path, &mut buf).map_err(|e| bad(DomainProblem::Path(e)))?;
        let mut segments = Vec::new();
        for seg in segments_of(normal.path) {
            if seg == b"." || seg == b".." {
                return Err(bad(DomainProblem::DotSegment));
            }
            segments.push(Part::parse(seg).map_err(bad)?);
        }
        Ok(Self { labels, segments })
    }

    pub(crate) fn is_exact_host(&self) -> bool {
        self.labels.iter().all(|l| matches!(l, Part::Exact(_)))
    }

    pub(crate) fn host_key(&self) -> String {
        self.labels
            .iter()
            .map(|l| match l {
                Part::Exact(e) => String::from_utf8_lossy(e).into_owned(),
                Part::Partial(p, s) => format!(
                    "{}*{}",
                    String::from_utf8_lossy(p),
                    String::from_utf8_lossy(s)
                ),
                Part::Star => "*".into(),
            })
            .collect::<Vec<_>>()
            .join(".")
    }

    /// Sort key: more segments first, then segment by segment exact > partial > star.
    fn path_rank(&self) -> (usize, Vec<(u8, usize)>) {
        (
            self.segments.len(),
            self.segments.iter().map(Part::rank).collect(),
        )
    }
}

/// The path segments of a normalised path.
pub(crate) fn segments_of(path: &[u8]) -> impl Iterator<Item = &[u8]> {
    path.split(|b| *b == b'/').filter(|s| !s.is_empty())
}

/// A `Host` header lower-cased into `buf`, port and trailing dot removed.
pub(crate) fn normalize_host<'b>(host: &str, buf: &'b mut [u8; MAX_HOST_LEN]) -> Option<&'b str> {
    let host = match host.rsplit_once(':') {
        Some((h, port)) if port.bytes().all(|b| b.is_ascii_digit()) => h,
        _ => host,
    };
    let host = host.strip_suffix('.').unwrap_or(host);
    if host.is_empty() || host.len() > MAX_HOST_LEN || !host.is_ascii() {
        return None;
    }
    let out = &mut buf[..host.len()];
    out.copy_from_slice(host.as_bytes());
    out.make_ascii_lowercase();
    std::str::from_utf8(out).ok()
}

/// Path patterns of one host pattern, most specific first, each with its application.
#[derive(Debug, Default)]
pub(crate) struct HostEntry {
    paths: Vec<(Vec<Part>, u32)>,
}

impl HostEntry {
    fn first_match(&self, path: &[u8], fold: bool) -> Option<Route> {
        'next: for (pattern, app) in &self.paths {
            let mut segs = segments_of(path);
            let mut exact = true;
            for part in pattern {
                match segs.next() {
                    Some(seg) if part.matches(seg, fold) => {
                        exact = exact && (!fold || part.matches(seg, false));
                    }
                    _ => continue 'next,
                }
            }
            return Some(Route { app: *app, exact });
        }
        None
    }
}

/// The application a host and path route to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Route {
    /// The application's index.
    pub(crate) app: u32,
    /// Whether the pattern that matched matches without folding case too. Routing
    /// folded tries hosts and patterns in the same order as routing exactly, and a path
    /// that matches exactly matches folded: so when the winner matches exactly, routing
    /// exactly finds the same one.
    pub(crate) exact: bool,
}

/// A trie node of wildcard host patterns, keyed by labels from the right.
#[derive(Debug, Default)]
struct Node {
    exact: FastMap<Box<[u8]>, usize>,
    /// Partial labels (longest literal first), then `*`.
    wild: Vec<(Part, usize)>,
    entry: Option<usize>,
}

/// Finds the application for a host and path: exact hosts in a map, wildcard hosts in a
/// trie walked from the rightmost label; exact labels are tried before wildcards, so the
/// first host found that has a covering path is the most specific application.
#[derive(Debug, Default)]
pub(crate) struct Router {
    exact: FastMap<Box<str>, HostEntry>,
    nodes: Vec<Node>,
    entries: Vec<HostEntry>,
    /// Whether a path pattern has an upper-case letter (so that a lower-case path can
    /// route differently when case is folded).
    upper_in_paths: bool,
}

impl Router {
    /// Adds a domain of application `app`; `Err` names the application that already
    /// claims the same domain.
    pub(crate) fn insert(&mut self, pattern: &DomainPattern, app: u32) -> Result<(), u32> {
        let entry = if pattern.is_exact_host() {
            self.exact.entry(pattern.host_key().into()).or_default()
        } else {
            if self.nodes.is_empty() {
                self.nodes.push(Node::default());
            }
            let mut node = 0;
            for label in pattern.labels.iter().rev() {
                let next = self.nodes.len();
                let found = match label {
                    Part::Exact(e) => *self.nodes[node].exact.entry(e.clone()).or_insert(next),
                    wild => match self.nodes[node].wild.iter().find(|(p, _)| p == wild) {
                        Some((_, n)) => *n,
                        None => {
                            let w = &mut self.nodes[node].wild;
                            w.push((wild.clone(), next));
                            w.sort_by_key(|b| std::cmp::Reverse(b.0.rank()));
                            next
                        }
                    },
                };
                if found == next {
                    self.nodes.push(Node::default());
                }
                node = found;
            }
            let idx = match self.nodes[node].entry {
                Some(i) => i,
                None => {
                    self.entries.push(HostEntry::default());
                    self.nodes[node].entry = Some(self.entries.len() - 1);
                    self.entries.len() - 1
                }
            };
            &mut self.entries[idx]
        };
        if let Some((_, other)) = entry.paths.iter().find(|(p, _)| *p == pattern.segments) {
            return Err(*other);
        }
        self.upper_in_paths |= pattern.segments.iter().any(Part::has_upper);
        entry.paths.push((pattern.segments.clone(), app));
        let rank = |segments: &[Part]| {
            DomainPattern {
                labels: Vec::new(),
                segments: segments.to_vec(),
            }
            .path_rank()
        };
        entry.paths.sort_by_key(|b| std::cmp::Reverse(rank(&b.0)));
        Ok(())
    }

    /// The application for a normalised host and path; `fold`: path segments compared
    /// ignoring ASCII case.
    pub(crate) fn route(&self, host: &str, path: &[u8], fold: bool) -> Option<Route> {
        if let Some(app) = self.exact.get(host).and_then(|e| e.first_match(path, fold)) {
            return Some(app);
        }
        if self.nodes.is_empty() {
            return None;
        }
        self.walk(0, host.as_bytes(), path, fold)
    }

    /// Whether routing `path` with folded case can differ from routing it exactly.
    pub(crate) fn case_can_matter(&self, path: &[u8]) -> bool {
        self.upper_in_paths || path.iter().any(u8::is_ascii_uppercase)
    }

    fn walk(&self, node: usize, rest: &[u8], path: &[u8], fold: bool) -> Option<Route> {
        let n = &self.nodes[node];
        if rest.is_empty() {
            return n
                .entry
                .and_then(|e| self.entries[e].first_match(path, fold));
        }
        let (head, label) = match rest.iter().rposition(|b| *b == b'.') {
            Some(dot) => (&rest[..dot], &rest[dot + 1..]),
            None => (&rest[..0], rest),
        };
        if label.is_empty() {
            return None;
        }
        if let Some(found) = n
            .exact
            .get(label)
            .and_then(|c| self.walk(*c, head, path, fold))
        {
            return Some(found);
        }
        n.wild
            .iter()
            .filter(|(part, _)| part.matches(label, false))
            .find_map(|(_, child)| self.walk(*child, head, path, fold))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts_normalise() {
        let mut buf = [0u8; MAX_HOST_LEN];
        assert_eq!(
            normalize_host("Money.Example.COM.:8443", &mut buf),
            Some("money.example.com")
        );
        assert_eq!(normalize_host("", &mut buf), None);
        assert_eq!(normalize_host(&"a".repeat(300), &mut buf), None);
    }

    #[test]
    fn patterns_parse_or_say_why() {
        assert!(DomainPattern::parse("*.example.com").is_ok());
        assert!(DomainPattern::parse("app-*.example.com/api/*/x").is_ok());
        let problem = |s: &str| match DomainPattern::parse(s) {
            Err(ValueProblem::BadDomain { value, problem }) => {
                assert_eq!(value, s);
                Some(problem)
            }
            _ => None,
        };
        assert_eq!(
            problem("a**.example.com"),
            Some(DomainProblem::SeveralStars)
        );
        assert_eq!(problem("example.*"), Some(DomainProblem::WildcardTopLabel));
        assert_eq!(problem("exa mple.com"), Some(DomainProblem::LabelCharacter));
        assert_eq!(
            problem("example.com/a/**"),
            Some(DomainProblem::SeveralStars)
        );
        assert_eq!(problem(""), Some(DomainProblem::HostLength));
        assert_eq!(
            problem("example.com/a;b"),
            Some(DomainProblem::Path(crate::PathProblem::PathParameter))
        );
    }

    #[test]
    fn partial_parts() {
        let p = Part::parse(b"app-*").unwrap();
        assert!(p.matches(b"app-1", false));
        assert!(!p.matches(b"app-", false));
        assert!(!p.matches(b"APP-1", false));
        assert!(p.matches(b"APP-1", true));
        let p = Part::parse(b"a*z").unwrap();
        assert!(p.matches(b"abz", false));
        assert!(!p.matches(b"az", false));
        assert!(!p.has_upper() && Part::parse(b"A*").unwrap().has_upper());
    }
}
