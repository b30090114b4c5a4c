-- certgate-db schema 1 (PostgreSQL). Column names follow cfssl's certdb where they fit.
-- Serials and key ids are lower-case hex: a serial is its INTEGER's DER content octets
-- (signed: 00ff and ff differ), a key id its octets. Times are Unix seconds.
CREATE TABLE certificates (
  serial_number            TEXT    NOT NULL,
  authority_key_identifier TEXT    NOT NULL,
  ca_label                 TEXT,
  status                   TEXT    NOT NULL DEFAULT 'good' CHECK (status IN ('good', 'revoked')),
  reason                   BIGINT  NOT NULL DEFAULT 0,
  expiry                   BIGINT  NOT NULL,
  revoked_at               BIGINT,
  pem                      TEXT    NOT NULL,
  issued_at                BIGINT  NOT NULL,
  not_before               BIGINT  NOT NULL,
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
  crl_number               BIGINT  NOT NULL,
  this_update              BIGINT  NOT NULL
);

CREATE TABLE revocation_events (
  id                       BIGSERIAL PRIMARY KEY,
  authority_key_identifier TEXT    NOT NULL,
  serial_number            TEXT    NOT NULL,
  reason                   BIGINT  NOT NULL,
  revoked_at               BIGINT  NOT NULL
);
