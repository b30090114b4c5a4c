//! cfssl's flag style, turned into clap's before clap sees the arguments.
//!
//! cfssl (Go's `flag` package) spells long flags with one dash and accepts them in any
//! order: `-ca=ca.pem`, `-ca ca.pem`, `-initca`, and `-bare` after the positionals in
//! `cfssljson`. clap wants `--ca`; this is the one place that translates.

use std::ffi::OsString;

/// The flags certgate knows under a single dash, as cfssl spells them.
const SINGLE_DASH_FLAGS: [&str; 59] = [
    "initca",
    "ca",
    "ca-key",
    "ca-key-pass",
    "key-pass",
    "config",
    "profile",
    "hostname",
    "bare",
    "hash",
    "clamp-to-ca",
    "cert",
    "csr",
    "domain",
    "loglevel",
    // OpenSSL's pkcs12 flags.
    "export",
    "info",
    "out",
    "inkey",
    "in",
    "certfile",
    "name",
    "legacy",
    "iter",
    "passout",
    "passin",
    "nodes",
    // openssl verify's flags.
    "CAfile",
    "untrusted",
    "CRLfile",
    "purpose",
    "verify_hostname",
    // The inventory (cfssl's -db-config, revoke's flags) and gencrl.
    "db",
    "db-config",
    "serial",
    "decimal",
    "aki",
    "reason",
    "expiry",
    "pem",
    "der",
    "issuer",
    "status",
    "subject",
    "expiring",
    "within",
    "from",
    // gencrl's CRL options beyond cfssl.
    "number",
    "delta-of",
    "remove-from-crl",
    "idp-url",
    "only-user-certs",
    "only-ca-certs",
    "only-some-reasons",
    "indirect",
    "freshest-crl",
    "crl-signer",
    "crl-signer-key",
    "crl-signer-key-pass",
];

/// Rewrites `-name` and `-name=value` as `--name` / `--name=value` for every known
/// flag name; everything else (including `-`, `--x`, values and arguments after `--`)
/// passes through unchanged.
pub(crate) fn normalize(args: impl IntoIterator<Item = OsString>) -> Vec<OsString> {
    let mut out = Vec::new();
    let mut after_double_dash = false;
    for arg in args {
        if after_double_dash {
            out.push(arg);
            continue;
        }
        let Some(text) = arg.to_str() else {
            out.push(arg);
            continue;
        };
        if text == "--" {
            after_double_dash = true;
            out.push(arg);
            continue;
        }
        let rewritten = text
            .strip_prefix('-')
            .filter(|rest| !rest.starts_with('-'))
            .filter(|rest| {
                let name = rest.split_once('=').map_or(*rest, |(name, _)| name);
                SINGLE_DASH_FLAGS.contains(&name)
            })
            .map(|rest| OsString::from(format!("--{rest}")));
        out.push(rewritten.unwrap_or(arg));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn n(args: &[&str]) -> Vec<String> {
        normalize(args.iter().map(OsString::from))
            .into_iter()
            .map(|a| a.into_string().unwrap())
            .collect()
    }

    #[test]
    fn cfssl_spellings_become_clap_spellings() {
        assert_eq!(
            n(&[
                "certgate",
                "gencert",
                "-ca=../root/ca.pem",
                "-ca-key",
                "k.pem",
                "-profile=client",
                "c.json"
            ]),
            [
                "certgate",
                "gencert",
                "--ca=../root/ca.pem",
                "--ca-key",
                "k.pem",
                "--profile=client",
                "c.json"
            ]
        );
        assert_eq!(
            n(&["certgate", "genkey", "-initca", "x.json"]),
            ["certgate", "genkey", "--initca", "x.json"]
        );
        assert_eq!(
            n(&["certgate", "json", "-", "-bare", "ca"]),
            ["certgate", "json", "-", "--bare", "ca"]
        );
    }

    #[test]
    fn flags_anywhere_and_stdin() {
        // -bare after the positional, `-` for standard input, values with `=` and dashes.
        assert_eq!(
            n(&[
                "certgate",
                "sign",
                "dev.csr",
                "-bare",
                "dev",
                "-ca-key-pass=pass:-x"
            ]),
            [
                "certgate",
                "sign",
                "dev.csr",
                "--bare",
                "dev",
                "--ca-key-pass=pass:-x"
            ]
        );
        assert_eq!(
            n(&["certgate", "json", "-bare", "ca", "-"]),
            ["certgate", "json", "--bare", "ca", "-"]
        );
        // Already in clap's form: unchanged.
        assert_eq!(
            n(&["certgate", "gencert", "--ca", "x", "--ca-key=y", "--initca"]),
            ["certgate", "gencert", "--ca", "x", "--ca-key=y", "--initca"]
        );
    }

    #[test]
    fn unknown_single_dash_words_are_left_to_clap() {
        // Not a known name (a typo, a short flag, a prefix of a known name): unchanged,
        // so clap reports it as it is.
        assert_eq!(
            n(&["certgate", "gencert", "-cakey", "k", "-h", "-c", "-ca-"]),
            ["certgate", "gencert", "-cakey", "k", "-h", "-c", "-ca-"]
        );
    }

    #[cfg(unix)]
    #[test]
    fn non_utf8_arguments_pass_through() {
        use std::os::unix::ffi::OsStringExt;
        let odd = OsString::from_vec(vec![b'-', 0xff]);
        let out = normalize([OsString::from("certgate"), odd.clone()]);
        assert_eq!(out, [OsString::from("certgate"), odd]);
    }

    #[test]
    fn other_arguments_are_untouched() {
        assert_eq!(
            n(&["certgate", "sign", "--ca", "a", "-x", "-5"]),
            ["certgate", "sign", "--ca", "a", "-x", "-5"]
        );
        assert_eq!(
            n(&["certgate", "sign", "--", "-ca"]),
            ["certgate", "sign", "--", "-ca"]
        );
        assert_eq!(
            n(&["certgate", "json", "-f", "out.json"]),
            ["certgate", "json", "-f", "out.json"]
        );
    }
}
