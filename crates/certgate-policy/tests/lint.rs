//! Each lint, and none on the seeds' configurations.

#![allow(clippy::unwrap_used)]

use certgate_policy::{LintKind, PolicyConfig};

fn lints(policies: &str) -> Vec<(LintKind, Option<String>, String)> {
    let text = format!(
        "[[rule_groups]]\nname = \"staff\"\ninclude = [{{ email_domain = \"example.com\" }}]\n\
         [[applications]]\nname = \"app\"\ndomains = [\"app.example.com\"]\n{policies}"
    );
    PolicyConfig::from_toml(&text, "lint.toml")
        .unwrap()
        .lint()
        .into_iter()
        .map(|l| (l.kind, l.policy.clone(), l.to_string()))
        .collect()
}

fn kinds(policies: &str) -> Vec<LintKind> {
    lints(policies).into_iter().map(|l| l.0).collect()
}

fn policy(name: &str, decision: &str, rules: &str) -> String {
    format!("[[applications.policies]]\nname = \"{name}\"\ndecision = \"{decision}\"\n{rules}\n")
}

#[test]
fn allow_with_include_everyone() {
    let found = lints(&policy("open", "allow", "include = [{ everyone = true }]"));
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].0, LintKind::AllowEveryone);
    assert_eq!(
        found[0].2,
        "warning[allow-everyone]: application `app`, policy `open`: allow with include everyone: \
         every request matches, with no certificate and no login"
    );
    // Everyone in a deny, or in an allow's exclude, is not this mistake.
    assert!(
        !kinds(&policy(
            "p",
            "allow",
            "include = [{ certificate = true }]\nexclude = [{ everyone = true }]"
        ))
        .contains(&LintKind::AllowEveryone)
    );
}

#[test]
fn require_with_several_values_of_one_selector() {
    let conflicting = [
        r#"require = [{ common_name = "a" }, { common_name = "b" }]"#,
        r#"require = [{ email = "a@example.com" }, { email = "b@example.com" }]"#,
        r#"require = [{ ip = "10.0.0.0/8" }, { ip = "192.0.2.0/24" }]"#,
        r#"require = [{ serial = "01" }, { serial = "02" }]"#,
    ];
    for require in conflicting {
        let k = kinds(&policy(
            "p",
            "allow",
            &format!("include = [{{ certificate = true }}]\n{require}"),
        ));
        assert_eq!(k, [LintKind::ConflictingRequire], "{require}");
    }
    let fine = [
        r#"require = [{ ip = "10.0.0.0/8" }, { ip = "10.1.0.0/16" }]"#,
        r#"require = [{ group = "a" }, { group = "b" }]"#,
        r#"require = [{ subject = { attribute = "OU", value = "a" } }, { subject = { attribute = "OU", value = "b" } }]"#,
        r#"require = [{ common_name = "a" }, { certificate = true }]"#,
    ];
    for require in fine {
        let k = kinds(&policy(
            "p",
            "allow",
            &format!("include = [{{ certificate = true }}]\n{require}"),
        ));
        assert!(k.is_empty(), "{require}: {k:?}");
    }
}

#[test]
fn bypass_with_identity_selectors() {
    let direct = policy(
        "b",
        "bypass",
        r#"include = [{ email = "sam@example.com" }]"#,
    ) + &policy("a", "allow", "include = [{ certificate = true }]");
    assert_eq!(kinds(&direct), [LintKind::BypassWithIdentity]);
    let through_group = policy(
        "b",
        "bypass",
        "include = [{ ip = \"10.0.0.0/8\" }]\nrequire = [{ rule_group = \"staff\" }]",
    ) + &policy("a", "allow", "include = [{ certificate = true }]");
    assert_eq!(kinds(&through_group), [LintKind::BypassWithIdentity]);
}

#[test]
fn application_without_an_allow_policy() {
    let found = lints(&policy(
        "health",
        "bypass",
        r#"include = [{ method = "HEAD" }]"#,
    ));
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(
        (found[0].0, found[0].1.as_deref()),
        (LintKind::NoAllowPolicy, None)
    );
    assert_eq!(kinds(""), [LintKind::NoAllowPolicy]);
    // A public application (bypass everyone) is not this mistake.
    assert!(
        kinds(&policy(
            "public",
            "bypass",
            "include = [{ everyone = true }]"
        ))
        .is_empty()
    );
    // Service auth lets devices in: seed 000's configuration has no finding.
    assert!(
        kinds(&policy(
            "devices",
            "non_identity",
            "include = [{ certificate = true }]"
        ))
        .is_empty()
    );
}

#[test]
fn policy_shadowed_by_an_earlier_one() {
    let found = lints(
        &(policy("certs", "allow", "include = [{ certificate = true }]")
            + &policy(
                "laptop",
                "allow",
                r#"include = [{ certificate = true }]
require = [{ common_name = "laptop" }]"#,
            )),
    );
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].0, LintKind::ShadowedPolicy);
    assert_eq!(found[0].1.as_deref(), Some("laptop"));
    assert!(
        found[0]
            .2
            .contains("`certs` (allow) is evaluated before it"),
        "{}",
        found[0].2
    );
    // A block listed first is shadowed by a bypass that runs before it (Access's order).
    let k = kinds(
        &(policy("block", "deny", r#"include = [{ ip = "10.0.0.0/8" }]"#)
            + &policy(
                "open",
                "bypass",
                r#"include = [{ ip = "10.0.0.0/8" }, { ip = "192.0.2.0/24" }]"#,
            )
            + &policy("a", "allow", "include = [{ certificate = true }]")),
    );
    assert_eq!(k, [LintKind::ShadowedPolicy]);
    // An exclude or a require on the earlier policy means it does not cover the later one.
    let k = kinds(
        &(policy(
            "x",
            "allow",
            "include = [{ certificate = true }]\nexclude = [{ ip = \"10.0.0.0/8\" }]",
        ) + &policy("y", "allow", "include = [{ certificate = true }]")),
    );
    assert!(k.is_empty(), "{k:?}");
}

#[test]
fn service_token_that_is_not_configured() {
    let k = kinds(&policy(
        "robots",
        "non_identity",
        r#"include = [{ service_token = "ghost" }]"#,
    ));
    assert_eq!(k, [LintKind::UnknownServiceToken]);
}

#[test]
fn the_seed_configurations_are_clean() {
    let seed_004 = policy(
        "mtls",
        "non_identity",
        "include = [{ common_name = \"my-laptop\" }]\nrequire = [{ certificate = true }]",
    ) + &policy("warp", "bypass", "include = [{ ip = \"100.96.0.0/12\" }]")
        + &policy(
            "login",
            "allow",
            "include = [{ email_domain = \"example.com\" }]",
        );
    assert!(kinds(&seed_004).is_empty());
}

#[test]
fn two_applications_with_one_name() {
    let app = |name: &str, domain: &str| {
        format!(
            "[[applications]]\nname = \"{name}\"\ndomains = [\"{domain}\"]\n{}",
            policy("p", "allow", "include = [{ certificate = true }]")
        )
    };
    let text = app("money", "money.example.com")
        + &app("books", "books.example.com")
        + &app("money", "money.example.net");
    let found = PolicyConfig::from_toml(&text, "dup.toml").unwrap().lint();
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].kind, LintKind::DuplicateApplication);
    assert_eq!(found[0].policy, None);
    assert_eq!(
        found[0].to_string(),
        "warning[duplicate-application]: application `money`: another application has the \
         same name: decisions, explain traces and logs name the application, so they cannot \
         tell the two apart"
    );
    // Access API JSON: the same.
    let json = r#"[
        {"name": "a", "domain": "a.example.com", "policies": [
            {"name": "p", "decision": "allow", "include": [{"certificate": {}}]}]},
        {"name": "a", "domain": "b.example.com", "policies": [
            {"name": "p", "decision": "allow", "include": [{"certificate": {}}]}]}]"#;
    let kinds: Vec<LintKind> = PolicyConfig::from_access_json(json, "dup.json")
        .unwrap()
        .lint()
        .into_iter()
        .map(|l| l.kind)
        .collect();
    assert_eq!(kinds, [LintKind::DuplicateApplication]);
    // Distinct names: nothing.
    let text = app("money", "money.example.com") + &app("books", "books.example.com");
    assert!(
        PolicyConfig::from_toml(&text, "ok.toml")
            .unwrap()
            .lint()
            .is_empty()
    );
}
