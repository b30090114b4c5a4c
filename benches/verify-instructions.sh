#!/usr/bin/env bash
# Instructions per client-certificate verification, certgate's ClientVerifier beside rustls'
# WebPkiClientVerifier: benches/README.md, "Instructions per verification". Run by hand
# (about 2 minutes per row); no test runs it.
#
#   benches/verify-instructions.sh [SHAPE ...]
#
# Runs the criterion bench `verify` (benches/benches/verify.rs, same chains, CRLs and
# verifiers) under valgrind's callgrind, counting only inside the two verifiers'
# `verify_client_cert`, for each chain shape and CRL size, both verifiers in the same
# process; prints the instructions per call of each and their ratio. Wall-clock timings
# on a shared machine move by 10% from one run to the next; these counts do not, so they
# show what certgate adds to webpki's work (both check the same signatures with the
# same aws-lc-rs code). Instructions are not time: signature arithmetic runs at a higher
# rate per cycle than parsing, so the ratio of times can be a little higher.
#
# Settings (environment): SIZES [0 100000] (CRL entries; 0 means no CRL).
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
shapes=("$@")
[ ${#shapes[@]} -gt 0 ] || shapes=(p256-leaf-root p256-leaf-int-root rsa2048-leaf-rsa4096-root)
read -r -a sizes <<<"${SIZES:-0 100000}"

command -v valgrind >/dev/null || { apt-get update -qq && apt-get install -y -qq valgrind >/dev/null; }
echo "building the verify bench (once)" >&2
bench=$(cargo bench -p certgate-benches --bench verify --no-run --message-format=json 2>/dev/null |
    python3 -c 'import json, sys
for line in sys.stdin:
    m = json.loads(line)
    if m.get("reason") == "compiler-artifact" and m["target"]["name"] == "verify" and m.get("executable"):
        print(m["executable"])')
[ -x "$bench" ] || { echo "the verify bench did not build" >&2; exit 1; }
work=$(mktemp -d "${TMPDIR:-/tmp}/verifycount.XXXXXX")
trap 'rm -rf "$work"' EXIT

echo "| shape | CRL entries | certgate instructions | webpki instructions | certgate / webpki |"
echo "|---|---|---|---|---|"
for shape in "${shapes[@]}"; do
    for size in "${sizes[@]}"; do
        out=$work/$shape-$size.out
        valgrind --tool=callgrind --callgrind-out-file="$out" --toggle-collect='*verify_client_cert*' \
            "$bench" --bench "^verify/$shape/(certgate|webpki)/crl-$size\$" --profile-time 1 \
            >"$work/log" 2>&1 || { tail -20 "$work/log" >&2; exit 1; }
        # The inclusive cost of each verifier's verify_client_cert, and how often the
        # bench loop called it (the count on the caller's edge).
        callgrind_annotate --tree=caller --inclusive=yes "$out" 2>/dev/null | python3 -c '
import re, sys
shape, size = sys.argv[1], sys.argv[2]
calls, cost = {}, {}
pending = None
for line in sys.stdin:
    m = re.match(r"\s*([\d,]+) .*<.*Bencher<M>::iter \(([\d,]+)x\)", line)
    if m:
        pending = int(m.group(2).replace(",", ""))
        continue
    m = re.match(r"\s*([\d,]+) .*\*\s+.*<(\S+) as rustls::verify::ClientCertVerifier>::verify_client_cert", line)
    if m and pending:
        who = "certgate" if "certgate_verify" in m.group(2) else "webpki"
        cost[who] = int(m.group(1).replace(",", ""))
        calls[who] = pending
    pending = None
per = {w: cost[w] / calls[w] for w in cost}
if len(per) != 2:
    sys.exit(f"{shape} {size}: found {sorted(per)} in the profile")
entries = "none" if size == "0" else f"{int(size):,}"
ours, theirs = per["certgate"], per["webpki"]
print(f"| {shape} | {entries} | {ours:,.0f} | {theirs:,.0f} | {ours / theirs:.3f}× |")
' "$shape" "$size"
    done
done
