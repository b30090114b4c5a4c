//! [`PolicySet::could_admit_email`]: whether a login by email (a one-time code) could let
//! an address in, so that a gate mails codes only to addresses some policy could admit
//! and never relays mail for strangers.

use crate::compile::{CRules, PolicySet, Sel};
use crate::model::PolicyDecision;
use crate::request::{Identity, Request};

/// The auth method an email login establishes, as `auth_method` rules name it.
const EMAIL_LOGIN_METHOD: &str = "otp";

/// A rule's value when only the email is known: Kleene's three-valued logic, where
/// `Unknown` is a rule that looks at something other than the identity (a certificate,
/// the peer address, the method, a service token).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Tri {
    True,
    False,
    Unknown,
}

impl Tri {
    fn from_bool(b: bool) -> Self {
        if b { Self::True } else { Self::False }
    }

    fn or(self, other: Self) -> Self {
        match (self, other) {
            (Self::True, _) | (_, Self::True) => Self::True,
            (Self::False, Self::False) => Self::False,
            _ => Self::Unknown,
        }
    }

    fn and(self, other: Self) -> Self {
        match (self, other) {
            (Self::False, _) | (_, Self::False) => Self::False,
            (Self::True, Self::True) => Self::True,
            _ => Self::Unknown,
        }
    }

    fn not(self) -> Self {
        match self {
            Self::True => Self::False,
            Self::False => Self::True,
            Self::Unknown => Self::Unknown,
        }
    }
}

impl PolicySet {
    /// Whether some `allow` policy of the application covering `host` and `path` could
    /// let `email` in after an email login (auth method `otp`, no groups). A gate asks
    /// this before it mails a one-time code.
    ///
    /// Conservative, so that no mail goes to an address no policy names:
    /// - `email` must be one well-formed address ([`Identity::new`]'s rules:
    ///   `bob@evil.com@example.com` is never admissible).
    /// - The policy's include must be met **by the login itself**: an `email` or
    ///   `email_domain` rule the address matches, `auth_method = "otp"`, `everyone`, or a
    ///   rule group met that way. An include that looks only at the certificate, the
    ///   peer address or a service token does not count: such a policy needs no login.
    /// - No `require` rule may be certain to fail (`group`: an email login has no
    ///   groups; another email, domain or auth method), and no `exclude` rule certain to
    ///   match. Rules on the certificate, peer address, method or service token are
    ///   unknown here and do not stop the address (the login may come over a connection
    ///   that meets them).
    /// - A `deny` policy evaluated before that allow and certain to match the address
    ///   (its rules true whatever the connection) makes it not admissible.
    ///   `bypass` and `non_identity` policies do not look at logins and are skipped.
    ///
    /// `everyone` admits every address: as with Access's one-time PIN, an application
    /// that allows everyone lets anyone ask for a code (send limits bound that).
    pub fn could_admit_email(&self, host: &str, path: &str, email: &str) -> bool {
        let Ok(identity) = Identity::new(email, EMAIL_LOGIN_METHOD) else {
            return false;
        };
        let Ok(app) = self.route(&Request::new(host, path)) else {
            return false;
        };
        let app = &self.apps[app];
        for &p in &app.order {
            let policy = &app.policies[p as usize];
            match policy.decision {
                PolicyDecision::Allow if self.admits(&policy.rules, &identity) => return true,
                PolicyDecision::Deny if self.value(&policy.rules, &identity) == Tri::True => {
                    return false;
                }
                _ => {}
            }
        }
        false
    }

    /// Whether an include is met by the login and nothing else is certain to refuse.
    fn admits(&self, rules: &CRules, id: &Identity) -> bool {
        let met = rules.include.iter().any(|r| match &r.sel {
            Sel::RuleGroup(g) => self.admits(&self.groups[*g as usize].rules, id),
            sel => self.identity_meets(sel, id),
        });
        met && self.rest_allows(rules, id)
    }

    /// No require certain to fail, no exclude certain to match.
    fn rest_allows(&self, rules: &CRules, id: &Identity) -> bool {
        rules
            .require
            .iter()
            .all(|r| self.sel_value(&r.sel, id) != Tri::False)
            && rules
                .exclude
                .iter()
                .all(|r| self.sel_value(&r.sel, id) != Tri::True)
    }

    /// Whether the login alone meets `sel`.
    fn identity_meets(&self, sel: &Sel, id: &Identity) -> bool {
        match sel {
            Sel::Everyone | Sel::Email(_) | Sel::EmailDomain(_) | Sel::AuthMethod(_) => {
                self.sel_value(sel, id) == Tri::True
            }
            _ => false,
        }
    }

    /// The rules' value: any include, all requires, no exclude.
    fn value(&self, rules: &CRules, id: &Identity) -> Tri {
        let any = |list: &[crate::compile::CRule]| {
            list.iter()
                .fold(Tri::False, |acc, r| acc.or(self.sel_value(&r.sel, id)))
        };
        let all = rules
            .require
            .iter()
            .fold(Tri::True, |acc, r| acc.and(self.sel_value(&r.sel, id)));
        any(&rules.include).and(all).and(any(&rules.exclude).not())
    }

    /// One selector's value for an email login.
    fn sel_value(&self, sel: &Sel, id: &Identity) -> Tri {
        match sel {
            Sel::Everyone => Tri::True,
            Sel::Email(e) => Tri::from_bool(id.email().eq_ignore_ascii_case(e)),
            Sel::EmailDomain(d) => {
                Tri::from_bool(id.email_domain().is_some_and(|x| x.eq_ignore_ascii_case(d)))
            }
            // An email login has no groups.
            Sel::Group(_) => Tri::False,
            Sel::AuthMethod(m) => Tri::from_bool(id.established_by().eq_ignore_ascii_case(m)),
            Sel::RuleGroup(g) => self.value(&self.groups[*g as usize].rules, id),
            // The certificate, the peer address, the method, a service token.
            _ => Tri::Unknown,
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::{PolicyConfig, PolicySet};

    fn set(policies: &str) -> PolicySet {
        let text = format!(
            "[[rule_groups]]\nname = \"staff\"\ninclude = [{{ email_domain = \"example.com\" }}]\n\
             exclude = [{{ email = \"gone@example.com\" }}]\n\
             [[rule_groups]]\nname = \"admins\"\ninclude = [{{ group = \"admins\" }}]\n\
             [[applications]]\nname = \"money\"\ndomains = [\"money.example.com\"]\n{policies}"
        );
        let config = PolicyConfig::from_toml(&text, "policies.toml").unwrap();
        PolicySet::new(config).unwrap()
    }

    fn admits(set: &PolicySet, email: &str) -> bool {
        set.could_admit_email("money.example.com", "/", email)
    }

    const POLICY: &str = "[[applications.policies]]\nname = \"p\"\ndecision = ";

    #[test]
    fn email_and_domain_rules_admit_their_addresses_only() {
        let s = set(&format!(
            "{POLICY}\"allow\"\ninclude = [{{ email = \"sam@other.org\" }}, {{ email_domain = \"example.com\" }}]\n"
        ));
        assert!(admits(&s, "sam@other.org"));
        assert!(admits(&s, "SAM@Other.org"));
        assert!(admits(&s, "bob@example.com"));
        assert!(s.could_admit_email("money.example.com", "/expenses?month=11", "bob@example.com"));
        assert!(!admits(&s, "eve@evil.com"));
        assert!(!admits(&s, "bob@evil.com@example.com"));
        assert!(!admits(&s, "bob@example.com.evil.com"));
        assert!(!admits(&s, "\"bob\"@example.com"));
        assert!(!admits(&s, "bob@example.com\r\nBcc: x@evil.com"));
        assert!(!admits(&s, ""));
        // Another host or no application: nobody.
        assert!(!s.could_admit_email("other.example.com", "/", "bob@example.com"));
    }

    #[test]
    fn everyone_admits_every_well_formed_address() {
        let s = set(&format!(
            "{POLICY}\"allow\"\ninclude = [{{ everyone = true }}]\n"
        ));
        assert!(admits(&s, "anyone@anywhere.net"));
        assert!(!admits(&s, "not-an-address"));
    }

    #[test]
    fn certificate_only_policies_need_no_login() {
        let s = set(&format!(
            "{POLICY}\"allow\"\ninclude = [{{ certificate = true }}]\n\
             {POLICY}\"non_identity\"\ninclude = [{{ ip = \"10.0.0.0/8\" }}]\n"
        ));
        assert!(!admits(&s, "bob@example.com"));
    }

    #[test]
    fn a_certificate_required_beside_the_email_does_not_stop_it() {
        let s = set(&format!(
            "{POLICY}\"allow\"\ninclude = [{{ email = \"bob@example.com\" }}]\n\
             require = [{{ certificate = true }}]\nexclude = [{{ ip = \"192.0.2.0/24\" }}]\n"
        ));
        assert!(admits(&s, "bob@example.com"));
        assert!(!admits(&s, "eve@example.com"));
    }

    #[test]
    fn groups_cannot_come_from_an_email_login() {
        let s = set(&format!(
            "{POLICY}\"allow\"\ninclude = [{{ email_domain = \"example.com\" }}]\n\
             require = [{{ group = \"finance\" }}]\n\
             {POLICY}\"allow\"\ninclude = [{{ rule_group = \"admins\" }}]\n"
        ));
        assert!(!admits(&s, "bob@example.com"));
    }

    #[test]
    fn auth_method_rules_name_otp() {
        let s = set(&format!(
            "{POLICY}\"allow\"\ninclude = [{{ email = \"bob@example.com\" }}]\n\
             require = [{{ auth_method = \"oidc\" }}]\n"
        ));
        assert!(!admits(&s, "bob@example.com"));
        let s = set(&format!(
            "{POLICY}\"allow\"\ninclude = [{{ email = \"bob@example.com\" }}]\n\
             require = [{{ auth_method = \"otp\" }}]\n"
        ));
        assert!(admits(&s, "bob@example.com"));
    }

    #[test]
    fn rule_groups_and_excludes() {
        let s = set(&format!(
            "{POLICY}\"allow\"\ninclude = [{{ rule_group = \"staff\" }}]\n"
        ));
        assert!(admits(&s, "bob@example.com"));
        assert!(!admits(&s, "gone@example.com"));
        assert!(!admits(&s, "eve@evil.com"));
    }

    #[test]
    fn a_deny_before_the_allow_that_surely_matches_wins() {
        let s = set(&format!(
            "{POLICY}\"deny\"\ninclude = [{{ email = \"eve@example.com\" }}]\n\
             {POLICY}\"deny\"\ninclude = [{{ email = \"ip@example.com\" }}]\nrequire = [{{ ip = \"192.0.2.0/24\" }}]\n\
             {POLICY}\"allow\"\ninclude = [{{ email_domain = \"example.com\" }}]\n"
        ));
        assert!(!admits(&s, "eve@example.com"));
        // A deny that depends on the connection does not settle it.
        assert!(admits(&s, "ip@example.com"));
        assert!(admits(&s, "bob@example.com"));
        // An allow before a deny still admits.
        let s = set(&format!(
            "{POLICY}\"allow\"\ninclude = [{{ email_domain = \"example.com\" }}]\n\
             {POLICY}\"deny\"\ninclude = [{{ everyone = true }}]\n"
        ));
        assert!(admits(&s, "bob@example.com"));
    }

    #[test]
    fn bypass_policies_are_not_logins() {
        let s = set(&format!(
            "{POLICY}\"bypass\"\ninclude = [{{ everyone = true }}]\n"
        ));
        assert!(!admits(&s, "bob@example.com"));
    }
}
