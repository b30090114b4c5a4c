//! The rows: what is recorded ([`NewCertificate`]) and what is read back.

use certgate_x509::{CertificateInfo, KeyId, ReasonCode, Serial, SerialRef, Timestamp, hex, pem};

use crate::error::{CertificateProblem, DbError};
use crate::limits::MAX_CERTIFICATE_DER;

/// Hex of a serial as stored: the INTEGER's DER content octets, so `00ff` (255) and
/// `ff` (-1) are different rows.
pub(crate) fn serial_key(serial: SerialRef<'_>) -> String {
    hex::lower(serial.as_bytes())
}

/// Hex of a key id as stored (lower case, no separators, as cfssl writes it).
pub(crate) fn key_id_key(id: KeyId<'_>) -> String {
    hex::lower(id.as_bytes())
}

/// A stored serial back as a [`Serial`].
pub(crate) fn serial_from_key(text: &str) -> Result<Serial, DbError> {
    let corrupt = || DbError::Corrupt {
        column: "serial_number",
    };
    let octets = hex::parse("serial", text).map_err(|_| corrupt())?;
    Serial::from_der_content(&octets).map_err(|_| corrupt())
}

/// A stored key id back as octets.
pub(crate) fn key_id_from_key(text: &str) -> Result<Vec<u8>, DbError> {
    hex::parse("key id", text).map_err(|_| DbError::Corrupt {
        column: "authority_key_identifier",
    })
}

/// A stored reason code back as a [`ReasonCode`].
pub(crate) fn reason_from_column(code: i64) -> Result<ReasonCode, DbError> {
    u32::try_from(code)
        .ok()
        .and_then(ReasonCode::from_code)
        .ok_or(DbError::Corrupt { column: "reason" })
}

/// Whether a certificate is still good.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum CertStatus {
    /// Not revoked (cfssl's `good`).
    Good,
    /// Revoked (cfssl's `revoked`).
    Revoked,
}

impl CertStatus {
    /// The status column's value, as cfssl writes it.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Good => "good",
            Self::Revoked => "revoked",
        }
    }

    pub(crate) fn from_column(s: &str) -> Result<Self, DbError> {
        match s {
            "good" => Ok(Self::Good),
            "revoked" => Ok(Self::Revoked),
            _ => Err(DbError::Corrupt { column: "status" }),
        }
    }
}

/// A certificate to record, with every column filled from its DER.
#[derive(Clone, Debug)]
pub struct NewCertificate {
    pub(crate) serial: String,
    pub(crate) issuer: String,
    pub(crate) ca_label: Option<String>,
    pub(crate) expiry: i64,
    pub(crate) not_before: i64,
    pub(crate) issued_at: i64,
    pub(crate) pem: String,
    pub(crate) sans: String,
    pub(crate) common_name: Option<String>,
    pub(crate) subject: String,
    pub(crate) sha256: String,
    pub(crate) profile: Option<String>,
    pub(crate) metadata: Option<String>,
}

impl NewCertificate {
    /// Reads a certificate with certgate-x509 and fills the columns: serial, issuer key
    /// id (from the authority key identifier), subject (RFC 4514), common name, SANs,
    /// validity, SHA-256 fingerprint and PEM. `profile` is the signing profile it was
    /// issued under. `issued_at` is now; see [`NewCertificate::with_issued_at`].
    ///
    /// # Errors
    /// [`DbError::BadCertificate`] when the DER is not a certificate, is larger than
    /// [`MAX_CERTIFICATE_DER`], or has no authority key identifier.
    pub fn from_der(der: &[u8], profile: Option<&str>) -> Result<Self, DbError> {
        let bad = |problem, source: Option<certgate_x509::X509Error>| DbError::BadCertificate {
            problem,
            source: source.map(|e| Box::new(e) as _),
        };
        if der.len() > MAX_CERTIFICATE_DER {
            return Err(bad(CertificateProblem::TooLarge, None));
        }
        let info = CertificateInfo::from_der(der)
            .map_err(|e| bad(CertificateProblem::NotACertificate, Some(e)))?;
        let aki = info
            .authority_key_id()
            .ok_or_else(|| bad(CertificateProblem::NoAuthorityKeyId, None))?;
        let sans: Vec<String> = info.sans().iter().map(ToString::to_string).collect();
        Ok(Self {
            serial: serial_key(info.serial()),
            issuer: key_id_key(KeyId(aki)),
            ca_label: None,
            expiry: info.not_after().unix_seconds(),
            not_before: info.not_before().unix_seconds(),
            issued_at: Timestamp::now().unix_seconds(),
            pem: pem::encode("CERTIFICATE", der),
            sans: serde_json::Value::from(sans).to_string(),
            common_name: info.common_name(),
            subject: info.subject().to_rfc4514(),
            sha256: info.fingerprint_sha256().to_hex(),
            profile: profile.map(str::to_owned),
            metadata: None,
        })
    }

    /// Sets when it was issued (default: when [`NewCertificate::from_der`] ran).
    #[must_use]
    pub fn with_issued_at(mut self, at: Timestamp) -> Self {
        self.issued_at = at.unix_seconds();
        self
    }

    /// Sets cfssl's `ca_label` column.
    #[must_use]
    pub fn with_ca_label(mut self, label: impl Into<String>) -> Self {
        self.ca_label = Some(label.into());
        self
    }

    /// Sets the `metadata` column (JSON).
    #[must_use]
    pub fn with_metadata(mut self, metadata: &serde_json::Value) -> Self {
        self.metadata = Some(metadata.to_string());
        self
    }

    /// The serial as stored (hex of the INTEGER's content octets).
    pub fn serial_hex(&self) -> &str {
        &self.serial
    }

    /// The issuer's key id as stored (lower-case hex).
    pub fn issuer_hex(&self) -> &str {
        &self.issuer
    }
}

/// A recorded certificate, as [`crate::CertStore::list`] returns it.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct CertificateRow {
    /// The serial.
    pub serial: Serial,
    /// The issuer's key id.
    pub issuer: Vec<u8>,
    /// Subject DN (RFC 4514).
    pub subject: String,
    /// Common name, if any.
    pub common_name: Option<String>,
    /// Subject alternative names, as text.
    pub sans: Vec<String>,
    /// Good or revoked.
    pub status: CertStatus,
    /// Why it was revoked (when revoked).
    pub reason: Option<ReasonCode>,
    /// When it was revoked.
    pub revoked_at: Option<Timestamp>,
    /// Start of validity.
    pub not_before: Timestamp,
    /// End of validity (cfssl's `expiry`).
    pub not_after: Timestamp,
    /// When it was recorded as issued.
    pub issued_at: Timestamp,
    /// SHA-256 fingerprint of the DER, lower-case hex.
    pub sha256: String,
    /// The signing profile, if recorded.
    pub profile: Option<String>,
    /// The certificate as PEM.
    pub pem: String,
}

/// A revoked certificate of one issuer, for a CRL.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct RevokedRow {
    /// The serial.
    pub serial: Serial,
    /// Why.
    pub reason: ReasonCode,
    /// When.
    pub revoked_at: Timestamp,
}

/// What [`crate::CertStore::revoke`] did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RevokeOutcome {
    /// It is revoked now.
    Revoked,
    /// It was revoked already; nothing changed.
    AlreadyRevoked {
        /// The reason recorded then.
        reason: ReasonCode,
        /// When it was revoked.
        at: Timestamp,
    },
}

/// One revocation, in the order the store saw them.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct RevocationEvent {
    /// The issuer's key id.
    pub issuer: Vec<u8>,
    /// The serial.
    pub serial: Serial,
    /// Why.
    pub reason: ReasonCode,
    /// When.
    pub revoked_at: Timestamp,
}

/// Where [`crate::CertStore::revocations_since`] goes on from; start with
/// [`RevocationCursor::START`] and keep the one each call returns.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct RevocationCursor(pub(crate) i64);

impl RevocationCursor {
    /// Before the first revocation.
    pub const START: Self = Self(0);
}
