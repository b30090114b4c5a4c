//! One row of the matrix: a chain, the options each verifier gets, the expected verdict.

use super::lab::Ca;

/// certgate's policy options for a case, as plain data (`PolicyOptions` is wired to the
/// verifier in one place, `certgate_verifier`); the same options become OpenSSL's
/// `-policy`, `-explicit_policy`, `-inhibit_map` and `-inhibit_any`.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Policy {
    /// user-initial-policy-set (RFC 5280 6.1.1 (c)); empty is {anyPolicy}.
    pub(crate) initial_policies: &'static [&'static str],
    /// initial-explicit-policy.
    pub(crate) explicit: bool,
    /// initial-policy-mapping-inhibit.
    pub(crate) inhibit_mapping: bool,
    /// initial-any-policy-inhibit.
    pub(crate) inhibit_any: bool,
}

/// anyPolicy, 2.5.29.32.0.
pub(crate) const ANY_POLICY: &str = "2.5.29.32.0";

/// The usage asked for: client authentication (OpenSSL `-purpose sslclient`) or none.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum UsageKind {
    ClientAuth,
    Any,
}

/// What the verifiers must say.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Expect {
    /// Both accept.
    Accept,
    /// Both refuse.
    Refuse,
    /// A documented difference: each side's own verdict, and why.
    Differs {
        openssl: bool,
        certgate: bool,
        why: &'static str,
    },
}

/// One case of the matrix.
pub(crate) struct Case {
    pub(crate) name: String,
    pub(crate) anchors: Vec<Vec<u8>>,
    pub(crate) intermediates: Vec<Vec<u8>>,
    pub(crate) leaf: Vec<u8>,
    pub(crate) policy: Policy,
    pub(crate) usage: UsageKind,
    /// OpenSSL `-x509_strict` and certgate `Rfc5280Rules::Strict`.
    pub(crate) strict: bool,
    pub(crate) expect: Expect,
}

impl Case {
    /// A case `name`: `leaf` through `intermediates` (leaf side first) to `anchor`,
    /// client authentication, default options, both verifiers accepting.
    pub(crate) fn new(
        name: impl Into<String>,
        anchor: &Ca,
        intermediates: &[&[u8]],
        leaf: Vec<u8>,
    ) -> Self {
        Self {
            name: name.into(),
            anchors: vec![anchor.der.clone()],
            intermediates: intermediates.iter().map(|i| i.to_vec()).collect(),
            leaf,
            policy: Policy::default(),
            usage: UsageKind::ClientAuth,
            strict: false,
            expect: Expect::Accept,
        }
    }

    /// Both verifiers refuse.
    pub(crate) fn refused(mut self) -> Self {
        self.expect = Expect::Refuse;
        self
    }

    /// With these policy options.
    pub(crate) fn policy(mut self, policy: Policy) -> Self {
        self.policy = policy;
        self
    }

    /// Strict on both sides.
    pub(crate) fn strict(mut self) -> Self {
        self.strict = true;
        self
    }

    /// No usage asked for.
    pub(crate) fn any_usage(mut self) -> Self {
        self.usage = UsageKind::Any;
        self
    }

    /// A documented difference.
    pub(crate) fn differs(mut self, openssl: bool, certgate: bool, why: &'static str) -> Self {
        self.expect = Expect::Differs {
            openssl,
            certgate,
            why,
        };
        self
    }

    /// The verdicts expected of (OpenSSL, certgate): true is accepted.
    pub(crate) fn expected(&self) -> (bool, bool) {
        match self.expect {
            Expect::Accept => (true, true),
            Expect::Refuse => (false, false),
            Expect::Differs {
                openssl, certgate, ..
            } => (openssl, certgate),
        }
    }

    /// `openssl verify`'s flags for the case (besides `-attime`, the files and the
    /// leaf): the policy options, the usage and strictness, as certgate gets them.
    pub(crate) fn openssl_args(&self) -> Vec<&'static str> {
        // Policy processing on in every case: certgate always processes policies (RFC
        // 5280 6.1); OpenSSL 3.0 ignores a CA's requireExplicitPolicy without a policy
        // flag. And with no `-policy`, OpenSSL's user-initial-policy-set is empty, not
        // RFC 5280's {anyPolicy}: once explicit policy is required it refuses every
        // path (even one whose every certificate asserts the same policy), so the
        // RFC's default is given as `-policy anyPolicy`.
        let mut args = vec!["-policy_check"];
        if self.policy.initial_policies.is_empty() {
            args.extend(["-policy", ANY_POLICY]);
        }
        for p in self.policy.initial_policies {
            args.extend(["-policy", p]);
        }
        let p = self.policy;
        let flags = [
            (p.explicit, "-explicit_policy"),
            (p.inhibit_mapping, "-inhibit_map"),
            (p.inhibit_any, "-inhibit_any"),
            (self.strict, "-x509_strict"),
        ];
        args.extend(flags.iter().filter(|(on, _)| *on).map(|(_, f)| *f));
        if self.usage == UsageKind::ClientAuth {
            args.extend(["-purpose", "sslclient"]);
        }
        args
    }
}
