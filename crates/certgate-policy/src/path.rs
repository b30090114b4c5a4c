//! Request paths: the one normalised form that [`PolicySet::decide`](crate::PolicySet)
//! matches and a gate forwards to the origin, and the refusal of paths that some origin
//! could read as another path.
//!
//! Normalising writes into a caller's buffer (a stack array in `decide`), so deciding on
//! a raw path does not allocate; [`RequestPath::parse`] runs the same function into a
//! heap buffer, so the two forms cannot drift.

use std::fmt;

/// The longest normalised request path that is matched; a longer one is refused (fail
/// closed) rather than cut. 4 KiB holds any path a browser or a proxy sends in practice.
pub const MAX_PATH_LEN: usize = 4096;

/// Paths shorter than this are normalised in a buffer of this size first, longer ones
/// (or ones that grow past it) in one of [`MAX_PATH_LEN`]: zeroing 4 KiB per request
/// would cost more than the lookup.
pub(crate) const SHORT_PATH_LEN: usize = 256;

/// Whether the origin behind a host tells `/Admin` from `/admin`. A gate sets it per host
/// (`origin_case = "sensitive"` or `"insensitive"`) through [`PathOptions`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum OriginCase {
    /// Not known (the default): a path whose case-folded form would select a different
    /// application than its exact form is refused ([`PathProblem::CaseAmbiguous`]), so
    /// `/Admin` cannot slip past an `/admin` application to a broader one.
    #[default]
    Unknown,
    /// The origin compares paths exactly (most Unix servers): matching is exact; `/Admin`
    /// is not covered by an `/admin` application, and is not refused.
    Sensitive,
    /// The origin ignores ASCII case (IIS, Windows and macOS file systems): matching
    /// ignores ASCII case; `/Admin` is covered by the `/admin` application.
    Insensitive,
}

impl OriginCase {
    /// `unknown`, `sensitive` or `insensitive`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Unknown => "unknown",
            Self::Sensitive => "sensitive",
            Self::Insensitive => "insensitive",
        }
    }

    /// The value [`as_str`](Self::as_str) names (as a configuration spells it), if any.
    pub fn from_name(name: &str) -> Option<Self> {
        [Self::Unknown, Self::Sensitive, Self::Insensitive]
            .into_iter()
            .find(|c| c.as_str() == name)
    }
}

/// How request paths of one host are read. `PathOptions::default()` is the secure
/// default: origin case [`OriginCase::Unknown`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct PathOptions {
    origin_case: OriginCase,
}

impl PathOptions {
    /// The default options.
    pub fn new() -> Self {
        Self::default()
    }

    /// Whether the origin compares paths with or without ASCII case.
    #[must_use]
    pub fn with_origin_case(mut self, origin_case: OriginCase) -> Self {
        self.origin_case = origin_case;
        self
    }

    /// The origin's case, as set.
    pub fn origin_case(&self) -> OriginCase {
        self.origin_case
    }
}

/// Why a request path was refused before any application was looked at. A gate answers
/// such a request with 400 and [`describe`](Self::describe).
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PathProblem {
    /// Longer than [`MAX_PATH_LEN`] while being normalised.
    TooLong,
    /// An encoded `/`, or a `\` (raw or encoded): servers disagree on what it means.
    Ambiguous,
    /// A `%` not followed by two hex digits (IIS read `%u0061` as `a`).
    BadPercentEncoding,
    /// `%25` followed by two hex digits (`%252e`): an origin that decodes twice reads
    /// another path.
    DoubleEncoding,
    /// A `;` (raw or encoded): path parameters (`/admin;jsessionid=1`, `/x/..;/admin`)
    /// are dropped by some servers (Tomcat, Spring) and kept by others.
    PathParameter,
    /// A segment that ends in `.` or a space once decoded (`/admin.`, `/admin%20`),
    /// other than `.` and `..`: Windows drops them, so `/admin.` is `/admin` there.
    TrailingDotOrSpace,
    /// A `:` followed by `$` in a segment (`/admin::$DATA`): an NTFS alternate stream.
    NtfsStream,
    /// A control character (NUL, CR, LF, DEL ...), raw or percent-encoded; in the query,
    /// raw.
    ControlCharacter,
    /// A raw byte outside ASCII in the path: non-ASCII is accepted only
    /// percent-encoded.
    NonAscii,
    /// Percent-encoded bytes that are not UTF-8, such as the overlong `%C0%AF` that
    /// old servers decoded to `/`.
    InvalidUtf8,
    /// The path selects a different application once its ASCII case is folded
    /// (`/Admin` when an application covers `/admin`), and the origin's case is
    /// [`OriginCase::Unknown`].
    CaseAmbiguous,
}

impl PathProblem {
    /// In words.
    pub fn describe(self) -> &'static str {
        match self {
            Self::TooLong => "the path is too long",
            Self::Ambiguous => {
                "the path has an encoded '/' or a '\\' that servers read differently"
            }
            Self::BadPercentEncoding => "the path has a '%' not followed by two hex digits",
            Self::DoubleEncoding => "the path is encoded twice ('%25' followed by two hex digits)",
            Self::PathParameter => "the path has a ';' (path parameters are read differently)",
            Self::TrailingDotOrSpace => "a path segment ends in '.' or a space",
            Self::NtfsStream => "a path segment names an NTFS stream (':' followed by '$')",
            Self::ControlCharacter => "the path or query has a control character",
            Self::NonAscii => "the path has a raw non-ASCII byte (it must be percent-encoded)",
            Self::InvalidUtf8 => "the path has percent-encoded bytes that are not UTF-8",
            Self::CaseAmbiguous => {
                "the path selects another application in another letter case, and the \
                 origin's case sensitivity is not known"
            }
        }
    }

    /// A short, stable id: `too-long`, `ambiguous-separator`, `bad-percent-encoding`,
    /// `double-encoding`, `path-parameter`, `trailing-dot-or-space`, `ntfs-stream`,
    /// `control-character`, `non-ascii`, `invalid-utf8`, `case-ambiguous`.
    pub fn id(self) -> &'static str {
        match self {
            Self::TooLong => "too-long",
            Self::Ambiguous => "ambiguous-separator",
            Self::BadPercentEncoding => "bad-percent-encoding",
            Self::DoubleEncoding => "double-encoding",
            Self::PathParameter => "path-parameter",
            Self::TrailingDotOrSpace => "trailing-dot-or-space",
            Self::NtfsStream => "ntfs-stream",
            Self::ControlCharacter => "control-character",
            Self::NonAscii => "non-ascii",
            Self::InvalidUtf8 => "invalid-utf8",
            Self::CaseAmbiguous => "case-ambiguous",
        }
    }
}

impl fmt::Display for PathProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.describe())
    }
}

impl std::error::Error for PathProblem {}

/// A request path in the one normalised form the policy decides on, with its query.
///
/// A gate parses the request target once, decides with
/// [`Request::for_path`](crate::Request::for_path), and forwards
/// [`path_and_query`](Self::path_and_query) to the origin: the origin gets exactly the
/// path the policy saw. The form:
///
/// - starts with `/`; `.` and `..` segments resolved (never above the root); empty
///   segments dropped (`//` collapses); a final `/` kept when the request had one (or
///   ended in `.` or `..`), as origins often tell `/dir/` from `/dir`;
/// - percent-encoded unreserved characters (`A-Z a-z 0-9 - . _ ~`) decoded, every other
///   percent-encoding kept with upper-case hex (`%3a` becomes `%3A`, `%20` stays);
///   characters not allowed raw in a path (a space, `"`, `#`, `<`, `>`, `[`, `]`, `^`,
///   `` ` ``, `{`, `|`, `}`) percent-encoded;
/// - refused ([`PathProblem`]) when an origin could read it as another path: `;`,
///   double encoding, a segment ending in `.` or a space, `:` then `$` in a segment,
///   control characters, raw non-ASCII, bad or non-UTF-8 percent-encodings, an encoded
///   `/` or any `\`.
///
/// The query is kept as it came (raw control characters are refused). Whether `/Admin`
/// is refused depends on the configured applications, so [`PolicySet::decide`]
/// checks it, with the [`OriginCase`] of the [`PathOptions`] given here.
///
/// [`PolicySet::decide`]: crate::PolicySet::decide
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct RequestPath {
    /// The normalised path, then `?` and the query when the request had one.
    text: String,
    /// Where the path ends in `text`.
    path_len: usize,
    options: PathOptions,
}

impl RequestPath {
    /// Normalises `raw_path_and_query`, a request target in origin form (`/a/b?q`).
    ///
    /// # Errors
    /// The [`PathProblem`] that makes the path ambiguous, or [`PathProblem::TooLong`].
    pub fn parse(raw_path_and_query: &str, options: &PathOptions) -> Result<Self, PathProblem> {
        // Each byte becomes at most three (`%XX`), plus a leading `/`.
        let size = raw_path_and_query
            .len()
            .saturating_mul(3)
            .saturating_add(1)
            .min(MAX_PATH_LEN);
        let mut buf = vec![0u8; size];
        let normal = normalize(raw_path_and_query, &mut buf)?;
        let path = std::str::from_utf8(normal.path).map_err(|_| PathProblem::NonAscii)?;
        let mut text = String::with_capacity(path.len() + normal.query.map_or(0, |q| q.len() + 1));
        text.push_str(path);
        if let Some(query) = normal.query {
            text.push('?');
            text.push_str(query);
        }
        Ok(Self {
            text,
            path_len: path.len(),
            options: *options,
        })
    }

    /// The normalised path (`/a/b`), without the query.
    pub fn as_str(&self) -> &str {
        &self.text[..self.path_len]
    }

    /// The query as it came, without the `?`; `None` when the request had no `?`.
    pub fn query(&self) -> Option<&str> {
        self.text.get(self.path_len + 1..)
    }

    /// The normalised path and, when the request had one, `?` and the query: what to
    /// forward to the origin.
    pub fn path_and_query(&self) -> &str {
        &self.text
    }

    /// The options the path was parsed with.
    pub fn options(&self) -> PathOptions {
        self.options
    }
}

/// A normalised path (in a caller's buffer, or the request's own bytes when they are in
/// normal form already), and the query it came with.
#[derive(Debug)]
pub(crate) struct Normalized<'a> {
    /// The path, ASCII, starting with `/`.
    pub(crate) path: &'a [u8],
    /// The query, without the `?`.
    pub(crate) query: Option<&'a str>,
}

/// The normaliser: the form [`RequestPath`] documents, written into `buf` (or, when the
/// path is in that form already, not copied). `TooLong` when the output would pass
/// [`MAX_PATH_LEN`] or the buffer (callers retry with a buffer of [`MAX_PATH_LEN`], so
/// the result does not depend on the buffer).
pub(crate) fn normalize<'a>(
    raw: &'a str,
    buf: &'a mut [u8],
) -> Result<Normalized<'a>, PathProblem> {
    let (path, query) = match raw.split_once('?') {
        Some((path, query)) => (path, Some(query)),
        None => (raw, None),
    };
    if let Some(q) = query
        && q.bytes().any(is_control)
    {
        return Err(PathProblem::ControlCharacter);
    }
    if path.len() <= MAX_PATH_LEN && is_normal(path.as_bytes()) {
        return Ok(Normalized {
            path: path.as_bytes(),
            query,
        });
    }
    let limit = buf.len().min(MAX_PATH_LEN);
    let mut out = Out {
        buf: &mut buf[..limit],
        len: 0,
    };
    let mut trailing_slash = false;
    for raw_segment in path.as_bytes().split(|b| *b == b'/') {
        let start = out.len;
        out.push(b'/')?;
        write_segment(raw_segment, &mut out)?;
        match &out.buf[start + 1..out.len] {
            b"" | b"." => out.len = start,
            b".." => {
                out.len = out.buf[..start]
                    .iter()
                    .rposition(|b| *b == b'/')
                    .unwrap_or(0)
            }
            segment => {
                check_segment(segment)?;
                trailing_slash = false;
                continue;
            }
        }
        trailing_slash = true;
    }
    if out.len == 0 || trailing_slash {
        out.push(b'/')?;
    }
    let Out { buf, len } = out;
    let buf: &'a [u8] = buf;
    Ok(Normalized {
        path: &buf[..len],
        query,
    })
}

/// Whether `path` is in normal form with nothing to decode, encode or resolve: `/`, then
/// segments of unreserved characters, none empty (but a final one) and none ending in
/// `.` (which also rules out `.` and `..`). Most requests are; they are matched as they
/// came, without a copy.
fn is_normal(path: &[u8]) -> bool {
    let Some((b'/', rest)) = path.split_first() else {
        return false;
    };
    let mut previous = b'/';
    for &b in rest {
        if b == b'/' {
            if previous == b'/' || previous == b'.' {
                return false;
            }
        } else if !is_unreserved(b) {
            return false;
        }
        previous = b;
    }
    previous != b'.'
}

/// The output buffer and how much of it is written.
struct Out<'b> {
    buf: &'b mut [u8],
    len: usize,
}

impl Out<'_> {
    fn push(&mut self, b: u8) -> Result<(), PathProblem> {
        let slot = self.buf.get_mut(self.len).ok_or(PathProblem::TooLong)?;
        *slot = b;
        self.len += 1;
        Ok(())
    }

    fn push_encoded(&mut self, b: u8) -> Result<(), PathProblem> {
        const HEX: &[u8; 16] = b"0123456789ABCDEF";
        self.push(b'%')?;
        self.push(HEX[usize::from(b >> 4)])?;
        self.push(HEX[usize::from(b & 0x0f)])
    }
}

/// Writes one segment: unreserved characters decoded, other encodings kept (upper-case
/// hex), characters not allowed raw encoded; refuses what [`PathProblem`] lists per
/// character.
fn write_segment(segment: &[u8], out: &mut Out<'_>) -> Result<(), PathProblem> {
    let mut utf8 = Utf8::default();
    let mut i = 0;
    while i < segment.len() {
        let b = segment[i];
        if b == b'%' {
            let (Some(high), Some(low)) = (
                segment.get(i + 1).and_then(|c| hex(*c)),
                segment.get(i + 2).and_then(|c| hex(*c)),
            ) else {
                return Err(PathProblem::BadPercentEncoding);
            };
            i += 3;
            let decoded = high << 4 | low;
            utf8.feed(decoded)?;
            if is_unreserved(decoded) {
                out.push(decoded)?;
            } else {
                refuse_special(decoded)?;
                out.push_encoded(decoded)?;
            }
        } else {
            i += 1;
            if !b.is_ascii() {
                return Err(PathProblem::NonAscii);
            }
            refuse_special(b)?;
            utf8.feed(b)?;
            if is_unreserved(b) || b"!$&'()*+,=:@".contains(&b) {
                out.push(b)?;
            } else {
                out.push_encoded(b)?;
            }
        }
    }
    utf8.finish()
}

/// The characters refused whether raw or encoded.
fn refuse_special(b: u8) -> Result<(), PathProblem> {
    match b {
        b'/' | b'\\' => Err(PathProblem::Ambiguous),
        b';' => Err(PathProblem::PathParameter),
        _ if is_control(b) => Err(PathProblem::ControlCharacter),
        _ => Ok(()),
    }
}

/// The checks on a whole written segment (other than `.` and `..`).
fn check_segment(segment: &[u8]) -> Result<(), PathProblem> {
    if segment.ends_with(b".") || segment.ends_with(b"%20") {
        return Err(PathProblem::TrailingDotOrSpace);
    }
    let double = segment
        .windows(5)
        .any(|w| w.starts_with(b"%25") && w[3].is_ascii_hexdigit() && w[4].is_ascii_hexdigit());
    if double {
        return Err(PathProblem::DoubleEncoding);
    }
    let colon = (0..segment.len())
        .find(|&i| segment[i..].starts_with(b":") || segment[i..].starts_with(b"%3A"));
    if let Some(at) = colon {
        let rest = &segment[at + 1..];
        if rest.contains(&b'$') || rest.windows(3).any(|w| w == b"%24") {
            return Err(PathProblem::NtfsStream);
        }
    }
    Ok(())
}

/// RFC 3986 unreserved: `ALPHA DIGIT - . _ ~`.
fn is_unreserved(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~')
}

fn is_control(b: u8) -> bool {
    b < 0x20 || b == 0x7f
}

fn hex(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// A streaming UTF-8 check of a segment's decoded bytes (Unicode table 3-7: no overlong
/// forms, no surrogates, nothing past U+10FFFF).
#[derive(Debug, Default)]
struct Utf8 {
    /// Continuation bytes still expected.
    need: u8,
    /// The range of the next continuation byte.
    low: u8,
    high: u8,
}

impl Utf8 {
    fn feed(&mut self, b: u8) -> Result<(), PathProblem> {
        if self.need > 0 {
            if b < self.low || b > self.high {
                return Err(PathProblem::InvalidUtf8);
            }
            self.need -= 1;
            (self.low, self.high) = (0x80, 0xbf);
            return Ok(());
        }
        let (need, low, high) = match b {
            0x00..=0x7f => return Ok(()),
            0xc2..=0xdf => (1, 0x80, 0xbf),
            0xe0 => (2, 0xa0, 0xbf),
            0xe1..=0xec | 0xee..=0xef => (2, 0x80, 0xbf),
            0xed => (2, 0x80, 0x9f),
            0xf0 => (3, 0x90, 0xbf),
            0xf1..=0xf3 => (3, 0x80, 0xbf),
            0xf4 => (3, 0x80, 0x8f),
            _ => return Err(PathProblem::InvalidUtf8),
        };
        *self = Self { need, low, high };
        Ok(())
    }

    fn finish(&self) -> Result<(), PathProblem> {
        if self.need == 0 {
            Ok(())
        } else {
            Err(PathProblem::InvalidUtf8)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn norm(p: &str) -> Result<String, PathProblem> {
        RequestPath::parse(p, &PathOptions::default()).map(|r| r.as_str().to_owned())
    }

    #[test]
    fn paths_normalise() {
        assert_eq!(norm("/").unwrap(), "/");
        assert_eq!(norm("").unwrap(), "/");
        assert_eq!(norm("admin").unwrap(), "/admin");
        assert_eq!(norm("/a//b/./c/").unwrap(), "/a/b/c/");
        assert_eq!(norm("/a/b/.").unwrap(), "/a/b/");
        assert_eq!(norm("/a/b/..").unwrap(), "/a/");
        assert_eq!(norm("/public/../admin?x=/public").unwrap(), "/admin");
        assert_eq!(norm("/%70ublic/%2e%2e/admin").unwrap(), "/admin");
        assert_eq!(norm("/../../x").unwrap(), "/x");
        assert_eq!(norm("/a%3ab%7E%20c").unwrap(), "/a%3Ab~%20c");
        assert_eq!(norm("/a b|{}").unwrap(), "/a%20b%7C%7B%7D");
        assert_eq!(norm("/caf%c3%a9").unwrap(), "/caf%C3%A9");
        assert_eq!(norm("/a%zz"), Err(PathProblem::BadPercentEncoding));
        assert_eq!(norm("/a%2"), Err(PathProblem::BadPercentEncoding));
        assert_eq!(norm("/a%2Fb"), Err(PathProblem::Ambiguous));
        assert_eq!(norm("/a\\b"), Err(PathProblem::Ambiguous));
        assert_eq!(norm("/%c0%af"), Err(PathProblem::InvalidUtf8));
        assert_eq!(norm("/%c3"), Err(PathProblem::InvalidUtf8));
        assert_eq!(norm("/%c3x"), Err(PathProblem::InvalidUtf8));
        assert_eq!(norm("/a?b\r\n"), Err(PathProblem::ControlCharacter));
        assert_eq!(norm(&"/a".repeat(3000)), Err(PathProblem::TooLong));
    }

    #[test]
    fn a_small_buffer_says_too_long_and_a_full_one_decides() {
        let raw = format!("/{}", "|".repeat(100));
        let mut short = [0u8; SHORT_PATH_LEN];
        assert_eq!(
            normalize(&raw, &mut short)
                .map(|n| n.path.len())
                .unwrap_err(),
            PathProblem::TooLong
        );
        let mut long = [0u8; MAX_PATH_LEN];
        assert_eq!(normalize(&raw, &mut long).unwrap().path.len(), 301);
    }

    #[test]
    fn paths_in_normal_form_are_recognised() {
        for normal in ["/", "/a", "/a/", "/a.b/c-d_e~f", "/A/b/"] {
            assert!(is_normal(normal.as_bytes()), "{normal}");
            assert_eq!(norm(normal).unwrap(), normal);
        }
        for other in [
            "", "a", "//", "/a//b", "/.", "/..", "/a./b", "/a/.", "/%61", "/a b", "/a:b",
        ] {
            assert!(!is_normal(other.as_bytes()), "{other}");
        }
    }

    #[test]
    fn query_is_kept() {
        let p = RequestPath::parse("/a/./b?x=%2F&y=/../", &PathOptions::default()).unwrap();
        assert_eq!(p.as_str(), "/a/b");
        assert_eq!(p.query(), Some("x=%2F&y=/../"));
        assert_eq!(p.path_and_query(), "/a/b?x=%2F&y=/../");
        let p = RequestPath::parse("/a?", &PathOptions::default()).unwrap();
        assert_eq!((p.as_str(), p.query()), ("/a", Some("")));
        let p = RequestPath::parse("/a", &PathOptions::default()).unwrap();
        assert_eq!(p.query(), None);
    }

    #[test]
    fn origin_case_names() {
        for c in [
            OriginCase::Unknown,
            OriginCase::Sensitive,
            OriginCase::Insensitive,
        ] {
            assert_eq!(OriginCase::from_name(c.as_str()), Some(c));
        }
        assert_eq!(OriginCase::from_name("Sensitive"), None);
    }
}
