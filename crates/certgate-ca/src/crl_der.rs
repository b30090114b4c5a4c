//! The DER of a CRL's `revokedCertificates` and of the signed list around it, written
//! straight into one buffer.
//!
//! A CRL of a million devices has a million entries: building each as x509-cert's
//! `RevokedCert` (an allocation or three per entry, lengths computed over the whole list
//! twice) took two seconds. An entry's DER is a few fixed shapes, so it is written here
//! directly, lengths known before a byte is written; the small parts around the list
//! (issuer, algorithm, extensions) are still encoded by x509-cert.

use time::{OffsetDateTime, UtcOffset};

use crate::x509::x509_time;
use crate::{CaError, CrlProblem, RevokedEntry};

const SEQUENCE: u8 = 0x30;
const INTEGER: u8 = 0x02;
const UTC_TIME: u8 = 0x17;
const GENERALIZED_TIME: u8 = 0x18;

/// A reasonCode entry extension without its last octet (the code): `SEQUENCE {
/// OID 2.5.29.21, OCTET STRING { ENUMERATED code } }` (RFC 5280 5.3.1).
const REASON_EXTENSION: [u8; 11] = [
    0x30, 0x0a, 0x06, 0x03, 0x55, 0x1d, 0x15, 0x04, 0x03, 0x0a, 0x01,
];

/// The largest Unix time a GeneralizedTime of four-digit years holds (9999-12-31 23:59:59).
const MAX_UNIX_SECONDS: i64 = 253_402_300_799;

/// The octets of a DER length header for `len` content octets.
pub(crate) fn header_len(len: usize) -> usize {
    match len {
        0..=0x7f => 2,
        0x80..=0xff => 3,
        0x100..=0xffff => 4,
        0x1_0000..=0xff_ffff => 5,
        _ => 6,
    }
}

/// Writes a tag and the DER length of `len` content octets.
pub(crate) fn push_header(out: &mut Vec<u8>, tag: u8, len: usize) {
    out.push(tag);
    let bytes = (len as u64).to_be_bytes();
    let skip = bytes.iter().take_while(|b| **b == 0).count();
    match u8::try_from(len) {
        Ok(short) if short < 0x80 => out.push(short),
        _ => {
            // 1 to 8 length octets: the count fits a u8.
            out.push(0x80 | u8::try_from(8 - skip).unwrap_or(8));
            out.extend_from_slice(&bytes[skip..]);
        }
    }
}

/// One entry, checked and reduced to what its DER needs.
struct Entry<'e> {
    /// The INTEGER's content without the sign octet.
    magnitude: &'e [u8],
    /// A 0x00 goes first (the magnitude's high bit is set).
    pad: bool,
    time: OffsetDateTime,
    generalized: bool,
    reason: Option<u8>,
    /// The DER of a certificateIssuer entry extension (RFC 5280 5.3.3), if any.
    issuer: Option<&'e [u8]>,
}

impl Entry<'_> {
    /// The content octets of the entry's crlEntryExtensions SEQUENCE (0: absent).
    fn extensions_len(&self) -> usize {
        let reason = self.reason.map_or(0, |_| REASON_EXTENSION.len() + 1);
        reason + self.issuer.map_or(0, <[u8]>::len)
    }

    fn content_len(&self) -> usize {
        let serial = usize::from(self.pad) + self.magnitude.len();
        let time = if self.generalized { 15 } else { 13 };
        let exts = match self.extensions_len() {
            0 => 0,
            n => header_len(n) + n,
        };
        2 + serial + 2 + time + exts
    }

    fn write(&self, out: &mut Vec<u8>) {
        push_header(out, SEQUENCE, self.content_len());
        push_header(out, INTEGER, usize::from(self.pad) + self.magnitude.len());
        if self.pad {
            out.push(0);
        }
        out.extend_from_slice(self.magnitude);
        write_time(out, self.time, self.generalized);
        let exts = self.extensions_len();
        if exts > 0 {
            push_header(out, SEQUENCE, exts);
        }
        if let Some(code) = self.reason {
            out.extend_from_slice(&REASON_EXTENSION);
            out.push(code);
        }
        if let Some(issuer) = self.issuer {
            out.extend_from_slice(issuer);
        }
    }
}

fn unlistable(serial: &[u8]) -> CaError {
    CaError::InvalidCrl {
        problem: CrlProblem::UnlistableSerial {
            serial: serial.to_vec(),
        },
        source: None,
    }
}

/// Checks an entry: a positive serial of at most 20 content octets (RFC 5280 4.1.2.2),
/// a revocation time from 1970 to 9999.
fn checked<'e>(entry: &'e RevokedEntry, issuer: Option<&'e [u8]>) -> Result<Entry<'e>, CaError> {
    let skip = entry.serial.iter().take_while(|b| **b == 0).count();
    let magnitude = &entry.serial[skip..];
    let Some(first) = magnitude.first() else {
        return Err(unlistable(&entry.serial));
    };
    let pad = first & 0x80 != 0;
    if usize::from(pad) + magnitude.len() > 20 {
        return Err(unlistable(&entry.serial));
    }
    let time = entry.revoked_at.to_offset(UtcOffset::UTC);
    let unix = time.unix_timestamp();
    if !(0..=MAX_UNIX_SECONDS).contains(&unix) {
        // x509-cert names the problem.
        x509_time(entry.revoked_at)?;
    }
    let reason = match entry.reason {
        None | Some(crate::RevocationReason::Unspecified) => None,
        Some(r) => Some(r.code()),
    };
    Ok(Entry {
        magnitude,
        pad,
        time,
        generalized: time.year() >= 2050,
        reason,
        issuer,
    })
}

/// Two decimal digits.
fn push2(out: &mut Vec<u8>, n: u8) {
    out.push(b'0' + n / 10);
    out.push(b'0' + n % 10);
}

/// UTCTime `YYMMDDHHMMSSZ` before 2050, GeneralizedTime `YYYYMMDDHHMMSSZ` from then on
/// (RFC 5280 4.1.2.5); `time` is in UTC and in range ([`checked`]).
fn write_time(out: &mut Vec<u8>, time: OffsetDateTime, generalized: bool) {
    let year = u16::try_from(time.year()).unwrap_or(0);
    if generalized {
        out.extend_from_slice(&[GENERALIZED_TIME, 15]);
        push2(out, u8::try_from(year / 100).unwrap_or(99));
    } else {
        out.extend_from_slice(&[UTC_TIME, 13]);
    }
    push2(out, u8::try_from(year % 100).unwrap_or(99));
    push2(out, u8::from(time.month()));
    push2(out, time.day());
    push2(out, time.hour());
    push2(out, time.minute());
    push2(out, time.second());
    out.push(b'Z');
}

/// `revokedCertificates` (a SEQUENCE OF entries in the order given), or nothing when
/// there are no entries (RFC 5280 5.1.2.6: the field is then absent). `issuer_of(i)` is
/// the DER of entry `i`'s certificateIssuer extension, if it has one.
///
/// # Errors
/// [`CaError::InvalidCrl`] for a serial that is zero, empty or longer than 20 octets;
/// [`CaError::Encoding`] for a time before 1970 or after 9999.
pub(crate) fn revoked_certificates<'e>(
    entries: &'e [RevokedEntry],
    issuer_of: impl Fn(usize) -> Option<&'e [u8]>,
) -> Result<Vec<u8>, CaError> {
    if entries.is_empty() {
        return Ok(Vec::new());
    }
    let checked = entries
        .iter()
        .enumerate()
        .map(|(i, e)| checked(e, issuer_of(i)))
        .collect::<Result<Vec<_>, _>>()?;
    let len: usize = checked
        .iter()
        .map(|e| {
            let c = e.content_len();
            header_len(c) + c
        })
        .sum();
    let mut out = Vec::with_capacity(header_len(len) + len);
    push_header(&mut out, SEQUENCE, len);
    for entry in &checked {
        entry.write(&mut out);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use der::{Decode, Encode};
    use time::macros::datetime;
    use x509_cert::crl::RevokedCert;

    use super::*;
    use crate::RevocationReason;

    fn entry(serial: &[u8], at: OffsetDateTime, reason: Option<RevocationReason>) -> RevokedEntry {
        RevokedEntry {
            serial: serial.to_vec(),
            revoked_at: at,
            reason,
        }
    }

    /// Each entry as x509-cert decodes it and encodes it again: the same octets.
    #[test]
    fn entries_are_the_der_x509_cert_reads_and_writes() {
        let entries = [
            entry(&[1], datetime!(2026-01-02 03:04:05 UTC), None),
            entry(
                &[0, 0, 0x7f],
                datetime!(1999-12-31 23:59:59 UTC),
                Some(RevocationReason::KeyCompromise),
            ),
            entry(
                &[0x80; 19],
                datetime!(2049-12-31 23:59:59 UTC),
                Some(RevocationReason::AaCompromise),
            ),
            entry(
                &[0x12; 20],
                datetime!(2050-01-01 00:00:00 UTC),
                Some(RevocationReason::Unspecified),
            ),
            entry(
                &[0xff],
                datetime!(9999-12-31 23:59:59 +01:00),
                Some(RevocationReason::RemoveFromCrl),
            ),
        ];
        let der = revoked_certificates(&entries, |_| None).unwrap();
        let list = Vec::<RevokedCert>::from_der(&der).unwrap();
        assert_eq!(list.len(), entries.len());
        assert_eq!(list.to_der().unwrap(), der);
        assert_eq!(list[1].serial_number.as_bytes(), [0x7f]);
        assert_eq!(list[2].serial_number.as_bytes()[0], 0);
        assert!(list[0].crl_entry_extensions.is_none());
        assert!(
            list[3].crl_entry_extensions.is_none(),
            "unspecified is left out"
        );
        let ext = &list[4].crl_entry_extensions.as_ref().unwrap()[0];
        assert_eq!(ext.extn_value.as_bytes(), [0x0a, 0x01, 8]);
        assert_eq!(
            list[4].revocation_date.to_unix_duration().as_secs(),
            253_402_297_199
        );
        assert!(matches!(
            list[3].revocation_date,
            x509_cert::time::Time::GeneralTime(_)
        ));
        assert!(matches!(
            list[2].revocation_date,
            x509_cert::time::Time::UtcTime(_)
        ));
    }

    /// Entries with a certificateIssuer extension, alone and after a reason code, are
    /// what x509-cert decodes and encodes again.
    #[test]
    fn certificate_issuer_entries_round_trip() {
        let at = datetime!(2026-01-02 03:04:05 UTC);
        let name = crate::SubjectName::with_common_name("Other CA")
            .to_name()
            .unwrap();
        let issuer = crate::crl_ext::certificate_issuer(&name).unwrap();
        let entries = [
            entry(&[1], at, Some(RevocationReason::KeyCompromise)),
            entry(&[2], at, None),
            entry(&[3], at, None),
        ];
        let der = revoked_certificates(&entries, |i| (i < 2).then_some(issuer.as_slice())).unwrap();
        let list = Vec::<RevokedCert>::from_der(&der).unwrap();
        assert_eq!(list.to_der().unwrap(), der);
        let exts = list[0].crl_entry_extensions.as_ref().unwrap();
        assert_eq!(exts.len(), 2);
        assert_eq!(
            exts[1].extn_id,
            const_oid::db::rfc5280::ID_CE_CERTIFICATE_ISSUER
        );
        assert!(exts[1].critical);
        assert_eq!(list[1].crl_entry_extensions.as_ref().unwrap().len(), 1);
        assert!(list[2].crl_entry_extensions.is_none());
    }

    #[test]
    fn lengths_cross_every_header_size() {
        for n in [
            0x7f, 0x80, 0xff, 0x100, 0xffff, 0x1_0000, 0xff_ffff, 0x100_0000,
        ] {
            let mut out = Vec::new();
            push_header(&mut out, SEQUENCE, n);
            assert_eq!(out.len(), header_len(n), "{n:#x}");
        }
        assert!(revoked_certificates(&[], |_| None).unwrap().is_empty());
    }

    #[test]
    fn unlistable_serials_and_times_are_refused() {
        let at = datetime!(2026-01-01 00:00:00 UTC);
        for serial in [&[][..], &[0, 0][..], &[0x80; 20][..], &[1; 21][..]] {
            let e = revoked_certificates(&[entry(serial, at, None)], |_| None).unwrap_err();
            assert!(
                matches!(
                    e,
                    CaError::InvalidCrl {
                        problem: CrlProblem::UnlistableSerial { .. },
                        ..
                    }
                ),
                "{serial:02x?}: {e}"
            );
        }
        assert!(
            revoked_certificates(
                &[entry(&[1], datetime!(1969-12-31 23:59:59 UTC), None)],
                |_| None
            )
            .is_err()
        );
    }
}
