//! Request paths: the one normalised form `decide` matches and a gate forwards, and the
//! refusal of paths an origin could read as another path (each with its `PathProblem`).
//! Before, `/Admin`, `/admin;`, `/admin.` and `/public/..;/admin` missed the `/admin`
//! application and fell to the bypass on the whole host.

#![allow(clippy::unwrap_used)]

use certgate_policy::{
    OriginCase, Outcome, PathOptions, PathProblem, PolicyConfig, PolicySet, Reason, Request,
    RequestPath,
};
use proptest::prelude::*;
use std::sync::LazyLock;

/// A bypass on the whole host, an admin application that needs a login, a public one.
fn set() -> PolicySet {
    PolicySet::new(
        PolicyConfig::from_toml(
            r#"
[[applications]]
name = "site"
domains = ["example.com"]
[[applications.policies]]
name = "open"
decision = "bypass"
include = [{ everyone = true }]

[[applications]]
name = "admin"
domains = ["example.com/admin", "example.com/Admin/x"]
[[applications.policies]]
name = "staff"
decision = "allow"
include = [{ group = "staff" }]

[[applications]]
name = "public"
domains = ["example.com/public"]
[[applications.policies]]
name = "open"
decision = "bypass"
include = [{ everyone = true }]

[[applications]]
name = "reports"
domains = ["example.com/Reports"]
[[applications.policies]]
name = "staff"
decision = "allow"
include = [{ group = "staff" }]
"#,
            "paths.toml",
        )
        .unwrap(),
    )
    .unwrap()
}

/// [`set`], built once for the property tests.
static SET: LazyLock<PolicySet> = LazyLock::new(set);

fn parse(raw: &str) -> Result<RequestPath, PathProblem> {
    RequestPath::parse(raw, &PathOptions::default())
}

fn with_case(raw: &str, case: OriginCase) -> RequestPath {
    RequestPath::parse(raw, &PathOptions::new().with_origin_case(case)).unwrap()
}

/// Refused by the parser and by `decide` on the raw path, with `problem`.
fn assert_refused(set: &PolicySet, raw: &str, problem: PathProblem) {
    assert_eq!(parse(raw), Err(problem), "{raw:?}");
    let d = set.decide(&Request::new("example.com", raw));
    assert_eq!(
        (d.outcome, d.reason, d.application),
        (Outcome::Deny, Reason::InvalidPath(problem), None),
        "{raw:?}"
    );
}

/// Decided as `/admin` by the admin application, and normalised to `/admin`.
fn assert_admin(set: &PolicySet, raw: &str) {
    let path = parse(raw).unwrap();
    assert_eq!(path.as_str(), "/admin", "{raw:?}");
    for req in [
        Request::new("example.com", raw),
        Request::for_path("example.com", &path),
    ] {
        let d = set.decide(&req);
        assert_eq!(
            (d.outcome, d.application, d.reason),
            (Outcome::Deny, Some("admin"), Reason::IdentityRequired),
            "{raw:?}"
        );
    }
}

#[test]
fn path_parameters_are_refused() {
    let set = set();
    for raw in [
        "/admin;jsessionid=1",
        "/x/..;/admin",
        "/admin;",
        "/public/..;/admin",
        "/admin%3b",
        "/;/admin",
    ] {
        assert_refused(&set, raw, PathProblem::PathParameter);
    }
}

#[test]
fn double_encoding_is_refused() {
    let set = set();
    for raw in ["/admin%252e", "/%2561dmin", "/a/%25%32%65", "/%25252e"] {
        assert_refused(&set, raw, PathProblem::DoubleEncoding);
    }
    // `%25` not followed by two hex digits is a plain `%`.
    assert_eq!(parse("/100%25").unwrap().as_str(), "/100%25");
}

#[test]
fn a_segment_ending_in_a_dot_or_a_space_is_refused() {
    let set = set();
    for raw in [
        "/admin.",
        "/admin%2e",
        "/admin%20",
        "/admin.%20",
        "/admin ",
        "/admin.../x",
        "/public/..%20/admin",
    ] {
        assert_refused(&set, raw, PathProblem::TrailingDotOrSpace);
    }
}

#[test]
fn ntfs_streams_are_refused() {
    let set = set();
    for raw in [
        "/admin::$DATA",
        "/admin:stream:$DATA",
        "/admin::$INDEX_ALLOCATION/x",
        "/admin%3a%3a%24DATA",
    ] {
        assert_refused(&set, raw, PathProblem::NtfsStream);
    }
    // A colon alone is an ordinary character.
    assert_eq!(parse("/a:b").unwrap().as_str(), "/a:b");
}

#[test]
fn control_characters_and_raw_non_ascii_are_refused() {
    let set = set();
    for raw in [
        "/admin%00",
        "/admin\0",
        "/ad%0Amin",
        "/admin\t",
        "/a%7f",
        "/a?x=\r\n",
    ] {
        assert_refused(&set, raw, PathProblem::ControlCharacter);
    }
    assert_refused(&set, "/café", PathProblem::NonAscii);
    assert_eq!(parse("/caf%c3%a9").unwrap().as_str(), "/caf%C3%A9");
    assert_refused(&set, "/%c0%ae%c0%ae/admin", PathProblem::InvalidUtf8);
}

#[test]
fn bad_encodings_and_separators_are_refused() {
    let set = set();
    for raw in ["/%u0061dmin", "/admin%", "/admin%4"] {
        assert_refused(&set, raw, PathProblem::BadPercentEncoding);
    }
    for raw in ["/public%2f..%2fadmin", "/public/..\\admin", "/a%5cb"] {
        assert_refused(&set, raw, PathProblem::Ambiguous);
    }
}

#[test]
fn unreserved_encodings_dots_and_slashes_resolve_to_admin() {
    let set = set();
    for raw in [
        "/admin",
        "/%61dmin",
        "//admin",
        "/public/../admin",
        "/public/%2e%2e/admin",
        "/./admin",
        "/../../admin",
        "/admin?next=/public",
    ] {
        assert_admin(&set, raw);
    }
}

#[test]
fn the_normal_form() {
    let form = |raw: &str| parse(raw).unwrap().as_str().to_owned();
    assert_eq!(form(""), "/");
    assert_eq!(form("/"), "/");
    assert_eq!(form("/dir/"), "/dir/");
    assert_eq!(form("/dir//"), "/dir/");
    assert_eq!(form("/dir/sub/.."), "/dir/");
    assert_eq!(form("/a%20b"), "/a%20b");
    assert_eq!(form("/a%3ab%2A%7e"), "/a%3Ab%2A~");
    assert_eq!(form("/a b\"c|d"), "/a%20b%22c%7Cd");
    assert_eq!(form("/x#frag"), "/x%23frag");
    let p = parse("/a/../b/?q=1&r=/../x?y").unwrap();
    assert_eq!(
        (p.as_str(), p.query(), p.path_and_query()),
        ("/b/", Some("q=1&r=/../x?y"), "/b/?q=1&r=/../x?y")
    );
}

#[test]
fn case_is_refused_when_the_origin_case_is_unknown() {
    let set = set();
    for raw in ["/Admin", "/ADMIN/users", "/reports", "/public/../aDmin"] {
        let path = parse(raw).unwrap();
        for req in [
            Request::new("example.com", raw),
            Request::for_path("example.com", &path),
        ] {
            let d = set.decide(&req);
            assert_eq!(
                (d.outcome, d.reason),
                (
                    Outcome::Deny,
                    Reason::InvalidPath(PathProblem::CaseAmbiguous)
                ),
                "{raw:?}"
            );
        }
    }
    // Other case differences that route the same are not refused.
    let d = set.decide(&Request::new("example.com", "/Static/App.js"));
    assert_eq!((d.outcome, d.application), (Outcome::Bypass, Some("site")));
    let d = set.decide(&Request::new("example.com", "/admin/Users"));
    assert_eq!(d.application, Some("admin"));
    // Folded, `/Admin/x` wins; exactly, `/admin`: the same application.
    let d = set.decide(&Request::new("example.com", "/admin/X"));
    assert_eq!(d.application, Some("admin"));
}

#[test]
fn a_case_sensitive_origin_is_matched_exactly() {
    let set = set();
    let app = |raw: &str| {
        let path = with_case(raw, OriginCase::Sensitive);
        set.decide(&Request::for_path("example.com", &path))
            .application
    };
    assert_eq!(app("/Admin"), Some("site"));
    assert_eq!(app("/admin"), Some("admin"));
    assert_eq!(app("/reports"), Some("site"));
    assert_eq!(app("/Reports"), Some("reports"));
}

#[test]
fn a_case_insensitive_origin_is_matched_folded() {
    let set = set();
    let app = |raw: &str| {
        let path = with_case(raw, OriginCase::Insensitive);
        set.decide(&Request::for_path("example.com", &path))
            .application
    };
    assert_eq!(app("/Admin"), Some("admin"));
    assert_eq!(app("/ADMIN/x"), Some("admin"));
    assert_eq!(app("/reports"), Some("reports"));
    assert_eq!(app("/Other"), Some("site"));
    // The forwarded form keeps the request's case.
    assert_eq!(
        with_case("/Admin", OriginCase::Insensitive).as_str(),
        "/Admin"
    );
}

#[test]
fn case_differences_within_one_application_are_not_refused() {
    let set = PolicySet::new(
        PolicyConfig::from_toml(
            r#"
[[applications]]
name = "site"
domains = ["example.com"]
[[applications.policies]]
name = "open"
decision = "bypass"
include = [{ everyone = true }]

[[applications]]
name = "x"
domains = ["example.com/x", "example.com/X/y"]
[[applications.policies]]
name = "staff"
decision = "allow"
include = [{ group = "staff" }]
"#,
            "case.toml",
        )
        .unwrap(),
    )
    .unwrap();
    // Folded, `/X/y` wins; exactly, `/x`: the same application either way.
    let d = set.decide(&Request::new("example.com", "/x/Y"));
    assert_eq!(
        (d.application, d.reason),
        (Some("x"), Reason::IdentityRequired)
    );
    // Folded `x`, exactly the bypass: refused.
    let d = set.decide(&Request::new("example.com", "/X"));
    assert_eq!(d.reason, Reason::InvalidPath(PathProblem::CaseAmbiguous));
}

#[test]
fn problems_have_ids_and_words() {
    assert_eq!(PathProblem::PathParameter.id(), "path-parameter");
    assert_eq!(PathProblem::CaseAmbiguous.id(), "case-ambiguous");
    assert!(PathProblem::NtfsStream.to_string().contains("NTFS stream"));
    let d = SET.decide(&Request::new("example.com", "/admin;"));
    assert_eq!(
        d.to_string(),
        "deny: the path has a ';' (path parameters are read differently)"
    );
}

#[test]
fn long_paths_grown_by_encoding_are_decided_not_cut() {
    let set = set();
    // 200 bytes that encode to 600: past the short buffer, within MAX_PATH_LEN.
    let raw = format!("/admin/{}", "|".repeat(193));
    assert_eq!(parse(&raw).unwrap().as_str().len(), 7 + 3 * 193);
    assert_eq!(
        set.decide(&Request::new("example.com", &raw)).application,
        Some("admin")
    );
    let raw = format!("/{}", "|".repeat(1400));
    assert_refused(&set, &raw, PathProblem::TooLong);
}

/// Pieces that make the tricky paths: separators, dot segments, encodings of unreserved
/// and reserved characters, double encodings, parameters, case, streams, controls.
fn piece() -> impl Strategy<Value = &'static str> {
    prop::sample::select(vec![
        "/", "//", ".", "..", "%2e", "%2E", "%2e%2e", "a", "A", "admin", "Admin", "%61", "%41",
        "%7e", "~", "%25", "%2541", "%20", " ", ";", "%3b", ":", "$", "%3A", "%24", "%", "%zz",
        "%c3%a9", "%C0%AF", "é", "\0", "\t", "%00", "|", "#", "?", "?q=/..", "%2F", "\\", "*", "!",
        "@", "%40", "-", "_", "x", "X", "reports", "Reports", "public", "PUBLIC",
    ])
}

fn raw_path() -> impl Strategy<Value = String> {
    prop::collection::vec(piece(), 0..12).prop_map(|p| p.concat())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2048))]

    #[test]
    fn normalising_is_idempotent_and_the_form_is_canonical(raw in raw_path()) {
        let Ok(path) = parse(&raw) else { return Ok(()); };
        let again = parse(path.path_and_query()).unwrap();
        prop_assert_eq!(again.as_str(), path.as_str());
        prop_assert_eq!(again.query(), path.query());
        let s = path.as_str();
        prop_assert!(s.starts_with('/'), "{:?} -> {:?}", raw, s);
        prop_assert!(s.is_ascii());
        for bad in ["//", "/./", "/../", ";", "?"] {
            prop_assert!(!s.contains(bad), "{:?} -> {:?}", raw, s);
        }
        prop_assert!(!s.ends_with("/.") && !s.ends_with("/.."), "{:?} -> {:?}", raw, s);
        for (i, _) in s.match_indices('%') {
            let hex = s.get(i + 1..i + 3).unwrap_or("");
            prop_assert!(
                hex.len() == 2 && hex.bytes().all(|b| b.is_ascii_digit() || (b'A'..=b'F').contains(&b)),
                "{:?} -> {:?}", raw, s
            );
            let byte = u8::from_str_radix(hex, 16).unwrap();
            prop_assert!(
                !(byte.is_ascii_alphanumeric() || b"-._~".contains(&byte)),
                "{:?} -> {:?} keeps an unreserved %XX", raw, s
            );
        }
    }

    #[test]
    fn case_unknown_refuses_exactly_when_sensitive_and_insensitive_disagree(raw in raw_path()) {
        let set = &*SET;
        let Ok(_) = parse(&raw) else { return Ok(()); };
        let decide = |case| set.decide(&Request::for_path("example.com", &with_case(&raw, case)));
        let (sensitive, insensitive) = (decide(OriginCase::Sensitive), decide(OriginCase::Insensitive));
        let unknown = decide(OriginCase::Unknown);
        if sensitive.application == insensitive.application {
            prop_assert_eq!(unknown, sensitive);
        } else {
            prop_assert_eq!(unknown.reason, Reason::InvalidPath(PathProblem::CaseAmbiguous));
        }
    }

    #[test]
    fn a_raw_path_and_its_parsed_form_decide_alike(raw in raw_path()) {
        let set = &*SET;
        let by_raw = set.decide(&Request::new("example.com", &raw));
        match parse(&raw) {
            Ok(path) => {
                prop_assert_eq!(by_raw, set.decide(&Request::for_path("example.com", &path)));
                // And the forwarded form decides as the request did.
                prop_assert_eq!(by_raw, set.decide(&Request::new("example.com", path.path_and_query())));
            }
            Err(problem) => prop_assert_eq!(by_raw.reason, Reason::InvalidPath(problem)),
        }
    }
}
