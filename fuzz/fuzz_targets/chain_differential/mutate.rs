//! Mutations of one certificate of a chain, read from the fuzz input, and the
//! signature made again over the mutated tbsCertificate with the true issuer's key.
//!
//! Input layout: byte 0 chooses the chain, byte 1 the certificate in it (0: the leaf),
//! then up to [`MAX_OPS`] operations, each a kind byte and its arguments (missing
//! bytes read as 0). Structural operations edit the tbsCertificate as a DER tree (see
//! `der_tree`), so lengths stay right; the raw ones edit its encoding afterwards.

use certgate_ca::CaSigner;
use certgate_x509::der::tag;

use crate::der_tree::{Body, Node, parse_elements, wrap};

/// Operations read from one input, at most.
const MAX_OPS: usize = 8;

/// The string types a name's value may be given in.
const STRING_TAGS: [u8; 7] = [
    tag::UTF8_STRING,
    tag::PRINTABLE_STRING,
    tag::IA5_STRING,
    tag::TELETEX_STRING,
    tag::VISIBLE_STRING,
    tag::BMP_STRING,
    tag::UNIVERSAL_STRING,
];

/// The fuzz input, read front to back.
pub(crate) struct Input<'a>(pub(crate) &'a [u8]);

impl Input<'_> {
    pub(crate) fn byte(&mut self) -> u8 {
        match self.0.split_first() {
            Some((&b, rest)) => {
                self.0 = rest;
                b
            }
            None => 0,
        }
    }

    fn index(&mut self) -> usize {
        usize::from(u16::from_be_bytes([self.byte(), self.byte()]))
    }
}

/// One mutation.
#[derive(Clone, Debug)]
pub(crate) enum Op {
    /// XOR a content octet of element `node` (pre-order) at `offset`.
    Flip { node: usize, offset: usize, xor: u8 },
    /// Insert an octet into element `node`'s content.
    Insert {
        node: usize,
        offset: usize,
        value: u8,
    },
    /// Delete a content octet of element `node`.
    Delete { node: usize, offset: usize },
    /// Give element `node` another tag (a string type for strings).
    Retag { node: usize, choice: u8 },
    /// Remove element `node`.
    RemoveNode { node: usize },
    /// Repeat element `node` after itself.
    DuplicateNode { node: usize },
    /// Swap element `node` with the one after it.
    SwapNext { node: usize },
    /// Put extension `donor_ext` of lab certificate `donor` in place of extension
    /// `ext` (or after the last one).
    Transplant {
        ext: usize,
        donor: usize,
        donor_ext: usize,
    },
    /// Remove extension `ext`.
    RemoveExtension { ext: usize },
    /// Mark extension `ext` critical, or not.
    ToggleCritical { ext: usize },
    /// Give the `attr`-th string of the issuer (`subject` false) or subject another
    /// string type, its text encoded again for it.
    NameStringType {
        subject: bool,
        attr: usize,
        choice: u8,
    },
    /// XOR an octet of the tbsCertificate's encoding.
    RawFlip { offset: usize, xor: u8 },
    /// Insert an octet into the encoding.
    RawInsert { offset: usize, value: u8 },
    /// Delete an octet of the encoding.
    RawDelete { offset: usize },
    /// Leave intermediate `index` out of what the peer presents.
    DropIntermediate { index: usize },
    /// Present intermediate `index` twice.
    DuplicateIntermediate { index: usize },
}

/// Reads the operations of `input`.
pub(crate) fn read_ops(input: &mut Input<'_>) -> Vec<Op> {
    let mut ops = Vec::new();
    while !input.0.is_empty() && ops.len() < MAX_OPS {
        let kind = input.byte() % 16;
        let op = match kind {
            0 => Op::Flip {
                node: input.index(),
                offset: input.index(),
                xor: input.byte(),
            },
            1 => Op::Insert {
                node: input.index(),
                offset: input.index(),
                value: input.byte(),
            },
            2 => Op::Delete {
                node: input.index(),
                offset: input.index(),
            },
            3 => Op::Retag {
                node: input.index(),
                choice: input.byte(),
            },
            4 => Op::RemoveNode {
                node: input.index(),
            },
            5 => Op::DuplicateNode {
                node: input.index(),
            },
            6 => Op::SwapNext {
                node: input.index(),
            },
            7 => Op::Transplant {
                ext: usize::from(input.byte()),
                donor: usize::from(input.byte()),
                donor_ext: usize::from(input.byte()),
            },
            8 => Op::RemoveExtension {
                ext: usize::from(input.byte()),
            },
            9 => Op::ToggleCritical {
                ext: usize::from(input.byte()),
            },
            10 => {
                let b = input.byte();
                Op::NameStringType {
                    subject: b & 1 == 1,
                    attr: usize::from(b >> 1),
                    choice: input.byte(),
                }
            }
            11 => Op::RawFlip {
                offset: input.index(),
                xor: input.byte(),
            },
            12 => Op::RawInsert {
                offset: input.index(),
                value: input.byte(),
            },
            13 => Op::RawDelete {
                offset: input.index(),
            },
            14 => Op::DropIntermediate {
                index: usize::from(input.byte()),
            },
            _ => Op::DuplicateIntermediate {
                index: usize::from(input.byte()),
            },
        };
        ops.push(op);
    }
    ops
}

/// The tbsCertificate of `der`, whole, and the outer signatureAlgorithm, whole.
pub(crate) fn split_certificate(der: &[u8]) -> Option<(Node, Vec<u8>)> {
    let cert = parse_elements(der, 0)?.into_iter().next()?;
    let Body::Elements(parts) = cert.body else {
        return None;
    };
    let mut parts = parts.into_iter();
    let tbs = parts.next()?;
    let alg = parts.next()?.encode();
    Some((tbs, alg))
}

/// The extensions of a tbsCertificate tree, when it has some.
fn extensions_mut(tbs: &mut Node) -> Option<&mut Vec<Node>> {
    let fields = tbs.elements_mut()?;
    let exts = fields.iter_mut().find(|n| n.tag == 0xa3)?;
    exts.elements_mut()?.first_mut()?.elements_mut()
}

/// The string values of the issuer's or the subject's attributes.
fn name_strings(tbs: &mut Node, subject: bool) -> Vec<&mut Node> {
    let Some(fields) = tbs.elements_mut() else {
        return Vec::new();
    };
    let first = usize::from(fields.first().is_some_and(|n| n.tag == 0xa0));
    let Some(name) = fields.get_mut(first + if subject { 4 } else { 2 }) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for rdn in name.elements_mut().into_iter().flatten() {
        for atv in rdn.elements_mut().into_iter().flatten() {
            if let Some(value) = atv.elements_mut().and_then(|e| e.get_mut(1)) {
                if STRING_TAGS.contains(&value.tag) || value.tag == tag::NUMERIC_STRING {
                    out.push(value);
                }
            }
        }
    }
    out
}

/// The text of a string value, when it has one.
fn text(node: &Node) -> Option<String> {
    match &node.body {
        Body::Primitive(v) => certgate_x509::string_text(node.tag, v).map(|c| c.into_owned()),
        Body::Elements(_) => None,
    }
}

/// `text` encoded as a value of string type `t`.
fn encode_text(t: u8, text: &str) -> Vec<u8> {
    match t {
        tag::BMP_STRING => text.encode_utf16().flat_map(u16::to_be_bytes).collect(),
        tag::UNIVERSAL_STRING => text
            .chars()
            .flat_map(|c| u32::from(c).to_be_bytes())
            .collect(),
        _ => text.as_bytes().to_vec(),
    }
}

/// Edits the content of a primitive element.
fn edit_content(node: &mut Node, edit: impl FnOnce(&mut Vec<u8>)) {
    if let Body::Primitive(v) = &mut node.body {
        edit(v);
    }
}

/// Applies a structural operation to the tree; `donors` are every lab certificate.
fn apply_tree(tbs: &mut Node, op: &Op, donors: &[Vec<u8>]) {
    let count = tbs.count();
    let pick = |n: usize| n % count;
    match *op {
        Op::Flip { node, offset, xor } => {
            if let Some(n) = tbs.nth_mut(pick(node)) {
                edit_content(n, |v| {
                    if !v.is_empty() {
                        let i = offset % v.len();
                        v[i] ^= xor.max(1);
                    }
                });
            }
        }
        Op::Insert {
            node,
            offset,
            value,
        } => {
            if let Some(n) = tbs.nth_mut(pick(node)) {
                edit_content(n, |v| v.insert(offset % (v.len() + 1), value));
            }
        }
        Op::Delete { node, offset } => {
            if let Some(n) = tbs.nth_mut(pick(node)) {
                edit_content(n, |v| {
                    if !v.is_empty() {
                        v.remove(offset % v.len());
                    }
                });
            }
        }
        Op::Retag { node, choice } => {
            if let Some(n) = tbs.nth_mut(pick(node)) {
                n.tag = if STRING_TAGS.contains(&n.tag) {
                    STRING_TAGS[usize::from(choice) % STRING_TAGS.len()]
                } else {
                    // The constructed bit follows the body; no high-tag-number form.
                    let t = if choice & 0x1f == 0x1f {
                        choice & !1
                    } else {
                        choice
                    };
                    match n.body {
                        Body::Elements(_) => t | 0x20,
                        Body::Primitive(_) => t & !0x20,
                    }
                };
            }
        }
        Op::RemoveNode { node } => {
            if let Some((list, i)) = tbs.parent_of(pick(node)) {
                list.remove(i);
            }
        }
        Op::DuplicateNode { node } => {
            if let Some((list, i)) = tbs.parent_of(pick(node)) {
                let copy = list[i].clone();
                list.insert(i + 1, copy);
            }
        }
        Op::SwapNext { node } => {
            if let Some((list, i)) = tbs.parent_of(pick(node)) {
                if i + 1 < list.len() {
                    list.swap(i, i + 1);
                }
            }
        }
        Op::Transplant {
            ext,
            donor,
            donor_ext,
        } => transplant(tbs, ext, donor, donor_ext, donors),
        Op::RemoveExtension { ext } => {
            if let Some(exts) = extensions_mut(tbs) {
                if !exts.is_empty() {
                    let i = ext % exts.len();
                    exts.remove(i);
                }
            }
        }
        Op::ToggleCritical { ext } => {
            if let Some(parts) = extensions_mut(tbs).filter(|e| !e.is_empty()).and_then(|e| {
                let i = ext % e.len();
                e[i].elements_mut()
            }) {
                if parts.get(1).is_some_and(|n| n.tag == tag::BOOLEAN) {
                    parts.remove(1);
                } else {
                    let critical = Node {
                        tag: tag::BOOLEAN,
                        body: Body::Primitive(vec![0xff]),
                    };
                    parts.insert(1.min(parts.len()), critical);
                }
            }
        }
        Op::NameStringType {
            subject,
            attr,
            choice,
        } => {
            let mut strings = name_strings(tbs, subject);
            if !strings.is_empty() {
                let i = attr % strings.len();
                let node = &mut strings[i];
                if let Some(t) = text(node) {
                    let new_tag = STRING_TAGS[usize::from(choice) % STRING_TAGS.len()];
                    node.tag = new_tag;
                    node.body = Body::Primitive(encode_text(new_tag, &t));
                }
            }
        }
        _ => {}
    }
}

/// Extension `donor_ext` of lab certificate `donor`, in place of extension `ext`.
fn transplant(tbs: &mut Node, ext: usize, donor: usize, donor_ext: usize, donors: &[Vec<u8>]) {
    let Some(donor_der) = donors.get(donor % donors.len().max(1)) else {
        return;
    };
    let Some((mut donor_tbs, _)) = split_certificate(donor_der) else {
        return;
    };
    let Some(source) = extensions_mut(&mut donor_tbs)
        .filter(|e| !e.is_empty())
        .map(|e| e[donor_ext % e.len()].clone())
    else {
        return;
    };
    if let Some(exts) = extensions_mut(tbs) {
        let i = ext % (exts.len() + 1);
        if i == exts.len() {
            exts.push(source);
        } else {
            exts[i] = source;
        }
    }
}

/// Applies a raw operation to the tbsCertificate's encoding.
fn apply_raw(tbs: &mut Vec<u8>, op: &Op) {
    match *op {
        Op::RawFlip { offset, xor } if !tbs.is_empty() => {
            let i = offset % tbs.len();
            tbs[i] ^= xor.max(1);
        }
        Op::RawInsert { offset, value } => tbs.insert(offset % (tbs.len() + 1), value),
        Op::RawDelete { offset } if !tbs.is_empty() => {
            let i = offset % tbs.len();
            tbs.remove(i);
        }
        _ => {}
    }
}

/// `der` with `ops` applied to its tbsCertificate, signed again by `signer`; `None`
/// when the certificate's outer structure cannot be read (never for lab certificates).
pub(crate) fn mutate(
    der: &[u8],
    ops: &[Op],
    signer: &dyn CaSigner,
    donors: &[Vec<u8>],
) -> Option<Vec<u8>> {
    let (mut tbs, alg) = split_certificate(der)?;
    for op in ops {
        apply_tree(&mut tbs, op, donors);
    }
    let mut tbs = tbs.encode();
    for op in ops {
        apply_raw(&mut tbs, op);
    }
    let signature = signer.sign(&tbs).ok()?;
    let mut bits = vec![0];
    bits.extend(signature);
    let mut content = tbs;
    content.extend(alg);
    content.extend(wrap(tag::BIT_STRING, &bits));
    Some(wrap(tag::SEQUENCE, &content))
}

/// Whether `ops` change the certificate at all (intermediate list operations do not).
pub(crate) fn edits_certificate(ops: &[Op]) -> bool {
    ops.iter().any(|op| {
        !matches!(
            op,
            Op::DropIntermediate { .. } | Op::DuplicateIntermediate { .. }
        )
    })
}

/// The intermediates the peer presents after the list operations of `ops`.
pub(crate) fn presented(intermediates: Vec<Vec<u8>>, ops: &[Op]) -> Vec<Vec<u8>> {
    let mut list = intermediates;
    for op in ops {
        match *op {
            Op::DropIntermediate { index } if !list.is_empty() => {
                let i = index % list.len();
                list.remove(i);
            }
            Op::DuplicateIntermediate { index } if !list.is_empty() => {
                let i = index % list.len();
                let copy = list[i].clone();
                list.insert(i + 1, copy);
            }
            _ => {}
        }
    }
    list
}
