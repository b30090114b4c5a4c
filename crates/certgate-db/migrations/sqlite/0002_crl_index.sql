-- certgate-db schema 2: the CRL query (one issuer's revoked serials, in serial order, with
-- reason and time) reads this one index, already in that order, instead of every row of
-- the issuer and a sort: a 1,000,000-entry CRL's rows in about a second, where the rows
-- (1.5 KiB each, most of it PEM) took many. It replaces the (issuer, status) index, a
-- prefix of it, so recording still maintains three indexes.
DROP INDEX certificates_issuer_status;
CREATE INDEX certificates_issuer_status ON certificates
  (authority_key_identifier, status, serial_number, reason, revoked_at);
