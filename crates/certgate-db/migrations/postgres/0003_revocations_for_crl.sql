-- certgate-db schema 3: the CRL query reads the revocation log (`revocation_events`,
-- narrow and in insertion order) instead of the certificates table (1.5 KiB rows).
-- Every path that revokes a certificate writes its event in the same transaction, and
-- only when the row goes from good to revoked; nothing makes a revoked certificate good
-- again or deletes one. So the log holds each revoked certificate once, with the
-- certificate's reason and time: the CRL's set.
--
-- Why not the index of schema 2: right after a mass revocation (a million UPDATEs) the
-- visibility map is empty until a VACUUM, so an "index-only" scan fetched every row from
-- the wide heap, in serial (random) order. The log's heap is narrow and in id order, so
-- the scan below reads it front to back.
--
-- Backfill: a revoked certificate without an event (a database written outside
-- certgate-db) gets one now, in revocation-time order, so the CRL stays complete. A row
-- without a revocation time gets -1, which the CRL query refuses as corrupt, as it did.
-- Followers of the log (`revocations_since`) see these as new revocations.
INSERT INTO revocation_events (authority_key_identifier, serial_number, reason, revoked_at)
  SELECT c.authority_key_identifier, c.serial_number, c.reason, coalesce(c.revoked_at, -1)
  FROM certificates AS c
  WHERE c.status = 'revoked' AND NOT EXISTS (
    SELECT 1 FROM revocation_events AS e
    WHERE e.authority_key_identifier = c.authority_key_identifier
      AND e.serial_number = c.serial_number)
  ORDER BY c.revoked_at, c.serial_number;
-- One issuer's events in log order; new events go at the end of their issuer's range.
CREATE INDEX revocation_events_issuer ON revocation_events (authority_key_identifier, id);
-- Schema 2's index of revoked certificates served only the old CRL query; dropping it
-- saves a random-page write per revocation.
DROP INDEX certificates_revoked;
