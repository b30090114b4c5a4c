//! Name constraints: certificates issued with certgate-ca at a fixed time with fixed
//! serials where certgate-ca can make them, DER built by hand for the name forms and
//! malformed constraints it cannot.

use super::*;
use certgate_ca::cfssl::{SigningConfig, classify_host};
use certgate_ca::{
    CertificateAuthority, CertificateRequest, KeySigner, KeySpec, PrivateKey, RootCaBuilder,
    SubjectName,
};
use certgate_x509::der::wrap;
use certgate_x509::oid::ext::NAME_CONSTRAINTS;
use time::OffsetDateTime;
use time::macros::datetime;

const NOW: OffsetDateTime = datetime!(2026-06-01 12:00:00 UTC);

fn root() -> CertificateAuthority {
    let csr = certgate_ca::cfssl::CsrJson::from_json(
        br#"{"CN": "NC Test Root", "key": {"algo": "ecdsa", "size": 256}}"#,
        "root csr",
    )
    .unwrap();
    let key = PrivateKey::generate(KeySpec::EcdsaP256).unwrap();
    RootCaBuilder::new(&csr, Box::new(KeySigner::new(key)))
        .with_now(NOW)
        .with_serial(&[1])
        .build()
        .unwrap()
        .ca
}

fn request(subject: &SubjectName, hosts: &[&str]) -> CertificateRequest {
    let key = PrivateKey::generate(KeySpec::EcdsaP256).unwrap();
    let hosts: Vec<_> = hosts
        .iter()
        .enumerate()
        .filter_map(|(i, h)| classify_host("test", i, h).unwrap())
        .collect();
    CertificateRequest::create(&KeySigner::new(key), subject, &hosts).unwrap()
}

/// A CA certificate issued by `root` with the `name_constraints` JSON object given.
fn constrained_ca(root: &CertificateAuthority, constraints: &str, serial: u8) -> Vec<u8> {
    let config = format!(
        r#"{{"signing": {{"default": {{"expiry": "8760h"}}, "profiles": {{"ca": {{
            "usages": ["cert sign", "crl sign"], "expiry": "43800h",
            "ca_constraint": {{"is_ca": true}}, "name_constraints": {constraints}}}}}}}}}"#
    );
    let profile = SigningConfig::from_json(config.as_bytes(), "nc config")
        .unwrap()
        .profile("ca")
        .unwrap()
        .clone();
    let req = request(&SubjectName::with_common_name(format!("CA {serial}")), &[]);
    root.issue(&req, &profile)
        .with_now(NOW)
        .with_serial(&[serial])
        .build()
        .unwrap()
        .der()
        .to_vec()
}

/// A client certificate for `subject` with `hosts` as subjectAltName entries.
fn leaf(root: &CertificateAuthority, subject: &SubjectName, hosts: &[&str]) -> Vec<u8> {
    let config = br#"{"signing": {"default": {"expiry": "8760h"}, "profiles": {
        "client": {"usages": ["digital signature", "client auth"]}}}}"#;
    let profile = SigningConfig::from_json(config, "leaf config")
        .unwrap()
        .profile("client")
        .unwrap()
        .clone();
    root.issue(&request(subject, hosts), &profile)
        .with_now(NOW)
        .with_serial(&[0x42])
        .build()
        .unwrap()
        .der()
        .to_vec()
}

fn device(hosts: &[&str], root: &CertificateAuthority) -> Vec<u8> {
    leaf(root, &SubjectName::with_common_name("device"), hosts)
}

/// The nameConstraints value of a CA certificate.
fn nc_value(ca: &[u8]) -> &[u8] {
    CertView::parse(ca)
        .unwrap()
        .extension(NAME_CONSTRAINTS)
        .unwrap()
        .value
}

/// `check` of the leaf `cert` under the CAs `cas` (nameConstraints values).
fn check_under(cas: &[&[u8]], cert: &[u8], is_leaf: bool) -> Result<(), FailureReason> {
    let mut nc = NameConstraints::new();
    for ca in cas {
        nc.add(ca).unwrap();
    }
    let mut budget = NAME_COMPARISON_BUDGET;
    nc.check(&CertView::parse(cert).unwrap(), is_leaf, &mut budget)
}

fn outside(form: &'static str) -> Result<(), FailureReason> {
    Err(FailureReason::Malformed(V::NameOutsideConstraints { form }))
}

fn not_checkable(form: &'static str) -> Result<(), FailureReason> {
    Err(FailureReason::Malformed(V::NameNotCheckable { form }))
}

/// Runs each (hosts, expected) under the CAs.
fn expect_all(
    root: &CertificateAuthority,
    cas: &[&[u8]],
    cases: &[(&[&str], Result<(), FailureReason>)],
) {
    for (hosts, expected) in cases {
        let cert = device(hosts, root);
        assert_eq!(&check_under(cas, &cert, true), expected, "{hosts:?}");
    }
}

#[test]
fn dns_permitted_and_excluded() {
    let root = root();
    let ca = constrained_ca(
        &root,
        r#"{"permitted_dns": ["example.com"], "excluded_dns": ["bad.example.com"]}"#,
        2,
    );
    let out = || outside("dNSName");
    expect_all(
        &root,
        &[nc_value(&ca)],
        &[
            (&["example.com"], Ok(())),
            (&["a.b.example.com"], Ok(())),
            (&["good.example.com", "www.example.com"], Ok(())),
            (&["notexample.com"], out()),
            (&["example.com.evil.org"], out()),
            (&["www.example.com", "evil.org"], out()),
            (&["bad.example.com"], out()),
            (&["x.bad.example.com"], out()),
            // A wildcard: within when every name it stands for is; excluded when one is.
            (&["*.foo.example.com"], Ok(())),
            (&["*.example.com"], out()),
            (&["*.com"], out()),
            // Names of other forms pass.
            (&["10.0.0.1", "sam@evil.org", "https://evil.org/"], Ok(())),
        ],
    );
    // Case does not matter (certgate-ca writes DNS names in lower case: by hand).
    let upper = raw_cert(&cn_name(b"d"), Some(&gn(0x82, b"WWW.EXAMPLE.COM")));
    assert_eq!(check_under(&[nc_value(&ca)], &upper, true), Ok(()));
    let upper_bad = raw_cert(&cn_name(b"d"), Some(&gn(0x82, b"Bad.Example.Com")));
    assert_eq!(check_under(&[nc_value(&ca)], &upper_bad, true), out());
}

#[test]
fn two_cas_both_apply() {
    let root = root();
    let ca1 = constrained_ca(&root, r#"{"permitted_dns": ["example.com"]}"#, 2);
    let ca2 = constrained_ca(
        &root,
        r#"{"permitted_dns": ["dev.example.com", "other.org"], "excluded_dns": ["old.dev.example.com"]}"#,
        3,
    );
    let out = || outside("dNSName");
    let cas = [nc_value(&ca1), nc_value(&ca2)];
    expect_all(
        &root,
        &cas,
        &[
            (&["dev.example.com"], Ok(())),
            (&["a.dev.example.com"], Ok(())),
            // Permitted by the first CA, not by the second, and the other way round.
            (&["prod.example.com"], out()),
            (&["other.org"], out()),
            (&["old.dev.example.com"], out()),
        ],
    );
    // The order the CAs were added in does not matter.
    let reversed = [nc_value(&ca2), nc_value(&ca1)];
    let cert = device(&["prod.example.com"], &root);
    assert_eq!(check_under(&reversed, &cert, true), out());
    let cert = device(&["x.dev.example.com"], &root);
    assert_eq!(check_under(&reversed, &cert, true), Ok(()));
}

#[test]
fn email() {
    let root = root();
    let ca = constrained_ca(
        &root,
        r#"{"permitted_email": ["example.com", ".corp.example.com", "boss@other.org", "*@star.org"],
            "excluded_email": ["mallory@example.com"]}"#,
        2,
    );
    let out = || outside("rfc822Name");
    expect_all(
        &root,
        &[nc_value(&ca)],
        &[
            (&["sam@example.com"], Ok(())),
            (&["sam@EXAMPLE.com"], Ok(())),
            (&["x@dev.corp.example.com"], Ok(())),
            (&["boss@other.org"], Ok(())),
            (&["boss@Other.ORG"], Ok(())),
            (&["*@star.org"], Ok(())),
            // `.corp.example.com` holds hosts below it only; a host holds itself only.
            (&["x@corp.example.com"], out()),
            (&["x@sub.example.com"], out()),
            // The local part is compared exactly, `*` literally.
            (&["Boss@other.org"], out()),
            (&["user@star.org"], out()),
            (&["mallory@example.com"], out()),
            (&["sam@example.com", "sam@evil.org"], out()),
            (&["evil.org"], Ok(())),
        ],
    );
}

#[test]
fn uri() {
    let root = root();
    let ca = constrained_ca(
        &root,
        r#"{"permitted_uri": [".example.com", "api.other.org"], "excluded_uri": ["bad.example.com"]}"#,
        2,
    );
    let out = || outside("uniformResourceIdentifier");
    let unknown = || not_checkable("uniformResourceIdentifier");
    expect_all(
        &root,
        &[nc_value(&ca)],
        &[
            (&["https://device.example.com/id"], Ok(())),
            (&["spiffe://trust.example.com/ns/a/sa/b"], Ok(())),
            (&["https://user@Device.Example.com:8443/p?q#f"], Ok(())),
            (&["https://api.other.org"], Ok(())),
            (&["https://example.com/"], out()),
            (&["https://x.api.other.org/"], out()),
            (&["https://bad.example.com/id"], out()),
            (&["https://evil.org/?u=https://a.example.com"], out()),
            // No host, or an address for a host: cannot be compared.
            (
                &["urn:uuid:6e8bc430-9c3a-11d9-9669-0800200c9a66"],
                unknown(),
            ),
            (&["https://10.0.0.1/"], unknown()),
            (&["https://[2001:db8::1]/"], unknown()),
            (&["https://device.example.com:port/"], unknown()),
        ],
    );
}

#[test]
fn ip_addresses() {
    let root = root();
    let ca = constrained_ca(
        &root,
        r#"{"permitted_ip": ["10.0.0.0/8", "2001:db8::/32"], "excluded_ip": ["10.9.0.0/16"]}"#,
        2,
    );
    let out = || outside("iPAddress");
    expect_all(
        &root,
        &[nc_value(&ca)],
        &[
            (&["10.1.2.3"], Ok(())),
            (&["2001:db8::1"], Ok(())),
            (&["10.9.1.1"], out()),
            (&["192.168.1.1"], out()),
            (&["2001:db9::1"], out()),
            // An IPv4-mapped IPv6 address is of the IPv6 family.
            (&["::ffff:10.1.2.3"], out()),
        ],
    );
    // Only the same family: an IPv4-only CA holds no IPv6 address.
    let v4 = constrained_ca(&root, r#"{"permitted_ip": ["0.0.0.0/0"]}"#, 3);
    expect_all(
        &root,
        &[nc_value(&v4)],
        &[(&["1.2.3.4"], Ok(())), (&["::1"], out())],
    );
    // Under IP constraints, an iPAddress that is neither 4 nor 16 octets is refused.
    let bad = raw_cert(
        &cn_name(b"d"),
        Some(&gn(0x87, &[10, 0, 0, 0, 255, 0, 0, 0])),
    );
    assert_eq!(
        check_under(&[nc_value(&ca)], &bad, true),
        not_checkable("iPAddress")
    );
}

#[test]
fn directory_names() {
    let root = root();
    let ca = constrained_ca(
        &root,
        r#"{"permitted_dn": [{"C": "PT", "O": "Money App Test"}],
            "excluded_dn": [{"C": "PT", "O": "Money App Test", "OU": "Retired"}]}"#,
        2,
    );
    let subject = |o: &str, ou: &[&str]| SubjectName {
        country: vec!["PT".into()],
        organization: vec![o.into()],
        organizational_unit: ou.iter().map(|s| (*s).to_owned()).collect(),
        ..SubjectName::with_common_name("device")
    };
    let out = || outside("directoryName");
    let cases: [(SubjectName, Result<(), FailureReason>); 5] = [
        (subject("Money App Test", &[]), Ok(())),
        (subject("Money App Test", &["Team"]), Ok(())),
        // §7.1 comparison: case and spaces do not matter.
        (subject("MONEY  app test", &[]), Ok(())),
        (subject("Other Org", &[]), out()),
        (subject("Money App Test", &["Retired"]), out()),
    ];
    for (subject, expected) in cases {
        let cert = leaf(&root, &subject, &[]);
        assert_eq!(
            check_under(&[nc_value(&ca)], &cert, true),
            expected,
            "{subject:?}"
        );
    }
    // A subjectAltName directoryName is checked too, the subject as well: a permitted
    // SAN does not excuse the subject (x509-limbo
    // rfc5280::nc::permitted-dn-match-subject-san-mismatch).
    let inside = leaf(&root, &subject("Money App Test", &[]), &[]);
    let inside_subject = CertView::parse(&inside).unwrap().subject.der().to_vec();
    let other = leaf(&root, &subject("Other Org", &[]), &[]);
    let other_subject = CertView::parse(&other).unwrap().subject.der().to_vec();
    let cert = raw_cert(&other_subject, Some(&gn(0xa4, &inside_subject)));
    assert_eq!(check_under(&[nc_value(&ca)], &cert, true), out());
    let cert = raw_cert(&inside_subject, Some(&gn(0xa4, &other_subject)));
    assert_eq!(check_under(&[nc_value(&ca)], &cert, true), out());
    let cert = raw_cert(&inside_subject, Some(&gn(0xa4, &inside_subject)));
    assert_eq!(check_under(&[nc_value(&ca)], &cert, true), Ok(()));
    // An empty subject is not checked.
    let cert = raw_cert(&wrap(tag::SEQUENCE, &[]), Some(&gn(0x82, b"x.example")));
    assert_eq!(check_under(&[nc_value(&ca)], &cert, true), Ok(()));
}

#[test]
fn common_name_of_a_leaf_without_subject_alt_name() {
    let root = root();
    let ca = constrained_ca(
        &root,
        r#"{"permitted_dns": ["example.com"], "permitted_ip": ["10.0.0.0/8"]}"#,
        2,
    );
    let nc = [nc_value(&ca)];
    let with_cn = |cn: &str, hosts: &[&str]| leaf(&root, &SubjectName::with_common_name(cn), hosts);
    assert_eq!(
        check_under(&nc, &with_cn("host.example.com", &[]), true),
        Ok(())
    );
    assert_eq!(
        check_under(&nc, &with_cn("evil.org", &[]), true),
        outside("dNSName")
    );
    assert_eq!(check_under(&nc, &with_cn("10.1.2.3", &[]), true), Ok(()));
    assert_eq!(
        check_under(&nc, &with_cn("192.168.0.1", &[]), true),
        outside("iPAddress")
    );
    // Not a host name: a device's name is left alone.
    assert_eq!(check_under(&nc, &with_cn("device-42", &[]), true), Ok(()));
    assert_eq!(
        check_under(&nc, &with_cn("Sam's iPhone", &[]), true),
        Ok(())
    );
    // With a subjectAltName, even one without a dNSName, the commonName is not read
    // (BetterTLS), and an intermediate's commonName never is.
    assert_eq!(
        check_under(&nc, &with_cn("evil.org", &["10.1.1.1"]), true),
        Ok(())
    );
    assert_eq!(check_under(&nc, &with_cn("evil.org", &[]), false), Ok(()));
}

#[test]
fn subject_email_address_and_smtp_utf8_mailbox() {
    let root = root();
    let ca = constrained_ca(&root, r#"{"permitted_email": ["example.com"]}"#, 2);
    let nc = [nc_value(&ca)];
    let email_subject = |address: &[u8]| {
        let mut atv = wrap(tag::OID, EMAIL_ADDRESS);
        atv.extend(wrap(tag::IA5_STRING, address));
        wrap(tag::SEQUENCE, &wrap(tag::SET, &wrap(tag::SEQUENCE, &atv)))
    };
    let cert = raw_cert(&email_subject(b"sam@example.com"), None);
    assert_eq!(check_under(&nc, &cert, true), Ok(()));
    let cert = raw_cert(&email_subject(b"sam@evil.org"), None);
    assert_eq!(check_under(&nc, &cert, true), outside("rfc822Name"));
    let smtp = |address: &[u8], value_tag| {
        let mut other = wrap(tag::OID, certgate_x509::oid::SMTP_UTF8_MAILBOX);
        other.extend(wrap(0xa0, &wrap(value_tag, address)));
        gn(0xa0, &other)
    };
    let cert = raw_cert(
        &cn_name(b"d"),
        Some(&smtp("s\u{e9}@example.com".as_bytes(), tag::UTF8_STRING)),
    );
    assert_eq!(check_under(&nc, &cert, true), Ok(()));
    let cert = raw_cert(
        &cn_name(b"d"),
        Some(&smtp("s\u{e9}@evil.org".as_bytes(), tag::UTF8_STRING)),
    );
    assert_eq!(check_under(&nc, &cert, true), outside("rfc822Name"));
    // A host in U-labels, or a value that is not a UTF8String: cannot be compared.
    let cert = raw_cert(
        &cn_name(b"d"),
        Some(&smtp("s@\u{e9}xample.com".as_bytes(), tag::UTF8_STRING)),
    );
    assert_eq!(check_under(&nc, &cert, true), not_checkable("rfc822Name"));
    let cert = raw_cert(
        &cn_name(b"d"),
        Some(&smtp(b"s@example.com", tag::IA5_STRING)),
    );
    assert_eq!(check_under(&nc, &cert, true), not_checkable("rfc822Name"));
    // A malformed rfc822Name (x509-limbo rfc5280::nc::nc-permits-invalid-email-san).
    let cert = raw_cert(&cn_name(b"d"), Some(&gn(0x81, b"a@b@example.com")));
    assert_eq!(check_under(&nc, &cert, true), not_checkable("rfc822Name"));
}

#[test]
fn forms_certgate_does_not_compare() {
    const PRIVATE: &[u8] = &[0x2b, 0x06, 0x01, 0x04, 0x01, 0x82, 0x37, 0x14, 0x02, 0x03];
    const OTHER: &[u8] = &[0x2b, 0x06, 0x01, 0x04, 0x01, 0x01];
    let other_name = |type_id: &[u8]| {
        let mut c = wrap(tag::OID, type_id);
        c.extend(wrap(0xa0, &wrap(tag::UTF8_STRING, b"v")));
        gn_tlv(0xa0, &c)
    };
    let registered = gn_tlv(0x88, &[0x2b, 0x06, 0x01]);
    let x400 = gn_tlv(0xa3, &wrap(tag::SEQUENCE, &[]));
    let edi = gn_tlv(0xa5, &wrap(tag::SEQUENCE, &[]));
    let san = |names: &[&Vec<u8>]| {
        wrap(
            tag::SEQUENCE,
            &names
                .iter()
                .flat_map(|n| n.iter().copied())
                .collect::<Vec<_>>(),
        )
    };
    let dns = gn_tlv(0x82, b"a.example.com");
    // Excluded otherName of one type: a SAN of that type is refused, of another passes,
    // and a certificate without otherName passes (x509-limbo nc-forbids-othername, -noop).
    let nc = nc_der(&[], &[other_name(PRIVATE)]);
    let cert = |names: &[&Vec<u8>]| raw_cert(&cn_name(b"d"), Some(&san(names)));
    assert_eq!(
        check_under(&[&nc], &cert(&[&dns, &other_name(PRIVATE)]), true),
        not_checkable("otherName")
    );
    assert_eq!(
        check_under(&[&nc], &cert(&[&other_name(OTHER)]), true),
        Ok(())
    );
    assert_eq!(check_under(&[&nc], &cert(&[&dns]), true), Ok(()));
    // Permitted otherName of one type: another type is outside, the same cannot be told.
    let nc = nc_der(&[other_name(PRIVATE)], &[]);
    assert_eq!(
        check_under(&[&nc], &cert(&[&other_name(OTHER)]), true),
        outside("otherName")
    );
    assert_eq!(
        check_under(&[&nc], &cert(&[&other_name(PRIVATE)]), true),
        not_checkable("otherName")
    );
    for (name, form) in [
        (&registered, "registeredID"),
        (&x400, "x400Address"),
        (&edi, "ediPartyName"),
    ] {
        let constrained = nc_der(&[], std::slice::from_ref(name));
        assert_eq!(
            check_under(&[&constrained], &cert(&[name]), true),
            not_checkable(form)
        );
        // Without constraints of its form, it passes.
        let unrelated = nc_der(&[gn_tlv(0x82, b"example.com")], &[]);
        assert_eq!(check_under(&[&unrelated], &cert(&[name]), true), Ok(()));
    }
}

#[test]
fn malformed_names_under_constraints_of_their_form() {
    let nc = nc_der(&[gn_tlv(0x82, b"example.com")], &[]);
    // x509-limbo rfc5280::nc::nc-permits-invalid-dns-san and similar.
    for bad in [
        &b".example.com"[..],
        b"example.com.",
        b"a..example.com",
        b"f*o.example.com",
        b"http://a.example.com",
        b"",
    ] {
        let cert = raw_cert(&cn_name(b"d"), Some(&gn(0x82, bad)));
        assert_eq!(
            check_under(&[&nc], &cert, true),
            not_checkable("dNSName"),
            "{bad:?}"
        );
    }
    // Without DNS constraints, such a name is not this module's concern.
    let ip_only = nc_der(&[gn_tlv(0x87, &[10, 0, 0, 0, 255, 0, 0, 0])], &[]);
    let cert = raw_cert(&cn_name(b"d"), Some(&gn(0x82, b".example.com")));
    assert_eq!(check_under(&[&ip_only], &cert, true), Ok(()));
}

#[test]
fn constraints_are_read_strictly() {
    let dns = |s: &[u8]| gn_tlv(0x82, s);
    let add = |value: &[u8]| NameConstraints::new().add(value).map(|_| ());
    let not_host = |s: &str| Err(V::DnsConstraintNotHostName { base: s.to_owned() });
    // x509-limbo rfc5280::nc::invalid-dnsname-leading-period, -wildcard.
    assert_eq!(
        add(&nc_der(&[dns(b".example.com")], &[])),
        not_host(".example.com")
    );
    assert_eq!(
        add(&nc_der(&[], &[dns(b"*.example.com")])),
        not_host("*.example.com")
    );
    assert_eq!(
        add(&nc_der(&[dns(b"example.com.")], &[])),
        not_host("example.com.")
    );
    assert_eq!(add(&wrap(tag::SEQUENCE, &[])), Err(V::EmptyNameConstraints));
    assert_eq!(
        add(&wrap(tag::SEQUENCE, &wrap(PERMITTED, &[]))),
        Err(V::EmptyNameConstraints)
    );
    // webpki::nc::intermediate-permitted-excluded-subtrees-both-null.
    assert!(matches!(
        add(&wrap(tag::SEQUENCE, &wrap(PERMITTED, &[0x05, 0x00]))),
        Err(V::MalformedExtension { .. })
    ));
    let mut with_minimum = wrap(0x82, b"example.com");
    with_minimum.extend(wrap(0x80, &[1]));
    let subtree = wrap(tag::SEQUENCE, &with_minimum);
    assert_eq!(
        add(&wrap(tag::SEQUENCE, &wrap(PERMITTED, &subtree))),
        Err(V::SubtreeWithMinimumOrMaximum)
    );
    // Excluded before permitted, or a list twice.
    let mut swapped = wrap(EXCLUDED, &wrap(tag::SEQUENCE, &dns(b"a.com")));
    swapped.extend(wrap(PERMITTED, &wrap(tag::SEQUENCE, &dns(b"b.com"))));
    assert!(add(&wrap(tag::SEQUENCE, &swapped)).is_err());
    // iPAddress: address and a prefix mask (x509-limbo invalid-ipv4-address, -ipv6).
    let ip = |octets: &[u8]| nc_der(&[gn_tlv(0x87, octets)], &[]);
    assert_eq!(
        add(&ip(&[10, 0, 0, 0, 255, 0, 255, 0])),
        Err(V::InvalidNetworkMask)
    );
    assert_eq!(
        add(&ip(&[10, 0, 0, 0, 0b1011_0000, 0, 0, 0])),
        Err(V::InvalidNetworkMask)
    );
    assert!(matches!(
        add(&ip(&[10, 0, 0, 1])),
        Err(V::MalformedExtension { .. })
    ));
    assert!(matches!(
        add(&ip(&[0; 16])),
        Err(V::MalformedExtension { .. })
    ));
    assert_eq!(add(&ip(&[10, 1, 0, 0, 255, 255, 0, 0])), Ok(()));
    // rfc822Name and URI (x509-limbo invalid-email-address).
    let email = |s: &[u8]| nc_der(&[gn_tlv(0x81, s)], &[]);
    for bad in [
        &b"invalid@invalid@example.com"[..],
        b"@example.com",
        b"a@",
        b"",
        b".",
    ] {
        assert!(add(&email(bad)).is_err(), "{bad:?}");
    }
    for good in [
        &b"*@example.com"[..],
        b"example.com",
        b".example.com",
        b"a@b.c",
    ] {
        assert_eq!(add(&email(good)), Ok(()), "{good:?}");
    }
    let uri = |s: &[u8]| nc_der(&[gn_tlv(0x86, s)], &[]);
    for bad in [
        &b"https://example.com"[..],
        b"example.com/x",
        b"",
        b"a@example.com",
    ] {
        assert!(add(&uri(bad)).is_err(), "{bad:?}");
    }
    // Too many subtrees.
    let many: Vec<Vec<u8>> = (0..=MAX_SUBTREES).map(|_| dns(b"example.com")).collect();
    assert!(add(&nc_der(&many, &[])).is_err());
    assert_eq!(add(&nc_der(&many[..MAX_SUBTREES], &[])), Ok(()));
    // Not DER.
    let good = nc_der(&[dns(b"example.com")], &[]);
    for cut in 0..good.len() {
        assert!(add(&good[..cut]).is_err());
    }
}

#[test]
fn empty_dns_constraint_holds_every_dns_name() {
    // CA/Browser Forum 7.1.2.5.2: a CA that may issue no DNS names excludes "".
    let nc = nc_der(&[], &[gn_tlv(0x82, b"")]);
    let cert = raw_cert(&cn_name(b"d"), Some(&gn(0x82, b"anything.example")));
    assert_eq!(check_under(&[&nc], &cert, true), outside("dNSName"));
    let cert = raw_cert(&cn_name(b"d"), Some(&gn(0x87, &[10, 0, 0, 1])));
    assert_eq!(check_under(&[&nc], &cert, true), Ok(()));
}

#[test]
fn budget() {
    let root = root();
    let ca = constrained_ca(
        &root,
        r#"{"permitted_dns": ["a.com", "b.com", "example.com"], "excluded_dns": ["x.example.com"]}"#,
        2,
    );
    let cert = device(&["www.example.com"], &root);
    let view = CertView::parse(&cert).unwrap();
    let mut nc = NameConstraints::new();
    assert!(nc.is_empty());
    let mut budget = 0;
    // Nothing to check: nothing spent.
    assert_eq!(nc.check(&view, true, &mut budget), Ok(()));
    nc.add(nc_value(&ca)).unwrap();
    assert!(!nc.is_empty());
    // Three permitted subtrees visited, one excluded: four.
    let mut budget = 4;
    assert_eq!(nc.check(&view, true, &mut budget), Ok(()));
    assert_eq!(budget, 0);
    let mut budget = 3;
    assert_eq!(
        nc.check(&view, true, &mut budget),
        Err(FailureReason::Other(OtherFailure::PathBuildingBudget))
    );
    // A hostile path: many names under many subtrees stops at the budget.
    let names: Vec<Vec<u8>> = (0..2000)
        .map(|_| gn_tlv(0x82, b"www.example.com"))
        .collect();
    let san = wrap(tag::SEQUENCE, &names.concat());
    let hostile = raw_cert(&cn_name(b"d"), Some(&san));
    let subtrees: Vec<Vec<u8>> = (0..MAX_SUBTREES)
        .map(|_| gn_tlv(0x82, b"other.org"))
        .collect();
    let wide = nc_der(&[], &subtrees);
    let mut nc = NameConstraints::new();
    for _ in 0..5 {
        nc.add(&wide).unwrap();
    }
    let mut budget = NAME_COMPARISON_BUDGET;
    assert_eq!(
        nc.check(&CertView::parse(&hostile).unwrap(), true, &mut budget),
        Err(FailureReason::Other(OtherFailure::PathBuildingBudget))
    );
}

// DER by hand.

/// One GeneralName TLV.
fn gn_tlv(name_tag: u8, content: &[u8]) -> Vec<u8> {
    wrap(name_tag, content)
}

/// A subjectAltName value holding one GeneralName.
fn gn(name_tag: u8, content: &[u8]) -> Vec<u8> {
    wrap(tag::SEQUENCE, &gn_tlv(name_tag, content))
}

/// A NameConstraints value with these GeneralNames as bases.
fn nc_der(permitted: &[Vec<u8>], excluded: &[Vec<u8>]) -> Vec<u8> {
    let list = |names: &[Vec<u8>]| -> Vec<u8> {
        names.iter().flat_map(|n| wrap(tag::SEQUENCE, n)).collect()
    };
    let mut c = Vec::new();
    if !permitted.is_empty() {
        c.extend(wrap(PERMITTED, &list(permitted)));
    }
    if !excluded.is_empty() {
        c.extend(wrap(EXCLUDED, &list(excluded)));
    }
    wrap(tag::SEQUENCE, &c)
}

/// A `Name` of one commonName.
fn cn_name(cn: &[u8]) -> Vec<u8> {
    let mut atv = wrap(tag::OID, COMMON_NAME);
    atv.extend(wrap(tag::UTF8_STRING, cn));
    wrap(tag::SEQUENCE, &wrap(tag::SET, &wrap(tag::SEQUENCE, &atv)))
}

/// A v3 certificate (not signed: `check` reads names only) with this subject and an
/// optional subjectAltName value.
fn raw_cert(subject: &[u8], san: Option<&[u8]>) -> Vec<u8> {
    const ECDSA_SHA256: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x02];
    const EC_KEY: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01];
    let alg = wrap(tag::SEQUENCE, &wrap(tag::OID, ECDSA_SHA256));
    let mut tbs = wrap(0xa0, &wrap(tag::INTEGER, &[2]));
    tbs.extend(wrap(tag::INTEGER, &[7]));
    tbs.extend(&alg);
    tbs.extend(cn_name(b"Issuer"));
    let mut validity = wrap(tag::UTC_TIME, b"260101000000Z");
    validity.extend(wrap(tag::UTC_TIME, b"270101000000Z"));
    tbs.extend(wrap(tag::SEQUENCE, &validity));
    tbs.extend(subject);
    let mut spki = wrap(tag::SEQUENCE, &wrap(tag::OID, EC_KEY));
    spki.extend(wrap(tag::BIT_STRING, &[0, 4, 1, 2]));
    tbs.extend(wrap(tag::SEQUENCE, &spki));
    if let Some(san) = san {
        let mut ext = wrap(tag::OID, SUBJECT_ALT_NAME);
        ext.extend(wrap(tag::OCTET_STRING, san));
        tbs.extend(wrap(0xa3, &wrap(tag::SEQUENCE, &wrap(tag::SEQUENCE, &ext))));
    }
    let mut cert = wrap(tag::SEQUENCE, &tbs);
    cert.extend(&alg);
    cert.extend(wrap(tag::BIT_STRING, &[0, 1, 2, 3]));
    wrap(tag::SEQUENCE, &cert)
}
