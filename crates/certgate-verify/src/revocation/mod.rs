//! Revocation, RFC 5280 §6.3 (CRL processing) with the CRL profile of §5: CRLs read and
//! checked once, at load, against their issuers, and the store that answers for a
//! certificate on a path.
//!
//! [`crl_input`] reads the PEM or DER input and the certificates of CRL issuers; [`crl`]
//! checks a CRL (its header, the issuer's key and the signature, §6.3.3 (f) and (g),
//! before any entry is read) into a [`serials`] table of revoked serials, compared as the signed integers they
//! are (the search of §6.3.3 (j)). [`scope`] says which certificates and reasons a CRL
//! speaks for (§6.3.3 (b) and (d): the issuingDistributionPoint of §5.2.5 against the
//! certificate's cRLDistributionPoints), [`lookup`] what the CRLs in scope say together
//! (revoked by any, good once every reason is covered by a current one). [`store`] is the
//! [`RevocationStore`](crate::RevocationStore) (lookups, atomic swaps, its generation),
//! [`set`] the CRLs in force per issuer, [`builder`] its builder, [`files`] the CRL files
//! it reads and their stamps, [`crl_sources`] the named
//! sources whose bytes the caller replaces, [`serial_source`] a live list of serials
//! standing in for a CRL, [`watch`] the thread that reloads changed files. [`policy`] is the stated policy: which certificates are
//! checked, and what an unknown status or a CRL past its nextUpdate (§6.3.3 (a)) means.

pub(crate) mod builder;
pub(crate) mod crl;
pub(crate) mod crl_input;
pub(crate) mod crl_sources;
pub(crate) mod files;
pub(crate) mod lookup;
pub(crate) mod policy;
pub(crate) mod scope;
pub(crate) mod serial_source;
pub(crate) mod serials;
pub(crate) mod set;
pub(crate) mod store;
pub(crate) mod watch;
