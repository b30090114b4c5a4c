//! A compact open-addressing hash table of revoked serial numbers: fixed-width keys
//! (certgate-x509's [`SerialKey`], the signed integer sign-extended, so `0x00FF` and
//! `-1` never meet) in one flat array, load factor at most 0.8, reason codes beside
//! them. A million-entry CRL is held in about 27 MB and looked up in constant time.
//!
//! The hash is keyed with a random key per table (SipHash through std's
//! `RandomState`), so serials crafted to collide — a CRL is attacker-chosen input until
//! its signature is checked, and a CA's serials are chosen by whoever requests
//! certificates when they are sequential — cannot make loading quadratic.

use std::collections::HashMap;
use std::collections::hash_map::RandomState;
use std::hash::BuildHasher;

use certgate_x509::{SerialKey, SerialRef};

/// Why a CRL entry was revoked (RFC 5280 5.3.1); `None` when unspecified.
pub(crate) type Reason = Option<u8>;

/// The "no reason code" marker in the reasons array (codes are 0..=10).
const NO_REASON: u8 = 0xff;
/// The empty slot: serial zero's key, kept apart when zero is listed.
const EMPTY: SerialKey = [0; certgate_x509::limits::MAX_SERIAL_OCTETS];

/// Revoked serials of one CRL.
#[derive(Debug, Default)]
pub(crate) struct SerialTable {
    slots: Vec<SerialKey>,
    reasons: Vec<u8>,
    len: usize,
    zero: Option<Reason>,
    /// Serials longer than [`SerialKey`] (non-conforming, but seen in the wild).
    long: HashMap<Vec<u8>, Reason>,
    hasher: RandomState,
}

impl SerialTable {
    /// A table for `n` serials.
    pub(crate) fn with_capacity(n: usize) -> Self {
        let capacity = (n + n / 4 + 1).max(8);
        Self {
            slots: vec![EMPTY; capacity],
            reasons: vec![NO_REASON; capacity],
            ..Self::default()
        }
    }

    fn start(&self, key: &SerialKey) -> usize {
        // Lemire's fast range reduction: the high half of hash × capacity.
        let product = u128::from(self.hasher.hash_one(key)) * self.slots.len() as u128;
        usize::try_from(product >> 64).unwrap_or(0)
    }

    /// Adds a serial. A serial listed twice keeps its first reason.
    pub(crate) fn insert(&mut self, serial: SerialRef<'_>, reason: Reason) {
        match serial.fixed_key() {
            Some(key) => self.insert_key(key, reason),
            None => {
                self.long
                    .entry(serial.as_bytes().to_vec())
                    .or_insert(reason);
            }
        }
    }

    fn insert_key(&mut self, key: SerialKey, reason: Reason) {
        if key == EMPTY {
            self.zero.get_or_insert(reason);
            return;
        }
        if self.len + 1 > self.slots.len() * 4 / 5 {
            self.grow();
        }
        let mut i = self.start(&key);
        loop {
            let slot = self.slots.get(i).copied().unwrap_or(EMPTY);
            if slot == EMPTY {
                self.slots[i] = key;
                self.reasons[i] = reason.unwrap_or(NO_REASON);
                self.len += 1;
                return;
            }
            if slot == key {
                return;
            }
            i = if i + 1 == self.slots.len() { 0 } else { i + 1 };
        }
    }

    fn grow(&mut self) {
        let mut bigger = Self::with_capacity(self.slots.len() * 2);
        bigger.zero = self.zero.take();
        bigger.long = std::mem::take(&mut self.long);
        for (key, reason) in self.slots.iter().zip(&self.reasons) {
            if *key != EMPTY {
                bigger.insert_key(*key, (*reason != NO_REASON).then_some(*reason));
            }
        }
        *self = bigger;
    }

    /// `Some(reason)` when `serial` is listed.
    pub(crate) fn get(&self, serial: SerialRef<'_>) -> Option<Reason> {
        let Some(key) = serial.fixed_key() else {
            return self.long.get(serial.as_bytes()).copied();
        };
        if key == EMPTY {
            return self.zero;
        }
        let mut i = self.start(&key);
        loop {
            let slot = self.slots.get(i)?;
            if *slot == EMPTY {
                return None;
            }
            if *slot == key {
                let r = self.reasons.get(i).copied().unwrap_or(NO_REASON);
                return Some((r != NO_REASON).then_some(r));
            }
            i = if i + 1 == self.slots.len() { 0 } else { i + 1 };
        }
    }

    /// How many serials are listed.
    pub(crate) fn len(&self) -> usize {
        self.len + self.long.len() + usize::from(self.zero.is_some())
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
        assert_eq!(t.len(), 5001);
        for (i, s) in (1u32..).zip(&encoded) {
            assert_eq!(t.get(serial(s)), Some((i % 3 == 0).then_some(1)), "{i}");
        }
        assert_eq!(t.get(serial(&[0x13, 0x88])), None, "5000");
        assert_eq!(t.get(serial(&[0])), Some(Some(4)));
        assert_eq!(t.get(serial(&long)), Some(None));
        assert_eq!(t.get(serial(&[0x7e; 25])), None);
        assert_eq!(SerialTable::with_capacity(0).get(serial(&[1])), None);
    }

    #[test]
    fn each_table_hashes_with_a_key_of_its_own() {
        // Serials crafted to collide under one table's hash do not collide under the
        // next one's: an attacker cannot precompute a quadratic CRL.
        let (a, b) = (SerialTable::default(), SerialTable::default());
        assert!((0..8u8).any(|i| a.hasher.hash_one([i; 21]) != b.hasher.hash_one([i; 21])));
    }

    #[test]
    fn signed_serials_do_not_meet() {
        let mut t = SerialTable::with_capacity(4);
        t.insert(serial(&[0x00, 0xff]), None);
        assert_eq!(t.get(serial(&[0x00, 0xff])), Some(None));
        assert_eq!(t.get(serial(&[0xff])), None, "-1 is not 255");
        t.insert(serial(&[0x80]), Some(1));
        assert_eq!(t.get(serial(&[0x80])), Some(Some(1)));
        assert_eq!(t.get(serial(&[0x00, 0x80])), None, "-128 is not 128");
    }
}
