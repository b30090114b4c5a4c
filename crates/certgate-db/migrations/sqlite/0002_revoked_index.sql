-- certgate-db schema 2: the CRL query (one issuer's revoked serials in serial order, with
-- reason and time) reads this index alone, already in that order, instead of every row
-- of the issuer (1.5 KiB each, most of it PEM) and a sort. Partial: it holds revoked
-- certificates only, so recording a new (good) certificate does not touch it; a random
-- serial in a second full index doubled what recording a million wrote to disk. `status`
-- is in it (always 'revoked') because SQLite reads an index alone only when it holds
-- every column the query names.
CREATE INDEX certificates_revoked ON certificates
  (authority_key_identifier, serial_number, reason, revoked_at, status) WHERE status = 'revoked';
