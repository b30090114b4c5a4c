//! The gate's session signing keys: one current P-256 key, the older ones kept for
//! verification until every session they signed has expired, rotated on a schedule and
//! kept on disk (0600) so that a restart does not sign everyone out.

use std::io::Write as _;
use std::os::unix::fs::{OpenOptionsExt as _, PermissionsExt as _};
use std::path::{Path, PathBuf};
use std::sync::RwLock;
use std::time::Duration;

use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair, KeyPair as _};
use sha2::{Digest as _, Sha256};

use crate::error::GateError;
use crate::session::TokenError;
use crate::session::token::b64url;

/// How often the gate looks whether a rotation is due: a minute late at most.
pub const ROTATION_CHECK_INTERVAL: Duration = Duration::from_secs(60);
/// How often a new signing key is made unless configured (`session_key_rotation`).
pub const DEFAULT_KEY_ROTATION: Duration = Duration::from_secs(24 * 3600);
/// The longest session issued: Access's longest session duration is one month, and an
/// old key is kept this long after it stopped signing.
pub const MAX_SESSION_DURATION: Duration = Duration::from_secs(30 * 24 * 3600);
/// The most key files read from the directory: one a rotation over a month of hourly
/// rotations is 720; more is not a key directory.
pub const MAX_KEY_FILES: usize = 1024;
/// The most bytes a key file may have (a P-256 PKCS#8 document is about 138).
const MAX_KEY_FILE_BYTES: u64 = 4096;
const KEY_PREFIX: &str = "session-key-";
const KEY_SUFFIX: &str = ".p8";

/// One signing key.
struct SigningKey {
    kid: String,
    /// When it started signing, Unix seconds.
    created: u64,
    pair: EcdsaKeyPair,
}

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SigningKey")
            .field("kid", &self.kid)
            .field("created", &self.created)
            .finish_non_exhaustive()
    }
}

impl SigningKey {
    fn from_pkcs8(der: &[u8], created: u64) -> Option<Self> {
        let pair = EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, der).ok()?;
        // The key id: the first 16 bytes of the public point's SHA-256, base64url.
        let digest = Sha256::digest(pair.public_key().as_ref());
        let kid = b64url(digest.get(..16)?);
        Some(Self { kid, created, pair })
    }
}

/// The session keys: newest first; the first one signs.
#[derive(Debug)]
pub struct SessionKeys {
    ring: RwLock<Vec<SigningKey>>,
    dir: Option<PathBuf>,
    rotation: Duration,
    max_session: Duration,
}

/// Builds [`SessionKeys`].
#[derive(Debug)]
pub struct SessionKeysBuilder {
    dir: Option<PathBuf>,
    rotation: Duration,
    max_session: Duration,
}

impl SessionKeys {
    /// A builder: keys in memory, rotated every [`DEFAULT_KEY_ROTATION`].
    pub fn builder() -> SessionKeysBuilder {
        SessionKeysBuilder {
            dir: None,
            rotation: DEFAULT_KEY_ROTATION,
            max_session: MAX_SESSION_DURATION,
        }
    }

    /// The longest session these keys sign (longer ones are cut to it).
    pub fn max_session(&self) -> Duration {
        self.max_session
    }

    /// Makes a new signing key when the current one is older than the rotation
    /// interval, and drops keys whose sessions have all expired. Returns whether a key
    /// was made.
    ///
    /// # Errors
    /// [`GateError::SessionKeys`] when the new key cannot be written.
    pub fn rotate_if_due(&self, now: u64) -> Result<bool, GateError> {
        let due = {
            let ring = self.ring.read().unwrap_or_else(|e| e.into_inner());
            ring.first()
                .is_none_or(|k| now >= k.created.saturating_add(self.rotation.as_secs()))
        };
        if due {
            self.rotate(now)?;
        }
        Ok(due)
    }

    /// Makes a new signing key now (the old ones verify until their sessions expire).
    ///
    /// # Errors
    /// [`GateError::SessionKeys`] when the new key cannot be written.
    pub fn rotate(&self, now: u64) -> Result<(), GateError> {
        let mut ring = self.ring.write().unwrap_or_else(|e| e.into_inner());
        let key = generate(self.dir.as_deref(), now)?;
        ring.insert(0, key);
        // A key stopped signing when the next one was made; its sessions end at most
        // max_session (and the clock skew) after that.
        let keep = self
            .max_session
            .as_secs()
            .saturating_add(super::token::CLOCK_SKEW_SECS);
        let mut successor_created = now;
        let mut kept = Vec::with_capacity(ring.len());
        for key in ring.drain(..) {
            let retired = successor_created;
            successor_created = key.created;
            if kept.is_empty() || now < retired.saturating_add(keep) {
                kept.push(key);
            } else if let Some(dir) = &self.dir {
                let _ = std::fs::remove_file(dir.join(file_name(key.created, &key.kid)));
            }
        }
        *ring = kept;
        Ok(())
    }

    /// Signs `input` with the current key: its kid and the 64-byte signature.
    pub(crate) fn sign(&self, input: &[u8]) -> Result<(String, Vec<u8>), TokenError> {
        let ring = self.ring.read().unwrap_or_else(|e| e.into_inner());
        let key = ring.first().ok_or(TokenError::Encode)?;
        let signature = key
            .pair
            .sign(&SystemRandom::new(), input)
            .map_err(|_| TokenError::Encode)?;
        Ok((key.kid.clone(), signature.as_ref().to_vec()))
    }

    /// The current key's id.
    pub fn current_kid(&self) -> Option<String> {
        let ring = self.ring.read().unwrap_or_else(|e| e.into_inner());
        ring.first().map(|k| k.kid.clone())
    }

    /// The uncompressed public point of key `kid`, if it is one of ours.
    pub(crate) fn public_key(&self, kid: &str) -> Option<Vec<u8>> {
        let ring = self.ring.read().unwrap_or_else(|e| e.into_inner());
        ring.iter()
            .find(|k| k.kid == kid)
            .map(|k| k.pair.public_key().as_ref().to_vec())
    }

    /// The public keys as a JWKS (RFC 7517), current first: what
    /// `/cdn-cgi/access/certs` answers.
    pub fn jwks(&self) -> String {
        let ring = self.ring.read().unwrap_or_else(|e| e.into_inner());
        let keys: Vec<serde_json::Value> = ring
            .iter()
            .filter_map(|k| {
                let point = k.pair.public_key().as_ref();
                // 0x04 || x || y.
                let (x, y) = (point.get(1..33)?, point.get(33..65)?);
                Some(serde_json::json!({
                    "kty": "EC", "crv": "P-256", "x": b64url(x), "y": b64url(y),
                    "kid": k.kid, "alg": "ES256", "use": "sig",
                }))
            })
            .collect();
        serde_json::json!({ "keys": keys }).to_string()
    }
}

impl SessionKeysBuilder {
    /// Keeps the keys in `dir` (created 0700 if missing; keys written 0600) so that a
    /// restart keeps everyone's session.
    pub fn with_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.dir = Some(dir.into());
        self
    }

    /// How often a new signing key is made.
    pub fn with_rotation(mut self, rotation: Duration) -> Self {
        self.rotation = rotation;
        self
    }

    /// The longest session the keys sign (at most [`MAX_SESSION_DURATION`]).
    pub fn with_max_session(mut self, max: Duration) -> Self {
        self.max_session = max.min(MAX_SESSION_DURATION);
        self
    }

    /// Reads the directory's keys (or makes the first one), rotating if due.
    ///
    /// # Errors
    /// [`GateError::SessionKeys`] when the directory or a key in it cannot be read or
    /// written, or a key file is not a P-256 PKCS#8 key.
    pub fn build(self) -> Result<SessionKeys, GateError> {
        let now = certgate_x509::Timestamp::now().unix_seconds_u64();
        let ring = match &self.dir {
            Some(dir) => load_dir(dir)?,
            None => Vec::new(),
        };
        let keys = SessionKeys {
            ring: RwLock::new(ring),
            dir: self.dir,
            rotation: self.rotation,
            max_session: self.max_session,
        };
        keys.rotate_if_due(now)?;
        Ok(keys)
    }
}

fn file_name(created: u64, kid: &str) -> String {
    format!("{KEY_PREFIX}{created:012}-{kid}{KEY_SUFFIX}")
}

fn io_error(path: &Path, source: std::io::Error) -> GateError {
    GateError::SessionKeys {
        path: path.to_owned(),
        source,
    }
}

/// The keys in `dir`, newest first.
fn load_dir(dir: &Path) -> Result<Vec<SigningKey>, GateError> {
    std::fs::create_dir_all(dir).map_err(|e| io_error(dir, e))?;
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))
        .map_err(|e| io_error(dir, e))?;
    let mut keys = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(|e| io_error(dir, e))? {
        let entry = entry.map_err(|e| io_error(dir, e))?;
        let name = entry.file_name();
        let Some(created) = name
            .to_str()
            .and_then(|n| n.strip_prefix(KEY_PREFIX)?.strip_suffix(KEY_SUFFIX))
            .and_then(|n| n.split('-').next()?.parse::<u64>().ok())
        else {
            continue;
        };
        if keys.len() >= MAX_KEY_FILES {
            break;
        }
        let path = entry.path();
        let bad = || {
            io_error(
                &path,
                std::io::Error::new(
                    std::io::ErrorKind::InvalidData,
                    "not a P-256 PKCS#8 session key",
                ),
            )
        };
        if entry.metadata().map_err(|e| io_error(&path, e))?.len() > MAX_KEY_FILE_BYTES {
            return Err(bad());
        }
        let der = std::fs::read(&path).map_err(|e| io_error(&path, e))?;
        keys.push(SigningKey::from_pkcs8(&der, created).ok_or_else(bad)?);
    }
    keys.sort_by_key(|k| std::cmp::Reverse(k.created));
    Ok(keys)
}

/// A new key, written to `dir` (temp file 0600, then renamed) when there is one.
fn generate(dir: Option<&Path>, now: u64) -> Result<SigningKey, GateError> {
    let place = dir.unwrap_or(Path::new("(memory)"));
    let failed = |what: &str| {
        io_error(
            place,
            std::io::Error::other(format!("cannot make a session key: {what}")),
        )
    };
    let doc = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &SystemRandom::new())
        .map_err(|_| failed("key generation"))?;
    let key = SigningKey::from_pkcs8(doc.as_ref(), now).ok_or_else(|| failed("key parsing"))?;
    if let Some(dir) = dir {
        let path = dir.join(file_name(now, &key.kid));
        let temp = dir.join(format!(".{}.tmp", file_name(now, &key.kid)));
        let mut file = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&temp)
            .map_err(|e| io_error(&temp, e))?;
        file.write_all(doc.as_ref())
            .and_then(|()| file.sync_all())
            .map_err(|e| io_error(&temp, e))?;
        std::fs::rename(&temp, &path).map_err(|e| io_error(&path, e))?;
    }
    Ok(key)
}

/// Rotates `keys` when due, every [`ROTATION_CHECK_INTERVAL`], until aborted.
pub(crate) async fn rotate_on_schedule(keys: std::sync::Arc<SessionKeys>) {
    let mut tick = tokio::time::interval(ROTATION_CHECK_INTERVAL);
    loop {
        tick.tick().await;
        let now = certgate_x509::Timestamp::now().unix_seconds_u64();
        match keys.rotate_if_due(now) {
            Ok(true) => tracing::info!(
                kid = keys.current_kid().unwrap_or_default(),
                "session signing key rotated"
            ),
            Ok(false) => {}
            Err(e) => {
                tracing::error!(error = %e, "session key rotation failed: the current key signs")
            }
        }
    }
}
