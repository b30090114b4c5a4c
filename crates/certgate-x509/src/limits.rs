//! Limits on what a reader does for one input, each with its reason.

/// Most extensions read from one certificate, CRL, CRL entry or request: real
/// certificates carry about a dozen; the duplicate check is quadratic, so a hostile
/// file with thousands would cost millions of comparisons.
pub const MAX_EXTENSIONS: usize = 100;

/// Largest PEM input read: 256 MiB holds a CRL of several million entries (a 1M-entry
/// CRL is about 31 MiB of PEM) while keeping a runaway input from being decoded whole.
pub const MAX_PEM_INPUT: usize = 256 * 1024 * 1024;

/// Most octets in a serial number: RFC 5280 allows 20 octets of magnitude; one more
/// holds the sign octet DER adds before a high bit. Longer serials are read but
/// [`crate::SerialRef::fixed_key`] does not key them.
pub const MAX_SERIAL_OCTETS: usize = 21;

/// Deepest nesting the BER-free readers follow; X.509 structures are fixed-depth, so
/// this only bounds recursive shapes (a directoryName inside a GeneralName inside ...).
pub const MAX_DEPTH: usize = 16;
