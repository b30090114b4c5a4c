//! A tbsCertificate as a tree of DER elements, so that a mutation deep inside it (a
//! byte of a name, an extension swapped in) is encoded again with every length around
//! it right, and the certificate still parses far enough to be compared.

use certgate_x509::der::tag;

/// How deep the tree goes; a certificate's DER is a dozen levels at most.
const MAX_DEPTH: usize = 24;

/// One DER element.
#[derive(Clone, Debug)]
pub(crate) struct Node {
    /// The identifier octet (single-octet tags only).
    pub(crate) tag: u8,
    /// What it holds.
    pub(crate) body: Body,
}

/// The contents of an element.
#[derive(Clone, Debug)]
pub(crate) enum Body {
    /// Content octets.
    Primitive(Vec<u8>),
    /// The elements of a constructed value, or of an OCTET STRING that holds DER (an
    /// extension's value).
    Elements(Vec<Node>),
}

/// Reads one TLV with a definite, minimally encoded length of up to two octets.
fn read_tlv(input: &[u8]) -> Option<(u8, &[u8], &[u8])> {
    let (&t, rest) = input.split_first()?;
    if t & 0x1f == 0x1f {
        return None;
    }
    let (&first, rest) = rest.split_first()?;
    let (len, rest) = match first {
        0..=0x7f => (usize::from(first), rest),
        0x81 => {
            let (&l, rest) = rest.split_first()?;
            (l >= 0x80).then_some((usize::from(l), rest))?
        }
        0x82 => {
            let (l, rest) = rest.split_at_checked(2)?;
            let l = usize::from(u16::from_be_bytes([l[0], l[1]]));
            (l >= 0x100).then_some((l, rest))?
        }
        _ => return None,
    };
    let (value, after) = rest.split_at_checked(len)?;
    Some((t, value, after))
}

/// The elements `input` is made of, when it is a list of DER elements exactly.
pub(crate) fn parse_elements(input: &[u8], depth: usize) -> Option<Vec<Node>> {
    if depth > MAX_DEPTH {
        return None;
    }
    let mut rest = input;
    let mut nodes = Vec::new();
    while !rest.is_empty() {
        let (t, value, after) = read_tlv(rest)?;
        let body = if t & 0x20 != 0 {
            Body::Elements(parse_elements(value, depth + 1)?)
        } else if t == tag::OCTET_STRING {
            // An extnValue holds DER; a key identifier's octets rarely parse, and are
            // kept as octets when they do not encode back to themselves.
            match parse_elements(value, depth + 1) {
                Some(inner) if !inner.is_empty() && encode_all(&inner) == value => {
                    Body::Elements(inner)
                }
                _ => Body::Primitive(value.to_vec()),
            }
        } else {
            Body::Primitive(value.to_vec())
        };
        nodes.push(Node { tag: t, body });
        rest = after;
    }
    Some(nodes)
}

/// A DER length.
fn push_len(out: &mut Vec<u8>, len: usize) {
    match len {
        0..=0x7f => out.push(len as u8),
        0x80..=0xff => out.extend([0x81, len as u8]),
        0x100..=0xffff => out.extend([0x82, (len >> 8) as u8, len as u8]),
        _ => out.extend([0x83, (len >> 16) as u8, (len >> 8) as u8, len as u8]),
    }
}

/// An element with `content`.
pub(crate) fn wrap(t: u8, content: &[u8]) -> Vec<u8> {
    let mut out = vec![t];
    push_len(&mut out, content.len());
    out.extend_from_slice(content);
    out
}

impl Node {
    /// The element's DER.
    pub(crate) fn encode(&self) -> Vec<u8> {
        match &self.body {
            Body::Primitive(v) => wrap(self.tag, v),
            Body::Elements(e) => wrap(self.tag, &encode_all(e)),
        }
    }

    /// How many elements the tree has, this one included.
    pub(crate) fn count(&self) -> usize {
        1 + match &self.body {
            Body::Primitive(_) => 0,
            Body::Elements(e) => e.iter().map(Node::count).sum(),
        }
    }

    /// The element `n` in pre-order (0: this one).
    pub(crate) fn nth_mut(&mut self, n: usize) -> Option<&mut Node> {
        if n == 0 {
            return Some(self);
        }
        let mut n = n - 1;
        if let Body::Elements(e) = &mut self.body {
            for child in e {
                let c = child.count();
                if n < c {
                    return child.nth_mut(n);
                }
                n -= c;
            }
        }
        None
    }

    /// The list of elements that holds element `n` (pre-order, `n > 0`), and its
    /// index there.
    pub(crate) fn parent_of(&mut self, n: usize) -> Option<(&mut Vec<Node>, usize)> {
        let Body::Elements(e) = &mut self.body else {
            return None;
        };
        let mut n = n.checked_sub(1)?;
        let mut at = None;
        for (i, child) in e.iter().enumerate() {
            let c = child.count();
            if n == 0 {
                at = Some((i, true));
                break;
            }
            if n < c {
                at = Some((i, false));
                break;
            }
            n -= c;
        }
        match at? {
            (i, true) => Some((e, i)),
            (i, false) => e[i].parent_of(n),
        }
    }

    /// The elements of a constructed value (or a DER-holding OCTET STRING).
    pub(crate) fn elements_mut(&mut self) -> Option<&mut Vec<Node>> {
        match &mut self.body {
            Body::Elements(e) => Some(e),
            Body::Primitive(_) => None,
        }
    }
}

/// The DER of a list of elements.
pub(crate) fn encode_all(nodes: &[Node]) -> Vec<u8> {
    nodes.iter().flat_map(Node::encode).collect()
}
