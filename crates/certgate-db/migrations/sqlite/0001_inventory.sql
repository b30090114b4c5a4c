-- certgate-db schema 1 (SQLite). Column names follow cfssl's certdb where they fit.
-- Serials and key ids are lower-case hex: a serial is its INTEGER's DER content octets
-- (signed: 00ff and ff differ), a key id its octets. Times are Unix seconds.
CREATE TABLE certificates (
  serial_number            TEXT    NOT NULL,
  authority_key_identifier TEXT    NOT NULL,
  ca_label                 TEXT,
  status                   TEXT    NOT NULL DEFAULT 'good' CHECK (status IN ('good', 'revoked')),
  reason                   INTEGER NOT NULL DEFAULT 0,
  expiry                   INTEGER NOT NULL,
  revoked_at               INTEGER,
  pem                      TEXT    NOT NULL,
  issued_at                INTEGER NOT NULL,
  not_before               INTEGER NOT NULL,
  metadata                 TEXT,
  sans                     TEXT    NOT NULL,
  common_name              TEXT,
  subject                  TEXT    NOT NULL,
  sha256                   TEXT    NOT NULL,
  profile                  TEXT,
  PRIMARY KEY (serial_number, authority_key_identifier)
);
CREATE INDEX certificates_issuer_status ON certificates (authority_key_identifier, status);
CREATE INDEX certificates_expiry ON certificates (expiry);

CREATE TABLE crl_state (
  authority_key_identifier TEXT    NOT NULL PRIMARY KEY,
  crl_number               INTEGER NOT NULL,
  this_update              INTEGER NOT NULL
);

CREATE TABLE revocation_events (
  id                       INTEGER PRIMARY KEY AUTOINCREMENT,
  authority_key_identifier TEXT    NOT NULL,
  serial_number            TEXT    NOT NULL,
  reason                   INTEGER NOT NULL,
  revoked_at               INTEGER NOT NULL
);
