//! A compact open-addressing hash table of revoked serial numbers: fixed 20-octet keys
//! in one flat array (load factor at most 0.8), reason codes beside them, so a
//! million-entry CRL is held in about 26 MB and looked up in constant time.

use std::collections::HashMap;

/// Width of a serial key: RFC 5280 serials are at most 20 octets.
pub(crate) const SERIAL_WIDTH: usize = 20;

/// A serial number as a fixed-width key: unsigned big-endian, left-padded with zeros.
pub(crate) type SerialKey = [u8; SERIAL_WIDTH];

/// Why a CRL entry was revoked (RFC 5280 5.3.1); `None` when unspecified.
pub(crate) type Reason = Option<u8>;

/// The "no reason code" marker in the reasons array (codes are 0..=10).
const NO_REASON: u8 = 0xff;
/// The empty slot. Serial zero is not a valid serial; it is kept apart if listed.
const EMPTY: SerialKey = [0; SERIAL_WIDTH];

/// The serial's value bytes as a key: sign byte dropped, left-padded. `Err` when longer.
pub(crate) fn serial_key(value: &[u8]) -> Result<SerialKey, &[u8]> {
    let trimmed = match value {
        [0, rest @ ..] if !rest.is_empty() => rest,
        v => v,
    };
    if trimmed.len() > SERIAL_WIDTH {
        return Err(trimmed);
    }
    let mut key = [0u8; SERIAL_WIDTH];
    key[SERIAL_WIDTH - trimmed.len()..].copy_from_slice(trimmed);
    Ok(key)
}

/// Revoked serials of one CRL.
#[derive(Debug, Default)]
pub(crate) struct SerialTable {
    slots: Vec<SerialKey>,
    reasons: Vec<u8>,
    len: usize,
    zero: Option<Reason>,
    /// Serials longer than 20 octets (non-conforming, but seen in the wild).
    long: HashMap<Vec<u8>, Reason>,
}

fn hash(key: &SerialKey) -> u64 {
    // FxHash-style mixing of the key's words: serials are either random or sequential
    // (small numbers, left-padded), and both spread well after the multiply.
    let mut h: u64 = 0;
    for chunk in key.chunks(8) {
        let mut word = [0u8; 8];
        word[..chunk.len()].copy_from_slice(chunk);
        h = (h.rotate_left(5) ^ u64::from_le_bytes(word)).wrapping_mul(0x517c_c1b7_2722_0a95);
    }
    h
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
        let product = u128::from(hash(key)) * self.slots.len() as u128;
        usize::try_from(product >> 64).unwrap_or(0)
    }

    /// Adds a serial (the INTEGER's value bytes). A serial listed twice keeps its first reason.
    pub(crate) fn insert(&mut self, serial: &[u8], reason: Reason) {
        let key = match serial_key(serial) {
            Ok(key) => key,
            Err(long) => {
                self.long.entry(long.to_vec()).or_insert(reason);
                return;
            }
        };
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
                let r = (*reason != NO_REASON).then_some(*reason);
                bigger.insert(key, r);
            }
        }
        *self = bigger;
    }

    /// `Some(reason)` when `serial` (the INTEGER's value bytes) is listed.
    pub(crate) fn get(&self, serial: &[u8]) -> Option<Reason> {
        let key = match serial_key(serial) {
            Ok(key) => key,
            Err(long) => return self.long.get(long).copied(),
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

    #[test]
    fn finds_what_was_inserted_and_nothing_else() {
        let mut t = SerialTable::with_capacity(10);
        for i in 1u32..5000 {
            t.insert(&i.to_be_bytes(), (i % 3 == 0).then_some(1));
        }
        t.insert(&[0], Some(4));
        t.insert(&[0x7f; 25], None);
        assert_eq!(t.len(), 5001);
        for i in 1u32..5000 {
            assert_eq!(
                t.get(&i.to_be_bytes()),
                Some((i % 3 == 0).then_some(1)),
                "{i}"
            );
            // Leading zeros and the sign byte do not matter.
            let mut padded = vec![0];
            padded.extend_from_slice(&i.to_be_bytes());
            assert!(t.get(&padded).is_some());
        }
        assert_eq!(t.get(&5000u32.to_be_bytes()), None);
        assert_eq!(t.get(&[0]), Some(Some(4)));
        assert_eq!(t.get(&[0x7f; 25]), Some(None));
        assert_eq!(t.get(&[0x7e; 25]), None);
        let empty = SerialTable::with_capacity(0);
        assert_eq!(empty.get(&[1]), None);
    }
}
