//! Evaluation: Access's order, rule logic and every selector. One code path serves
//! [`PolicySet::decide`] (no trace, short-circuits, no allocation) and
//! [`PolicySet::explain`] (records every rule's outcome).

use certgate_verify::{ClientCertInfo, FailureReason, Verdict};
use certgate_x509::{COMMON_NAME, SanEntry};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use crate::compile::{CPolicy, CRule, CRules, Match, PolicySet, SanKind, Sel};
use crate::decision::{CertificateStatus, Decision, Outcome, Reason};
use crate::domain::{self, MAX_HOST_LEN, Route};
use crate::model::PolicyDecision;
use crate::path::{self, MAX_PATH_LEN, OriginCase, PathProblem, SHORT_PATH_LEN};
use crate::request::{PathSource, Request};
use crate::{Note, names};

/// Which list a rule is in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Section {
    Include,
    Require,
    Exclude,
}

/// What evaluation reports as it goes. `decide` uses `()`, which records nothing and
/// lets rule lists short-circuit.
pub(crate) trait Tracer<'p> {
    /// Evaluate every rule (for the trace) instead of stopping at the first that decides.
    const FULL: bool;
    fn policy(&mut self, _policy: &'p CPolicy) {}
    fn rule(&mut self, _section: Section, _rule: &'p CRule, _matched: bool, _note: Option<Note>) {}
    fn policy_done(&mut self, _matched: bool) {}
}

impl Tracer<'_> for () {
    const FULL: bool = false;
}

// Hint bits: why nothing matched.
const CERT_WOULD_MATCH: u8 = 1;
const IDENTITY_MISSING: u8 = 2;
const CERT_NEEDED: u8 = 4;

/// The result of one include/require/exclude evaluation.
#[derive(Clone, Copy, Debug)]
struct Found {
    /// The include that matched, when the rules matched.
    include: Option<usize>,
    /// Whether they would have matched with a valid certificate and an identity.
    maybe: bool,
    /// What was missing (hint bits).
    hints: u8,
}

/// Per-request state computed at most once.
pub(crate) struct Ctx<'r> {
    req: &'r Request<'r>,
    pub(crate) cert: CertificateStatus,
    now: Option<u64>,
    token: Option<Option<u32>>,
    hints: u8,
}

pub(crate) fn certificate_status(info: Option<&ClientCertInfo>) -> CertificateStatus {
    match info {
        Some(i) if i.presented() => match i.verdict() {
            Verdict::Verified { .. } => CertificateStatus::Valid,
            Verdict::Unverified => CertificateStatus::NotVerified,
            Verdict::Failed(FailureReason::Revoked) => CertificateStatus::Revoked,
            Verdict::Failed(r) => CertificateStatus::Refused(r.id()),
            // A verdict this crate does not know: not a verified certificate.
            _ => CertificateStatus::NotVerified,
        },
        _ => CertificateStatus::NotPresented,
    }
}

impl<'r> Ctx<'r> {
    pub(crate) fn new(req: &'r Request<'r>) -> Self {
        Self {
            req,
            cert: certificate_status(req.cert),
            now: None,
            token: None,
            hints: 0,
        }
    }

    fn now(&mut self) -> u64 {
        *self.now.get_or_insert_with(|| self.req.now())
    }

    /// The index of the service token whose id and secret the request carries.
    fn token(&mut self, set: &PolicySet) -> Option<u32> {
        if let Some(t) = self.token {
            return t;
        }
        let t = self.req.service_token.and_then(|h| {
            let (idx, digest) = set.tokens.by_client_id.get(h.client_id)?;
            let presented = Sha256::digest(h.client_secret.as_bytes());
            bool::from(presented.as_slice().ct_eq(digest.as_slice())).then_some(*idx)
        });
        self.token = Some(t);
        t
    }
}

impl PolicySet {
    /// Decides a request: the most specific application covering host and path, then
    /// its policies in Access's order. Does not allocate.
    pub fn decide<'p>(&'p self, req: &Request<'_>) -> Decision<'p> {
        self.evaluate(req, &mut ())
    }

    /// The application for the request's host and normalised path.
    pub(crate) fn route(&self, req: &Request<'_>) -> Result<usize, Reason> {
        let mut host_buf = [0u8; MAX_HOST_LEN];
        let host = domain::normalize_host(req.host, &mut host_buf).ok_or(Reason::InvalidHost)?;
        let raw = match req.path {
            PathSource::Parsed(p) => {
                return self.route_path(host, p.as_str().as_bytes(), p.options().origin_case());
            }
            PathSource::Raw(raw) => raw,
        };
        let case = OriginCase::default();
        // Without a buffer: succeeds when the path is in normal form already (most are),
        // without zeroing one. Then a short buffer, then (encoding grew the path past
        // it) the full one: `TooLong` from a smaller buffer is not an answer.
        match path::normalize(raw, &mut []) {
            Ok(normal) => return self.route_path(host, normal.path, case),
            Err(PathProblem::TooLong) => {}
            Err(problem) => return Err(Reason::InvalidPath(problem)),
        }
        if raw.len() < SHORT_PATH_LEN {
            let mut short = [0u8; SHORT_PATH_LEN];
            match path::normalize(raw, &mut short) {
                Ok(normal) => return self.route_path(host, normal.path, case),
                Err(PathProblem::TooLong) => {}
                Err(problem) => return Err(Reason::InvalidPath(problem)),
            }
        }
        let mut long = [0u8; MAX_PATH_LEN];
        let normal = path::normalize(raw, &mut long).map_err(Reason::InvalidPath)?;
        self.route_path(host, normal.path, case)
    }

    /// Routes a normalised path as the origin's case says: exactly, ignoring ASCII case,
    /// or (case unknown) exactly, refusing a path that would route elsewhere folded.
    fn route_path(&self, host: &str, path: &[u8], case: OriginCase) -> Result<usize, Reason> {
        let found = match case {
            OriginCase::Sensitive => self.router.route(host, path, false),
            OriginCase::Insensitive => self.router.route(host, path, true),
            OriginCase::Unknown if !self.router.case_can_matter(path) => {
                self.router.route(host, path, false)
            }
            OriginCase::Unknown => {
                let folded = self.router.route(host, path, true);
                match folded {
                    // Nothing folded: nothing exactly. Matched exactly: the same route.
                    None | Some(Route { exact: true, .. }) => folded,
                    Some(Route { app, .. }) => {
                        let exact = self.router.route(host, path, false);
                        if exact.map(|r| r.app) != Some(app) {
                            return Err(Reason::InvalidPath(PathProblem::CaseAmbiguous));
                        }
                        exact
                    }
                }
            }
        };
        found.map(|r| r.app as usize).ok_or(Reason::NoApplication)
    }

    pub(crate) fn evaluate<'p, T: Tracer<'p>>(
        &'p self,
        req: &Request<'_>,
        t: &mut T,
    ) -> Decision<'p> {
        let app_idx = match self.route(req) {
            Ok(a) => a,
            Err(reason) => return Decision::refused(reason),
        };
        let app = &self.apps[app_idx];
        let mut ctx = Ctx::new(req);
        for &p in &app.order {
            let policy = &app.policies[p as usize];
            t.policy(policy);
            let found = self.rules_match(&policy.rules, &mut ctx, t);
            t.policy_done(found.include.is_some());
            if found.include.is_none() && found.maybe {
                ctx.hints |= found.hints;
            }
            if let Some(include) = found.include {
                let outcome = match policy.decision {
                    PolicyDecision::Allow | PolicyDecision::NonIdentity => Outcome::Allow,
                    PolicyDecision::Bypass => Outcome::Bypass,
                    PolicyDecision::Deny => Outcome::Deny,
                };
                return Decision {
                    outcome,
                    application: Some(&app.name),
                    policy: Some(&policy.name),
                    decision: Some(policy.decision),
                    rule: policy.rules.include.get(include).map(|r| &*r.located),
                    reason: Reason::PolicyMatched,
                    session_duration: Some(app.session),
                };
            }
        }
        let reason = if ctx.hints & CERT_WOULD_MATCH != 0 {
            Reason::CertificateNotAccepted(ctx.cert)
        } else if ctx.hints & IDENTITY_MISSING != 0 {
            Reason::IdentityRequired
        } else if ctx.hints & CERT_NEEDED != 0 {
            Reason::CertificateNotAccepted(ctx.cert)
        } else {
            Reason::NoPolicyMatched
        };
        Decision {
            outcome: Outcome::Deny,
            application: Some(&app.name),
            policy: None,
            decision: None,
            rule: None,
            reason,
            session_duration: Some(app.session),
        }
    }

    /// Whether any include, all requires and no exclude match (with the include that
    /// matched), and whether they would have with a valid certificate and an identity.
    fn rules_match<'p, T: Tracer<'p>>(
        &'p self,
        rules: &'p CRules,
        ctx: &mut Ctx<'_>,
        t: &mut T,
    ) -> Found {
        let mut found = Found {
            include: None,
            maybe: false,
            hints: 0,
        };
        for (i, rule) in rules.include.iter().enumerate() {
            let (hit, blocked) = self.traced(Section::Include, rule, ctx, t, &mut found.hints);
            found.maybe |= hit || blocked;
            if hit && found.include.is_none() {
                found.include = Some(i);
                if !T::FULL {
                    break;
                }
            }
        }
        let mut ok = found.include.is_some();
        for rule in &rules.require {
            if !found.maybe && !T::FULL {
                break;
            }
            let (hit, blocked) = self.traced(Section::Require, rule, ctx, t, &mut found.hints);
            ok &= hit;
            found.maybe &= hit || blocked;
        }
        for rule in &rules.exclude {
            if !found.maybe && !T::FULL {
                break;
            }
            let (hit, _) = self.traced(Section::Exclude, rule, ctx, t, &mut 0);
            ok &= !hit;
            found.maybe &= !hit;
        }
        if !ok {
            found.include = None;
        }
        found
    }

    /// One rule: evaluated, traced; `(matched, blocked)` where blocked means it missed
    /// only for want of a valid certificate or an identity (hints say which).
    fn traced<'p, T: Tracer<'p>>(
        &'p self,
        section: Section,
        rule: &'p CRule,
        ctx: &mut Ctx<'_>,
        t: &mut T,
        hints: &mut u8,
    ) -> (bool, bool) {
        let (hit, note, inner) = self.selector(&rule.sel, ctx);
        t.rule(section, rule, hit, note);
        let blocked = match note {
            Some(Note::Certificate { fields_match, .. }) => {
                *hints |= CERT_NEEDED | if fields_match { CERT_WOULD_MATCH } else { 0 };
                true
            }
            Some(Note::NoIdentity) => {
                *hints |= IDENTITY_MISSING;
                true
            }
            _ => match inner {
                Some(group) if !hit && group.maybe => {
                    *hints |= group.hints;
                    true
                }
                _ => false,
            },
        };
        (hit, blocked)
    }

    /// Whether a selector matches, with a note on why not when the request lacked what
    /// it looks at (and, for a rule group, the group's own result).
    fn selector(&self, sel: &Sel, ctx: &mut Ctx<'_>) -> (bool, Option<Note>, Option<Found>) {
        let req = ctx.req;
        let (hit, note) = match sel {
            Sel::Everyone => (true, None),
            Sel::Ip(range) => match req.peer_ip {
                Some(ip) => (range.contains(ip), None),
                None => (false, Some(Note::NoPeerIp)),
            },
            Sel::Method(m) => (req.method.eq_ignore_ascii_case(m), None),
            Sel::Token(None) => (false, Some(Note::UnknownServiceToken)),
            Sel::Token(Some(_)) | Sel::AnyToken if req.service_token.is_none() => {
                (false, Some(Note::NoServiceToken))
            }
            Sel::Token(Some(want)) => match ctx.token(self) {
                Some(have) => (have == *want, None),
                None => (false, Some(Note::ServiceTokenRejected)),
            },
            Sel::AnyToken => match ctx.token(self) {
                Some(_) => (true, None),
                None => (false, Some(Note::ServiceTokenRejected)),
            },
            Sel::Email(_) | Sel::EmailDomain(_) | Sel::Group(_) | Sel::AuthMethod(_) => {
                let Some(id) = req.identity else {
                    return (false, Some(Note::NoIdentity), None);
                };
                let hit = match sel {
                    Sel::Email(e) => id.email().eq_ignore_ascii_case(e),
                    Sel::EmailDomain(d) => {
                        id.email_domain().is_some_and(|x| x.eq_ignore_ascii_case(d))
                    }
                    Sel::Group(g) => id.groups().iter().any(|x| **x == **g),
                    Sel::AuthMethod(m) => id.established_by().eq_ignore_ascii_case(m),
                    _ => false,
                };
                (hit, None)
            }
            Sel::RuleGroup(g) => {
                let group = &self.groups[*g as usize];
                let found = self.rules_match(&group.rules, ctx, &mut ());
                return (found.include.is_some(), None, Some(found));
            }
            cert_sel => {
                let field = match req.cert {
                    Some(info) if info.presented() => self.cert_field(cert_sel, info, ctx),
                    _ => false,
                };
                if ctx.cert == CertificateStatus::Valid {
                    (field, None)
                } else {
                    let note = Note::Certificate {
                        status: ctx.cert,
                        fields_match: field,
                    };
                    (false, Some(note))
                }
            }
        };
        (hit, note, None)
    }

    /// Whether the certificate's fields match, whatever its verdict.
    fn cert_field(&self, sel: &Sel, info: &ClientCertInfo, ctx: &mut Ctx<'_>) -> bool {
        let Some(cert) = info.certificate() else {
            return false;
        };
        let subject = cert.subject();
        match sel {
            Sel::ValidCert => true,
            Sel::CommonName(cn) => names::first_value_is(&subject, COMMON_NAME, cn),
            Sel::Attr { oid, value } => names::any_value_is(&subject, oid, value),
            Sel::San(kind, m) => info.sans().iter().any(|san| match (kind, san) {
                (SanKind::Dns, SanEntry::Dns(v)) => name_matches(m, v, b'.', true),
                (SanKind::Email, SanEntry::Email(v)) => name_matches(m, v, b'@', true),
                (SanKind::Uri, SanEntry::Uri(v)) => name_matches(m, v, b'/', false),
                _ => false,
            }),
            Sel::Issuer(rdns) => names::name_equals(&cert.issuer(), rdns),
            Sel::Serial(s) => *s == cert.serial(),
            Sel::Fingerprint(f) => cert.fingerprint_sha256().0 == *f,
            Sel::Spki(p) => cert.spki_sha256().0 == *p,
            Sel::Expiring(window) => {
                let now = ctx.now();
                cert.not_after().unix_seconds_u64() <= now.saturating_add(*window)
            }
            // A property of the verified path, not of the certificate's fields: an
            // unverified certificate has none.
            Sel::Policy(oid) => info.policies().is_some_and(|p| p.allows(oid)),
            _ => false,
        }
    }
}

fn eq(a: &[u8], b: &[u8], fold: bool) -> bool {
    if fold {
        a.eq_ignore_ascii_case(b)
    } else {
        a == b
    }
}

fn name_matches(m: &Match, value: &str, sep: u8, fold: bool) -> bool {
    let v = value.as_bytes();
    match m {
        Match::Exact(e) => eq(v, e.as_bytes(), fold),
        Match::Suffix(s) => v.len() >= s.len() && eq(&v[v.len() - s.len()..], s.as_bytes(), fold),
        Match::Glob(g) => {
            let mut pattern = g.as_bytes().split(|b| *b == sep);
            let mut text = v.split(|b| *b == sep);
            loop {
                match (pattern.next(), text.next()) {
                    (None, None) => return true,
                    (Some(p), Some(t)) if glob(p, t, fold) => {}
                    _ => return false,
                }
            }
        }
    }
}

/// `*` matches any run of bytes; no allocation (the classic backtracking walk).
fn glob(pattern: &[u8], text: &[u8], fold: bool) -> bool {
    let same = |a: u8, b: u8| {
        if fold {
            a.eq_ignore_ascii_case(&b)
        } else {
            a == b
        }
    };
    let (mut p, mut t) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while t < text.len() {
        if p < pattern.len() && pattern[p] == b'*' {
            star = Some((p, t));
            p += 1;
        } else if p < pattern.len() && same(pattern[p], text[t]) {
            p += 1;
            t += 1;
        } else if let Some((sp, st)) = star {
            p = sp + 1;
            t = st + 1;
            star = Some((sp, st + 1));
        } else {
            return false;
        }
    }
    pattern[p..].iter().all(|b| *b == b'*')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs() {
        assert!(glob(b"*", b"anything", false));
        assert!(glob(b"a*c", b"abbbc", false));
        assert!(glob(b"*-prod", b"web-prod", false));
        assert!(!glob(b"a*c", b"abd", false));
        assert!(glob(b"A*", b"abc", true));
        let m = Match::Glob("*.example.com".into());
        assert!(name_matches(&m, "a.example.com", b'.', true));
        assert!(!name_matches(&m, "a.b.example.com", b'.', true));
        let spiffe = Match::Glob("spiffe://example.org/ns/*/sa/web".into());
        assert!(name_matches(
            &spiffe,
            "spiffe://example.org/ns/prod/sa/web",
            b'/',
            false
        ));
        assert!(!name_matches(
            &spiffe,
            "spiffe://example.org/ns/a/b/sa/web",
            b'/',
            false
        ));
        let suffix = Match::Suffix(".Example.com".into());
        assert!(name_matches(&suffix, "x.example.COM", b'.', true));
    }
}
