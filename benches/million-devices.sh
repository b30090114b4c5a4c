#!/usr/bin/env bash
# A million devices (issue 11, "Scale"): 1,000,000 device CSRs signed with a P-256 CA and
# recorded in SQLite, then in PostgreSQL; every certificate revoked; the 1M-entry CRL
# made from each database; database size per certificate and peak memory; and cfssl's
# `cfssl sign` into its SQLite certdb for comparison. Prints a table.
#
# Run by hand, not by CI (no test or CI script calls it):
#   benches/million-devices.sh [--work DIR] [--count N] [--cfssl N] [--backends "sqlite postgres"]
# About 13 minutes on the project's 2-core machine once release binaries are built
# (the first run also spends about 5 minutes making the CSRs, kept in the work dir).
# --work: where the CA, CSRs, databases and CRLs go (default target/million-devices);
# --count: how many devices (1,000,000); --cfssl: how many CSRs `cfssl sign` gets (1,000,
# extrapolated; 0 skips it). As root, the PostgreSQL server runs as user postgres.
# NICE (unset; e.g. NICE=-10 on a machine shared with builds, as root, under `setsid`):
# the bench, the PostgreSQL server and their scheduling autogroups run at that nice
# value, restored at exit (as benches/gate-vs-nginx.sh does; see its note).
# SQLITE_RUN_ARGS (unset): extra arguments of `million_devices run` on SQLite, e.g.
# "--sqlite-cache-mib 256 --wal-autocheckpoint 100000" (see `million_devices run --help`).
# See benches/README.md, "A million devices".
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"
work="" count=1000000 cfssl_n=1000 backends="sqlite postgres"
while [ $# -gt 0 ]; do
  case "$1" in
    --work) work=$2; shift 2 ;;
    --count) count=$2; shift 2 ;;
    --cfssl) cfssl_n=$2; shift 2 ;;
    --backends) backends=$2; shift 2 ;;
    *) echo "usage: $0 [--work DIR] [--count N] [--cfssl N] [--backends LIST]" >&2; exit 2 ;;
  esac
done
target=$(cargo metadata --format-version 1 --no-deps | python3 -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])')
work=${work:-$target/million-devices}
mkdir -p "$work"
work=$(cd "$work" && pwd)
started=$(date +%s)
say() { printf '\n==== %s (%ss)\n' "$*" "$(( $(date +%s) - started ))" >&2; }

prio=()
autogroup_nice=''
if [ -n "${NICE:-}" ]; then
  prio=(nice -n "$NICE")
  if [ -w /proc/self/autogroup ]; then
    autogroup_nice=$(awk '{print $3}' /proc/self/autogroup)
  fi
fi

say "release build (once)"
cargo build --release -p certgate-benches --bin million_devices
bin=$target/release/million_devices

if [ ! -f "$work/csrs.bin" ] || [ "$(cat "$work/csrs.count" 2>/dev/null)" != "$count" ]; then
  say "making $count device CSRs and the CA (not timed)"
  "${prio[@]}" "$bin" gen --work "$work" --count "$count"
  echo "$count" > "$work/csrs.count"
else
  say "reusing $count CSRs in $work"
fi

pg_root="" as_pg="" pg_bin=""
pg_stop() {
  if [ -n "$pg_root" ] && [ -f "$pg_root/data/postmaster.pid" ]; then
    $as_pg "$pg_bin/pg_ctl" -D "$pg_root/data" -m fast stop >/dev/null 2>&1 || true
  fi
  [ -z "$pg_root" ] || rm -rf "$pg_root"
}
# Raises this session's autogroup only after the build, so it does not crowd others'.
renice_group() { [ -z "$autogroup_nice" ] || echo "$1" > "/proc/${2:-self}/autogroup"; }
trap 'pg_stop; renice_group "$autogroup_nice"' EXIT
renice_group "${NICE:-0}"

# A private cluster as scripts/test starts one (trust on loopback, a free port), but with
# fsync on: the figures are for a database that survives a power cut.
pg_start() {
  pg_bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
  pg_root=$(mktemp -d)
  if [ "$(id -u)" = 0 ]; then
    as_pg="runuser -u postgres --"
    chmod 755 "$pg_root"
    chown postgres "$pg_root"
  fi
  local port
  port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  $as_pg "$pg_bin/initdb" -D "$pg_root/data" -A trust -U postgres >/dev/null
  $as_pg "$pg_bin/pg_ctl" -D "$pg_root/data" -l "$pg_root/log" -w \
    -o "-k $pg_root -c listen_addresses=127.0.0.1 -p $port" start >/dev/null
  psql -q -h 127.0.0.1 -p "$port" -U postgres -v ON_ERROR_STOP=1 \
    -c "CREATE ROLE certgate LOGIN PASSWORD 'certgate'" \
    -c "CREATE DATABASE certgate OWNER certgate"
  pg_url="postgres://certgate:certgate@127.0.0.1:$port/certgate"
  # The server may be a session (autogroup) of its own: give it the bench's priority.
  local pid
  pid=$(head -1 "$pg_root/data/postmaster.pid")
  renice_group "${NICE:-0}" "$pid" || true
  [ -z "${NICE:-}" ] || renice -n "$NICE" -g "$(ps -o pgid= "$pid")" >/dev/null || true
  psql "$pg_url" -tAc 'SHOW server_version' | sed 's/^/PostgreSQL /' >&2
}

for backend in $backends; do
  case "$backend" in
    sqlite)
      rm -f "$work/certs.db" "$work/certs.db-wal" "$work/certs.db-shm"
      url="sqlite://$work/certs.db" ;;
    postgres) pg_start; url=$pg_url ;;
    *) echo "unknown backend $backend" >&2; exit 2 ;;
  esac
  say "$backend: sign and record $count, revoke all, CRL"
  extra=()
  [ "$backend" != sqlite ] || read -r -a extra <<< "${SQLITE_RUN_ARGS:-}"
  "${prio[@]}" "$bin" run --work "$work" --db "$url" --count "$count" "${extra[@]}" | tee "$work/$backend.out"
  crl=$(awk '$2 == "crl_file" { print $3 }' "$work/$backend.out")
  # The CRL as OpenSSL reads it: signature against the CA, and the entry count.
  openssl crl -inform DER -in "$work/$crl" -CAfile "$work/ca.pem" -noout 2>&1 | tee "$work/$backend.crl-check" >&2
  grep -q '^verify OK' "$work/$backend.crl-check"
  if [ "$backend" = postgres ]; then pg_stop; pg_root=""; fi
done

cfssl_ms=""
if [ "$cfssl_n" -gt 0 ] && command -v cfssl >/dev/null; then
  say "cfssl sign: $cfssl_n CSRs into its SQLite certdb, one process each"
  c="$work/cfssl" && rm -rf "$c" && mkdir -p "$c/csr"
  python3 - "$work/csrs.bin" "$c/csr" "$cfssl_n" <<'EOF'
import base64, struct, sys
src, out, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
with open(src, "rb") as f:
    for i in range(n):
        (length,) = struct.unpack(">I", f.read(4))
        b64 = base64.encodebytes(f.read(length)).decode()
        with open(f"{out}/{i}.pem", "w") as o:
            o.write("-----BEGIN CERTIFICATE REQUEST-----\n" + b64 + "-----END CERTIFICATE REQUEST-----\n")
EOF
  # cfssl's certdb schema (its SQLite migration 001), as examples/tests/cli_db_cfssl.rs makes it.
  python3 -c "import sqlite3, sys; c = sqlite3.connect(sys.argv[1]); c.executescript('''CREATE TABLE certificates (
    serial_number blob NOT NULL, authority_key_identifier blob NOT NULL, ca_label blob,
    status blob NOT NULL, reason int, created_at timestamp, expiry timestamp,
    revoked_at timestamp, pem blob NOT NULL,
    PRIMARY KEY(serial_number, authority_key_identifier));'''); c.commit()" "$c/certdb.db"
  printf '{"driver":"sqlite3","data_source":"%s"}\n' "$c/certdb.db" > "$c/db-config.json"
  t0=$(date +%s%N)
  for ((i = 0; i < cfssl_n; i++)); do
    cfssl sign -ca "$work/ca.pem" -ca-key "$work/ca-key.pem" -config "$work/ca-config.json" \
      -profile client -db-config "$c/db-config.json" "$c/csr/$i.pem" >/dev/null 2>>"$c/stderr"
  done
  t1=$(date +%s%N)
  rows=$(python3 -c "import sqlite3, sys; print(sqlite3.connect(sys.argv[1]).execute('SELECT count(*) FROM certificates').fetchone()[0])" "$c/certdb.db")
  [ "$rows" = "$cfssl_n" ] || { echo "cfssl recorded $rows of $cfssl_n" >&2; exit 1; }
  cfssl_ms=$(( (t1 - t0) / 1000000 ))
  cfssl_bytes=$(stat -c %s "$c/certdb.db")
fi

say "done"
python3 - "$work" "$count" "$backends" "${cfssl_n}" "${cfssl_ms}" "${cfssl_bytes:-}" <<'EOF'
import sys
work, count, backends, cfssl_n, cfssl_ms, cfssl_bytes = sys.argv[1:7]
count = int(count)
res = {}
for b in backends.split():
    d = {}
    for line in open(f"{work}/{b}.out"):
        parts = line.split()
        if len(parts) == 3 and parts[0] == "RESULT":
            d[parts[1]] = parts[2]
    res[b] = d
rows = [
    ("sign + record (s)", "sign_record_s", "<= 150 SQLite, <= 200 PostgreSQL"),
    ("  certificates/s", "sign_record_per_s", ""),
    ("revoke, one call each (/s)", "revoke_single_per_s", ""),
    ("revoke_batch, 5,000 a call (/s)", "revoke_batch_per_s", ">= 5,000"),
    ("CRL: query (s)", "crl_query_s", ""),
    ("CRL: build and sign (s)", "crl_build_s", ""),
    ("CRL: total (s)", "crl_total_s", "<= 3"),
    ("CRL size (MiB)", "crl_mib", ""),
    ("database bytes per certificate", "db_bytes_per_cert", ""),
    ("peak memory, VmHWM (MiB)", "vmhwm_mib", ""),
]
bs = backends.split()
print(f"\n{count:,} devices")
print("| | " + " | ".join(bs) + " | target |")
print("|---|" + "---|" * len(bs) + "---|")
for label, key, target in rows:
    print(f"| {label} | " + " | ".join(res[b].get(key, "-") for b in bs) + f" | {target} |")
if cfssl_ms:
    n, ms = int(cfssl_n), int(cfssl_ms)
    print(f"\ncfssl sign, {n} CSRs one process each into its SQLite certdb: {ms / 1000:.1f} s "
          f"({n * 1000 / ms:.0f}/s; {count:,} extrapolated: {ms / n * count / 1000:.0f} s), "
          f"{int(cfssl_bytes) // n} bytes per certificate")
EOF
