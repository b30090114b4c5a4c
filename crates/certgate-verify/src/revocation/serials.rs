//! The revoked serials of one CRL, sorted: fixed-width keys (certgate-x509's
//! [`SerialKey`], the signed integer sign-extended, so `0x00FF` and `-1` never meet) with
//! their reason codes, in one flat array of 22-octet entries. A million-entry CRL is
//! held in about 22 MB and looked up by binary search (20 comparisons).
//!
//! Sorting, not hashing: the serials of a CRL are input an attacker may choose (a CA's
//! serials are chosen by whoever requests certificates when they are sequential, and a
//! CRL is untrusted until its signature is checked), and no choice of keys makes a sort
//! or a binary search slower, where crafted collisions make a hash table quadratic.

use std::collections::HashMap;

use certgate_x509::{SerialKey, SerialRef};

/// Why a CRL entry was revoked (RFC 5280 5.3.1); `None` when unspecified.
pub(crate) type Reason = Option<u8>;

/// The "no reason code" marker (codes are 0..=10).
const NO_REASON: u8 = 0xff;

/// One revoked serial and its reason.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Entry {
    key: SerialKey,
    reason: u8,
}

/// Revoked serials of one CRL.
#[derive(Debug, Default)]
pub(crate) struct SerialTable {
    /// Sorted by key once [`SerialTable::seal`] has run; one entry per key.
    entries: Vec<Entry>,
    /// Serials longer than [`SerialKey`] (non-conforming, but seen in the wild).
    long: HashMap<Vec<u8>, Reason>,
}

impl SerialTable {
    /// A table for `n` serials.
    pub(crate) fn with_capacity(n: usize) -> Self {
        Self {
            entries: Vec::with_capacity(n),
            long: HashMap::new(),
        }
    }

    /// Adds a serial; [`SerialTable::seal`] must run before lookups.
    pub(crate) fn insert(&mut self, serial: SerialRef<'_>, reason: Reason) {
        match serial.fixed_key() {
            Some(key) => self.entries.push(Entry {
                key,
                reason: reason.unwrap_or(NO_REASON),
            }),
            None => {
                self.long
                    .entry(serial.as_bytes().to_vec())
                    .or_insert(reason);
            }
        }
    }

    /// Sorts the serials; a serial listed twice is kept once, with the lowest of its
    /// reason codes (any entry revokes it; the order of the CRL does not matter).
    pub(crate) fn seal(mut self) -> Self {
        // Unstable, in place, no scratch memory: equal keys are ordered by reason.
        self.entries
            .sort_unstable_by(|a, b| a.key.cmp(&b.key).then(a.reason.cmp(&b.reason)));
        self.entries.dedup_by(|later, first| later.key == first.key);
        self.entries.shrink_to_fit();
        self
    }

    /// `Some(reason)` when `serial` is listed.
    pub(crate) fn get(&self, serial: SerialRef<'_>) -> Option<Reason> {
        let Some(key) = serial.fixed_key() else {
            return self.long.get(serial.as_bytes()).copied();
        };
        let i = self.entries.binary_search_by(|e| e.key.cmp(&key)).ok()?;
        let r = self.entries.get(i)?.reason;
        Some((r != NO_REASON).then_some(r))
    }

    /// How many serials are listed.
    pub(crate) fn len(&self) -> usize {
        self.entries.len() + self.long.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn serial(bytes: &[u8]) -> SerialRef<'_> {
        SerialRef::from_der_content(bytes).unwrap()
    }

    #[test]
    fn finds_what_was_inserted_and_nothing_else() {
        let mut t = SerialTable::with_capacity(10);
        let encoded: Vec<Vec<u8>> = (1u32..5000)
            .map(|i| {
                certgate_x509::Serial::from_magnitude(&i.to_be_bytes())
                    .as_ref()
                    .as_bytes()
                    .to_vec()
            })
            .collect();
        for (i, s) in (1u32..).zip(&encoded) {
            t.insert(serial(s), (i % 3 == 0).then_some(1));
        }
        t.insert(serial(&[0]), Some(4));
        let long = [0x7f; 25];
        t.insert(serial(&long), None);
        // Listed twice: kept once, with the lower reason code (1, not 5).
        t.insert(serial(&encoded[2]), Some(5));
        let t = t.seal();
        assert_eq!(t.len(), 5001);
        for (i, s) in (1u32..).zip(&encoded) {
            assert_eq!(t.get(serial(s)), Some((i % 3 == 0).then_some(1)), "{i}");
        }
        assert_eq!(t.get(serial(&[0x13, 0x88])), None, "5000");
        assert_eq!(t.get(serial(&[0])), Some(Some(4)));
        assert_eq!(t.get(serial(&long)), Some(None));
        assert_eq!(t.get(serial(&[0x7e; 25])), None);
        assert_eq!(SerialTable::with_capacity(0).seal().get(serial(&[1])), None);
    }

    #[test]
    fn signed_serials_do_not_meet() {
        let mut t = SerialTable::with_capacity(4);
        t.insert(serial(&[0x00, 0xff]), None);
        t.insert(serial(&[0x80]), Some(1));
        let t = t.seal();
        assert_eq!(t.get(serial(&[0x00, 0xff])), Some(None));
        assert_eq!(t.get(serial(&[0xff])), None, "-1 is not 255");
        assert_eq!(t.get(serial(&[0x80])), Some(Some(1)));
        assert_eq!(t.get(serial(&[0x00, 0x80])), None, "-128 is not 128");
    }
}
