//! Loading: certgate's schema in TOML and JSON, Cloudflare Access API JSON, and errors
//! that name the file and the JSON path.

#![allow(clippy::unwrap_used)]

use certgate_policy::{
    Application, ConfigFormat, DnProblem, DomainProblem, Inconsistency, NameMatch, ParseProblem,
    PathProblem, Policy, PolicyConfig, PolicyDecision, PolicyError, PolicySet, Rule,
    SessionDuration, ValueProblem,
};

const TOML: &str = r#"
[[service_tokens]]
name = "robot"
client_id = "robot.access"
client_secret = "s3cret"

[[rule_groups]]
name = "laptops"
include = [{ common_name = "my-laptop" }, { san_dns = { suffix = ".laptops.example.com" } }]

[[applications]]
name = "money"
domains = ["money.example.com", "money.example.com/api"]
session_duration = "0s"

[[applications.policies]]
name = "laptops"
decision = "non_identity"
include = [{ rule_group = "laptops" }]

[[applications.policies]]
name = "staff"
decision = "allow"
include = [{ email_domain = "example.com" }]
require = [{ certificate = true }]
exclude = [{ ip = "198.51.100.0/24" }]
"#;

const JSON: &str = r#"{
  "service_tokens": [{"name": "robot", "client_id": "robot.access", "client_secret": "s3cret"}],
  "rule_groups": [{"name": "laptops", "include": [{"common_name": "my-laptop"},
                   {"san_dns": {"suffix": ".laptops.example.com"}}]}],
  "applications": [{
    "name": "money", "domains": ["money.example.com", "money.example.com/api"],
    "session_duration": "0s",
    "policies": [
      {"name": "laptops", "decision": "non_identity", "include": [{"rule_group": "laptops"}]},
      {"name": "staff", "decision": "allow", "include": [{"email_domain": "example.com"}],
       "require": [{"certificate": true}], "exclude": [{"ip": "198.51.100.0/24"}]}]}]}"#;

#[test]
fn toml_and_json_read_the_same_schema() {
    let from_toml = PolicyConfig::from_toml(TOML, "p.toml").unwrap();
    let from_json = PolicyConfig::from_json(JSON, "p.json").unwrap();
    assert_eq!(from_toml, from_json);
    let app = &from_toml.applications[0];
    assert_eq!(app.session_duration, SessionDuration::ExpiresImmediately);
    assert_eq!(
        app.policies[1].exclude,
        [Rule::Ip("198.51.100.0/24".into())]
    );
    assert_eq!(
        from_toml.rule_groups[0].include[1],
        Rule::SanDns(NameMatch::Suffix(".laptops.example.com".into()))
    );
    PolicySet::new(from_toml).unwrap();
}

#[test]
fn files_are_read_by_extension_and_shape() {
    let dir = std::env::temp_dir().join(format!("certgate-policy-config-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let cases = [
        ("p.toml", TOML),
        ("p.json", JSON),
        (
            "access.json",
            r#"{"name": "money", "domain": "money.example.com", "policies": []}"#,
        ),
    ];
    for (name, text) in cases {
        std::fs::write(dir.join(name), text).unwrap();
        let set = PolicySet::from_file(dir.join(name)).unwrap();
        assert_eq!(set.config().applications[0].name, "money");
    }
    let err = PolicyConfig::from_file(dir.join("missing.toml")).unwrap_err();
    assert!(matches!(err, PolicyError::Read { .. }), "{err}");
    assert!(
        err.to_string().contains("missing.toml: cannot read"),
        "{err}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

fn access_app(policies: &str) -> String {
    format!(r#"{{"name": "money", "domain": "money.example.com", "policies": [{policies}]}}"#)
}

#[test]
fn access_json_in_each_shape() {
    let one = access_app(
        r#"{"name": "p", "decision": "allow", "include": [{"email": {"email": "sam@example.com"}}]}"#,
    );
    let expected = vec![
        Application::new("money", ["money.example.com"]).with_policy(Policy::new(
            "p",
            PolicyDecision::Allow,
            Rule::Email("sam@example.com".into()),
        )),
    ];
    for text in [
        one.clone(),
        format!("[{one}]"),
        format!(r#"{{"success": true, "errors": [], "result": [{one}]}}"#),
        format!(r#"{{"success": true, "result": {one}}}"#),
    ] {
        let config = PolicyConfig::from_access_json(&text, "access.json").unwrap();
        assert_eq!(config.applications, expected, "{text}");
    }
}

#[test]
fn access_json_orders_policies_by_precedence() {
    let text = access_app(
        r#"{"name": "c", "decision": "allow", "precedence": 3, "include": [{"everyone": {}}]},
           {"name": "none-1", "decision": "deny", "include": [{"everyone": {}}]},
           {"name": "a", "decision": "bypass", "precedence": 1, "include": [{"ip": {"ip": "10.0.0.0/8"}}]},
           {"name": "none-2", "decision": "deny", "include": [{"everyone": {}}]},
           {"name": "b", "decision": "non_identity", "precedence": 2, "include": [{"certificate": {}}]}"#,
    );
    let config = PolicyConfig::from_access_json(&text, "access.json").unwrap();
    let names: Vec<_> = config.applications[0]
        .policies
        .iter()
        .map(|p| p.name.as_str())
        .collect();
    assert_eq!(names, ["a", "b", "c", "none-1", "none-2"]);
    // Without any precedence, file order.
    let text = access_app(
        r#"{"name": "y", "decision": "allow", "include": [{"everyone": {}}]},
           {"name": "x", "decision": "allow", "include": [{"everyone": {}}]}"#,
    );
    let config = PolicyConfig::from_access_json(&text, "a.json").unwrap();
    let names: Vec<_> = config.applications[0]
        .policies
        .iter()
        .map(|p| p.name.as_str())
        .collect();
    assert_eq!(names, ["y", "x"]);
}

#[test]
fn access_selectors_as_access_spells_them() {
    let text = access_app(
        r#"{"name": "p", "decision": "non_identity", "include": [
            {"everyone": {}}, {"certificate": {}}, {"common_name": {"common_name": "my-laptop"}},
            {"email": {"email": "a@example.com"}}, {"email_domain": {"domain": "example.com"}},
            {"ip": {"ip": "2001:db8::/32"}}, {"service_token": {"token_id": "robot"}},
            {"any_valid_service_token": {}}, {"group": {"id": "admins"}}]}"#,
    );
    let config = PolicyConfig::from_access_json(&text, "a.json").unwrap();
    assert_eq!(
        config.applications[0].policies[0].include,
        [
            Rule::Everyone,
            Rule::ValidCertificate,
            Rule::CommonName("my-laptop".into()),
            Rule::Email("a@example.com".into()),
            Rule::EmailDomain("example.com".into()),
            Rule::Ip("2001:db8::/32".into()),
            Rule::ServiceToken("robot".into()),
            Rule::AnyValidServiceToken,
            Rule::Group("admins".into()),
        ]
    );
}

#[test]
fn errors_name_the_file_and_the_json_path() {
    let geo = access_app(
        r#"{"name": "p", "decision": "allow", "include": [{"everyone": {}}],
            "exclude": [{"geo": {"country_code": "US"}}]}"#,
    );
    let err = PolicyConfig::from_access_json(&format!("[{geo}]"), "apps.json").unwrap_err();
    assert!(
        matches!(err, PolicyError::UnsupportedSelector { .. }),
        "{err}"
    );
    assert_eq!(
        err.to_string(),
        "apps.json: $[0].policies[0].exclude[0]: selector `geo` is not supported: \
         certgate has no IP geolocation; use `ip` ranges"
    );
    let unknown = access_app(
        r#"{"name": "p", "decision": "allow", "include": [{"everyone": {}}, {"favourite_colour": {}}]}"#,
    );
    let err = PolicyConfig::from_access_json(&format!(r#"{{"result": [{unknown}]}}"#), "apps.json")
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "apps.json: $.result[0].policies[0].include[1]: unknown selector `favourite_colour`"
    );
    let cases: &[(&str, &str)] = &[
        (
            r#"{"name": "p", "decision": "allow", "include": [{"ip": {"ip": "10.0.0.0/40"}}]}"#,
            "a.json: $.policies[0].include[0].ip: IP network \"10.0.0.0/40\": prefix length must be 0 to 32",
        ),
        (
            r#"{"name": "p", "decision": "block", "include": [{"everyone": {}}]}"#,
            "a.json: $.policies[0].decision: \"block\" is not a decision (allow, deny, bypass, non_identity)",
        ),
        (
            r#"{"name": "p", "decision": "allow", "include": []}"#,
            "a.json: $.policies[0]: no include rule (at least one is required)",
        ),
        (
            r#"{"name": "p", "decision": "allow", "include": [{"common_name": {"cn": "x"}}]}"#,
            "a.json: $.policies[0].include[0].common_name: missing `common_name`",
        ),
    ];
    for (policy, expected) in cases {
        let err = PolicyConfig::from_access_json(&access_app(policy), "a.json").unwrap_err();
        assert_eq!(err.to_string(), *expected);
    }
    let err = PolicyConfig::from_access_json("[1, 2", "a.json").unwrap_err();
    assert!(
        matches!(err, PolicyError::Syntax { format: "JSON", .. }),
        "{err}"
    );

    // certgate's schema: unknown keys and selectors, bad values, with their paths.
    let native: &[(&str, &str)] = &[
        (
            "[[applications]]\nname = \"a\"\ndomain = \"x.example.com\"\n",
            "p.toml: $.applications[0]: unknown key `domain` (expected one of: name, domains, session_duration, policies)",
        ),
        (
            "[[applications]]\nname = \"a\"\ndomains = [\"x.example.com\"]\n[[applications.policies]]\nname = \"p\"\ndecision = \"allow\"\ninclude = [{ cn = \"x\" }]\n",
            "p.toml: $.applications[0].policies[0].include[0]: unknown selector `cn`",
        ),
        (
            "[[applications]]\nname = \"a\"\ndomains = [\"x.*\"]\n",
            "p.toml: $.applications[0].domains[0]: domain \"x.*\": the rightmost label cannot be a wildcard",
        ),
        (
            "[[applications]]\nname = \"a\"\ndomains = [\"x.example.com\"]\nsession_duration = \"soon\"\n",
            "p.toml: $.applications[0].session_duration: \"soon\" is not a duration (such as 0s, 30m, 24h, 7d)",
        ),
        (
            "[[applications]]\nname = \"a\"\ndomains = [\"x.example.com\"]\n[[applications.policies]]\nname = \"p\"\ndecision = \"allow\"\ninclude = [{ serial = \"xyz\" }]\n",
            "p.toml: $.applications[0].policies[0].include[0].serial: serial \"xyz\": not hex",
        ),
        (
            "[[applications]]\nname = \"a\"\ndomains = [\"x.example.com\"]\n[[applications.policies]]\nname = \"p\"\ndecision = \"allow\"\ninclude = [{ everyone = true, certificate = true }]\n",
            "p.toml: $.applications[0].policies[0].include[0]: a rule is an object with exactly one selector",
        ),
        ("", "p.toml: $: missing `applications`"),
    ];
    for (text, expected) in native {
        let err = PolicyConfig::from_toml(text, "p.toml").unwrap_err();
        assert_eq!(err.to_string(), *expected);
    }
    let err = PolicyConfig::from_toml("[[applications]\n", "p.toml").unwrap_err();
    assert!(
        matches!(err, PolicyError::Syntax { format: "TOML", .. }),
        "{err}"
    );
    assert!(err.to_string().contains("line 1"), "{err}");
    assert!(!err.to_string().contains('\n'), "{err}");
    // The parser's own error is the source, for a caller who wants its position.
    let source = std::error::Error::source(&err).unwrap();
    assert!(source.to_string().contains("line 1"), "{source}");
}

#[test]
fn inconsistencies_name_the_application_and_policy() {
    let compile = |text: &str| {
        PolicySet::new(PolicyConfig::from_toml(text, "p.toml").unwrap())
            .unwrap_err()
            .to_string()
    };
    let app = |rules: &str| {
        format!(
            "[[applications]]\nname = \"a\"\ndomains = [\"x.example.com\"]\n[[applications.policies]]\nname = \"p\"\ndecision = \"allow\"\n{rules}\n"
        )
    };
    assert_eq!(
        compile(&app("include = [{ rule_group = \"nope\" }]")),
        "application `a`, policy `p`, include[0]: unknown rule group `nope`"
    );
    assert_eq!(
        compile(&app("require = [{ everyone = true }]")),
        "application `a`, policy `p`: no include rule (at least one is required)"
    );
    assert_eq!(
        compile(
            "[[rule_groups]]\nname = \"g\"\ninclude = [{ rule_group = \"g\" }]\n[[applications]]\nname = \"a\"\ndomains = [\"x.example.com\"]\n"
        ),
        "rule group `g`, include[0]: uses rule group `g`: rule groups do not nest"
    );
    assert_eq!(
        compile("[[applications]]\nname = \"a\"\ndomains = []\n"),
        "application `a`: no domain"
    );
    // Built in code, values are checked when compiled.
    let config = PolicyConfig::default().with_application(
        Application::new("a", ["x.example.com"]).with_policy(Policy::new(
            "p",
            PolicyDecision::Allow,
            Rule::Ip("10.0.0.0/99".into()),
        )),
    );
    assert_eq!(
        PolicySet::new(config).unwrap_err().to_string(),
        "application `a`, policy `p`, include[0]: IP network \"10.0.0.0/99\": prefix length must be 0 to 32"
    );
    let _ = ConfigFormat::Toml;
}

/// The JSON path and the problem of a TOML text that does not load.
fn value_problem(text: &str) -> (String, ValueProblem) {
    match PolicyConfig::from_toml(text, "p.toml") {
        Err(PolicyError::Invalid {
            file,
            path,
            problem,
        }) => {
            assert_eq!(file, "p.toml");
            (path, problem)
        }
        other => panic!("{other:?}"),
    }
}

/// The place and the inconsistency of a TOML text that loads and does not compile.
fn inconsistency(text: &str) -> (String, Inconsistency) {
    let config = PolicyConfig::from_toml(text, "p.toml").unwrap();
    match PolicySet::new(config) {
        Err(PolicyError::Inconsistent { place, problem }) => (place, problem),
        other => panic!("{other:?}"),
    }
}

/// An application `a` at `x.example.com` with one allow policy `p` of these rules.
fn app_with(rules: &str) -> String {
    format!(
        "[[applications]]\nname = \"a\"\ndomains = [\"x.example.com\"]\n[[applications.policies]]\nname = \"p\"\ndecision = \"allow\"\n{rules}\n"
    )
}

#[test]
fn unknown_keys_are_typed() {
    let (path, problem) =
        value_problem("[[applications]]\nname = \"a\"\ndomain = \"x.example.com\"\n");
    assert_eq!(path, "$.applications[0]");
    assert_eq!(
        problem,
        ValueProblem::UnknownKey {
            key: "domain".into(),
            expected: &["name", "domains", "session_duration", "policies"],
        }
    );
    // A name match's kind is a key too.
    let (path, problem) = value_problem(&app_with("include = [{ san_dns = { prefix = \"x\" } }]"));
    assert_eq!(path, "$.applications[0].policies[0].include[0].san_dns");
    assert_eq!(
        problem,
        ValueProblem::UnknownKey {
            key: "prefix".into(),
            expected: &["exact", "suffix", "glob"],
        }
    );
    assert_eq!(
        problem.to_string(),
        "unknown key `prefix` (expected one of: exact, suffix, glob)"
    );
    let (_, problem) = value_problem(&app_with(
        "include = [{ san_dns = { exact = \"x\", glob = \"y\" } }]",
    ));
    assert!(
        matches!(problem, ValueProblem::ExactlyOneOf { keys } if keys.contains(&"glob")),
        "{problem:?}"
    );
    assert_eq!(
        problem.to_string(),
        "exactly one of `exact`, `suffix` and `glob`"
    );
}

#[test]
fn missing_keys_are_typed() {
    assert_eq!(
        value_problem(""),
        (
            "$".into(),
            ValueProblem::Missing {
                key: "applications"
            }
        )
    );
    assert_eq!(
        value_problem("[[applications]]\nname = \"a\"\n"),
        (
            "$.applications[0]".into(),
            ValueProblem::Missing { key: "domains" }
        )
    );
    let no_decision = "[[applications]]\nname = \"a\"\ndomains = [\"x.example.com\"]\n[[applications.policies]]\nname = \"p\"\ninclude = [{ everyone = true }]\n";
    assert_eq!(
        value_problem(no_decision),
        (
            "$.applications[0].policies[0]".into(),
            ValueProblem::Missing { key: "decision" }
        )
    );
    let err = PolicyConfig::from_access_json(r#"{"name": "a"}"#, "a.json").unwrap_err();
    assert!(
        matches!(
            err,
            PolicyError::Invalid {
                problem: ValueProblem::Missing { key: "domain" },
                ..
            }
        ),
        "{err:?}"
    );
    let secrets = "[[service_tokens]]\nname = \"t\"\nclient_id = \"c\"\n[[applications]]\nname = \"a\"\ndomains = [\"x.example.com\"]\n";
    assert_eq!(
        value_problem(secrets).1,
        ValueProblem::ExactlyOneOf {
            keys: &["client_secret", "client_secret_sha256"]
        }
    );
}

#[test]
fn wrong_types_are_typed() {
    assert_eq!(
        value_problem("applications = 3\n"),
        (
            "$.applications".into(),
            ValueProblem::WrongType {
                expected: "an array"
            }
        )
    );
    let (path, problem) = value_problem(&app_with("include = [{ everyone = false }]"));
    assert_eq!(path, "$.applications[0].policies[0].include[0].everyone");
    assert_eq!(problem, ValueProblem::WrongType { expected: "`true`" });
    assert_eq!(problem.to_string(), "expected `true`");
    let (path, problem) = value_problem(&app_with("include = [{ common_name = 7 }]"));
    assert_eq!(path, "$.applications[0].policies[0].include[0].common_name");
    assert_eq!(
        problem,
        ValueProblem::WrongType {
            expected: "a string"
        }
    );
    let text = access_app(
        r#"{"name": "p", "decision": "allow", "precedence": "first", "include": [{"everyone": {}}]}"#,
    );
    let err = PolicyConfig::from_access_json(&text, "a.json").unwrap_err();
    assert!(
        matches!(
            err,
            PolicyError::Invalid {
                problem: ValueProblem::WrongType {
                    expected: "an integer"
                },
                ..
            }
        ),
        "{err:?}"
    );
}

#[test]
fn unparsable_values_are_typed() {
    let (path, problem) = value_problem(&app_with("include = [{ ip = \"10.0.0.0/40\" }]"));
    assert_eq!(path, "$.applications[0].policies[0].include[0].ip");
    assert_eq!(
        problem,
        ValueProblem::BadIpNetwork {
            value: "10.0.0.0/40".into(),
            problem: ParseProblem::BadPrefix { max: 32 },
        }
    );
    let (_, problem) = value_problem(&app_with("include = [{ ip = \"10.0.0.x\" }]"));
    assert_eq!(
        problem,
        ValueProblem::BadIpNetwork {
            value: "10.0.0.x".into(),
            problem: ParseProblem::NotAnAddress,
        }
    );
    let (_, problem) = value_problem(&app_with("include = [{ serial = \"xyz\" }]"));
    assert_eq!(
        problem,
        ValueProblem::BadSerial {
            value: "xyz".into(),
            problem: ParseProblem::NotHex,
        }
    );
    let (_, problem) = value_problem(&app_with("include = [{ fingerprint_sha256 = \"abcd\" }]"));
    assert_eq!(
        problem,
        ValueProblem::BadSha256 {
            value: "abcd".into()
        }
    );
    let (_, problem) = value_problem(&app_with("include = [{ issuer = \"CN=a,#x\" }]"));
    assert_eq!(
        problem,
        ValueProblem::UnknownAttribute { name: "#x".into() }
    );
    let (_, problem) = value_problem(&app_with("include = [{ issuer = \"CN=#0403\" }]"));
    assert_eq!(
        problem,
        ValueProblem::BadDn {
            value: "CN=#0403".into(),
            problem: DnProblem::HexValue,
        }
    );
    for bad in ["1.02", "1.2.", "policy-one", "", "3.1"] {
        let (path, problem) =
            value_problem(&app_with(&format!("include = [{{ policy = \"{bad}\" }}]")));
        assert_eq!(path, "$.applications[0].policies[0].include[0].policy");
        assert_eq!(problem, ValueProblem::BadPolicyOid { value: bad.into() });
    }
    let (_, problem) = value_problem(&app_with("include = [{ email = \"\" }]"));
    assert_eq!(problem, ValueProblem::Empty { what: "email" });
    let (path, problem) =
        value_problem("[[applications]]\nname = \"a\"\ndomains = [\"x.example.com/a;b\"]\n");
    assert_eq!(path, "$.applications[0].domains[0]");
    assert_eq!(
        problem,
        ValueProblem::BadDomain {
            value: "x.example.com/a;b".into(),
            problem: DomainProblem::Path(PathProblem::PathParameter),
        }
    );
    let (_, problem) = value_problem(&app_with("include = [{ expiring_within = \"soon\" }]"));
    assert_eq!(
        problem,
        ValueProblem::BadDuration {
            value: "soon".into()
        }
    );
    let (path, problem) = value_problem(
        &app_with("include = [{ everyone = true }]").replace("\"allow\"", "\"block\""),
    );
    assert_eq!(path, "$.applications[0].policies[0].decision");
    assert_eq!(
        problem,
        ValueProblem::NotADecision {
            value: "block".into()
        }
    );
    let (_, problem) = value_problem(&app_with("include = [{}]"));
    assert_eq!(problem, ValueProblem::NotOneSelector);
    // Built in code, the same problem comes when the set is compiled.
    let config = PolicyConfig::default().with_application(
        Application::new("a", ["x.example.com"]).with_policy(Policy::new(
            "p",
            PolicyDecision::Allow,
            Rule::Ip("2001:db8::/129".into()),
        )),
    );
    match PolicySet::new(config).unwrap_err() {
        PolicyError::Inconsistent { place, problem } => {
            assert_eq!(place, "application `a`, policy `p`, include[0]");
            assert_eq!(
                problem,
                Inconsistency::Value(ValueProblem::BadIpNetwork {
                    value: "2001:db8::/129".into(),
                    problem: ParseProblem::BadPrefix { max: 128 },
                })
            );
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_policy_without_include_rule_is_typed() {
    assert_eq!(
        inconsistency(&app_with("require = [{ everyone = true }]")),
        (
            "application `a`, policy `p`".into(),
            Inconsistency::NoIncludeRule
        )
    );
    assert_eq!(
        inconsistency(
            "[[rule_groups]]\nname = \"g\"\nexclude = [{ everyone = true }]\n[[applications]]\nname = \"a\"\ndomains = [\"x.example.com\"]\n"
        ),
        ("rule group `g`".into(), Inconsistency::NoIncludeRule)
    );
    // Access JSON says so when it is read.
    let text = access_app(r#"{"name": "p", "decision": "allow", "include": []}"#);
    let err = PolicyConfig::from_access_json(&text, "a.json").unwrap_err();
    assert!(
        matches!(
            &err,
            PolicyError::Invalid { path, problem: ValueProblem::NoIncludeRule, .. }
                if path == "$.policies[0]"
        ),
        "{err:?}"
    );
}

#[test]
fn rule_groups_unknown_or_nested_are_typed() {
    assert_eq!(
        inconsistency(&app_with("include = [{ rule_group = \"nope\" }]")),
        (
            "application `a`, policy `p`, include[0]".into(),
            Inconsistency::UnknownRuleGroup {
                name: "nope".into()
            }
        )
    );
    let nested = "[[rule_groups]]\nname = \"g\"\ninclude = [{ everyone = true }]\n[[rule_groups]]\nname = \"h\"\ninclude = [{ everyone = true }]\nexclude = [{ rule_group = \"g\" }]\n[[applications]]\nname = \"a\"\ndomains = [\"x.example.com\"]\n";
    assert_eq!(
        inconsistency(nested),
        (
            "rule group `h`, exclude[0]".into(),
            Inconsistency::NestedRuleGroup { name: "g".into() }
        )
    );
    let twice = "[[rule_groups]]\nname = \"g\"\ninclude = [{ everyone = true }]\n[[rule_groups]]\nname = \"g\"\ninclude = [{ everyone = true }]\n[[applications]]\nname = \"a\"\ndomains = [\"x.example.com\"]\n";
    let (place, problem) = inconsistency(twice);
    assert_eq!(place, "rule group `g`");
    assert_eq!(
        problem,
        Inconsistency::DuplicateRuleGroup { name: "g".into() }
    );
    assert_eq!(problem.to_string(), "defined twice");
}

#[test]
fn a_domain_claimed_twice_is_typed() {
    let text = "[[applications]]\nname = \"a\"\ndomains = [\"x.example.com\"]\n[[applications]]\nname = \"b\"\ndomains = [\"y.example.com\", \"X.example.com.\"]\n";
    assert_eq!(
        inconsistency(text),
        (
            "application `b`".into(),
            Inconsistency::DomainClaimedTwice {
                domain: "X.example.com.".into(),
                other_app: "a".into(),
            }
        )
    );
    assert_eq!(
        inconsistency("[[applications]]\nname = \"a\"\ndomains = []\n").1,
        Inconsistency::NoDomain
    );
}

#[test]
fn service_tokens_defined_twice_are_typed() {
    let tokens = |second: &str| {
        format!(
            "[[service_tokens]]\nname = \"t\"\nclient_id = \"c\"\nclient_secret = \"s\"\n[[service_tokens]]\n{second}\nclient_secret = \"s\"\n[[applications]]\nname = \"a\"\ndomains = [\"x.example.com\"]\n"
        )
    };
    assert_eq!(
        inconsistency(&tokens("name = \"t\"\nclient_id = \"d\"")),
        (
            "service token `t`".into(),
            Inconsistency::DuplicateServiceToken { name: "t".into() }
        )
    );
    let (place, problem) = inconsistency(&tokens("name = \"u\"\nclient_id = \"c\""));
    assert_eq!(place, "service token `u`");
    assert_eq!(
        problem,
        Inconsistency::DuplicateClientId {
            client_id: "c".into()
        }
    );
    assert_eq!(problem.to_string(), "client id \"c\" used twice");
}
