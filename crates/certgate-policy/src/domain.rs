//! Domains: parsing `host` and `host/path` patterns, the host router (an exact map and a
//! trie of labels from the right for wildcards), and request path normalisation into a
//! stack buffer.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

/// The longest host name (RFC 1035), and so the host buffer.
pub(crate) const MAX_HOST_LEN: usize = 253;

/// The longest request path, decoded, that is matched; a longer one is refused (fail
/// closed) rather than cut. 4 KiB holds any path a browser or a proxy sends in practice.
pub const MAX_PATH_LEN: usize = 4096;

/// Paths shorter than this are normalised in a buffer of this size, longer ones in one of
/// [`MAX_PATH_LEN`] (zeroing 4 KiB per request would cost more than the lookup).
pub(crate) const SHORT_PATH_LEN: usize = 256;

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
    fn parse(text: &[u8]) -> Result<Self, &'static str> {
        let stars = text.iter().filter(|b| **b == b'*').count();
        match stars {
            0 => Ok(Self::Exact(text.into())),
            1 if text == b"*" => Ok(Self::Star),
            1 => {
                let at = text.iter().position(|b| *b == b'*').unwrap_or(0);
                Ok(Self::Partial(text[..at].into(), text[at + 1..].into()))
            }
            _ => Err("at most one * per label or path segment"),
        }
    }

    pub(crate) fn matches(&self, text: &[u8]) -> bool {
        match self {
            Self::Exact(e) => **e == *text,
            Self::Star => !text.is_empty(),
            Self::Partial(pre, suf) => {
                text.len() > pre.len() + suf.len() && text.starts_with(pre) && text.ends_with(suf)
            }
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
    pub(crate) fn parse(s: &str) -> Result<Self, String> {
        let bad = |why: &str| format!("domain {s:?}: {why}");
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
            return Err(bad("the host is empty or too long"));
        }
        let mut labels = Vec::new();
        for label in host.split('.') {
            if label.is_empty()
                || !label
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"-_*".contains(&b))
            {
                return Err(bad("host labels are letters, digits, - and _ (and *)"));
            }
            labels.push(Part::parse(label.as_bytes()).map_err(bad)?);
        }
        if !matches!(labels.last(), Some(Part::Exact(_))) {
            return Err(bad("the rightmost label cannot be a wildcard"));
        }
        let mut buf = vec![0u8; MAX_PATH_LEN];
        let normal = normalize_path(path, &mut buf).map_err(|e| bad(e.describe()))?;
        let mut segments = Vec::new();
        for seg in segments_of(normal) {
            if seg == b"." || seg == b".." {
                return Err(bad("no . or .. segments"));
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

/// Why a request path was refused before any application was looked at.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PathProblem {
    /// Longer than [`MAX_PATH_LEN`] once decoded.
    TooLong,
    /// An encoded `/` or a `\`: servers disagree on what it means, so it is refused.
    Ambiguous,
}

impl PathProblem {
    /// In words.
    pub fn describe(self) -> &'static str {
        match self {
            Self::TooLong => "the path is too long",
            Self::Ambiguous => {
                "the path has an encoded '/' or a '\\' that servers read differently"
            }
        }
    }
}

/// Decodes `%XX`, drops the query and fragment, empty and `.` segments, and resolves
/// `..`, into `buf`; returns the path as `/a/b` (empty for the root). The result is at
/// most one byte longer than `path`; past [`MAX_PATH_LEN`] (or the buffer), `TooLong`.
pub(crate) fn normalize_path<'b>(path: &str, buf: &'b mut [u8]) -> Result<&'b [u8], PathProblem> {
    let end = path.find(['?', '#']).unwrap_or(path.len());
    let raw = &path.as_bytes()[..end];
    let limit = buf.len().min(MAX_PATH_LEN);
    let buf = &mut buf[..limit];
    let mut len = 0usize;
    for seg in raw.split(|b| *b == b'/') {
        let start = len;
        if len >= limit {
            return Err(PathProblem::TooLong);
        }
        buf[len] = b'/';
        len += 1;
        let mut i = 0;
        while i < seg.len() {
            let mut b = seg[i];
            if b == b'%'
                && let (Some(h), Some(l)) = (
                    seg.get(i + 1).and_then(|c| hex(*c)),
                    seg.get(i + 2).and_then(|c| hex(*c)),
                )
            {
                b = h << 4 | l;
                i += 2;
                if b == b'/' {
                    return Err(PathProblem::Ambiguous);
                }
            }
            if b == b'\\' {
                return Err(PathProblem::Ambiguous);
            }
            if len >= limit {
                return Err(PathProblem::TooLong);
            }
            buf[len] = b;
            len += 1;
            i += 1;
        }
        match &buf[start + 1..len] {
            b"" | b"." => len = start,
            b".." => {
                len = buf[..start].iter().rposition(|b| *b == b'/').unwrap_or(0);
            }
            _ => {}
        }
    }
    Ok(&buf[..len])
}

fn hex(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
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
    fn first_match(&self, path: &[u8]) -> Option<u32> {
        'next: for (pattern, app) in &self.paths {
            let mut segs = segments_of(path);
            for part in pattern {
                match segs.next() {
                    Some(seg) if part.matches(seg) => {}
                    _ => continue 'next,
                }
            }
            return Some(*app);
        }
        None
    }
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

    /// The application for a normalised host and path.
    pub(crate) fn route(&self, host: &str, path: &[u8]) -> Option<u32> {
        if let Some(app) = self.exact.get(host).and_then(|e| e.first_match(path)) {
            return Some(app);
        }
        if self.nodes.is_empty() {
            return None;
        }
        self.walk(0, host.as_bytes(), path)
    }

    fn walk(&self, node: usize, rest: &[u8], path: &[u8]) -> Option<u32> {
        let n = &self.nodes[node];
        if rest.is_empty() {
            return n.entry.and_then(|e| self.entries[e].first_match(path));
        }
        let (head, label) = match rest.iter().rposition(|b| *b == b'.') {
            Some(dot) => (&rest[..dot], &rest[dot + 1..]),
            None => (&rest[..0], rest),
        };
        if label.is_empty() {
            return None;
        }
        if let Some(found) = n.exact.get(label).and_then(|c| self.walk(*c, head, path)) {
            return Some(found);
        }
        n.wild
            .iter()
            .filter(|(part, _)| part.matches(label))
            .find_map(|(_, child)| self.walk(*child, head, path))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn norm(p: &str) -> Result<String, PathProblem> {
        let mut buf = vec![0u8; MAX_PATH_LEN];
        normalize_path(p, &mut buf).map(|b| String::from_utf8_lossy(b).into_owned())
    }

    #[test]
    fn paths_normalise() {
        assert_eq!(norm("/").unwrap(), "");
        assert_eq!(norm("").unwrap(), "");
        assert_eq!(norm("/a//b/./c/").unwrap(), "/a/b/c");
        assert_eq!(norm("/public/../admin?x=/public").unwrap(), "/admin");
        assert_eq!(norm("/%70ublic/%2e%2e/admin").unwrap(), "/admin");
        assert_eq!(norm("/../../x").unwrap(), "/x");
        assert_eq!(norm("/a%zz").unwrap(), "/a%zz");
        assert_eq!(norm("/a%2Fb"), Err(PathProblem::Ambiguous));
        assert_eq!(norm("/a\\b"), Err(PathProblem::Ambiguous));
        assert_eq!(norm(&"/a".repeat(3000)), Err(PathProblem::TooLong));
    }

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
        assert!(DomainPattern::parse("a**.example.com").is_err());
        assert!(DomainPattern::parse("example.*").is_err());
        assert!(DomainPattern::parse("exa mple.com").is_err());
        assert!(DomainPattern::parse("example.com/a/**").is_err());
        assert!(DomainPattern::parse("").is_err());
    }

    #[test]
    fn partial_parts() {
        let p = Part::parse(b"app-*").unwrap();
        assert!(p.matches(b"app-1"));
        assert!(!p.matches(b"app-"));
        let p = Part::parse(b"a*z").unwrap();
        assert!(p.matches(b"abz"));
        assert!(!p.matches(b"az"));
    }
}
