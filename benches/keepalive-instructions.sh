#!/usr/bin/env bash
# The gate and nginx on kept connections, in instructions: benches/README.md, "The gate
# beside nginx", "In instructions". Run by hand after benches/gate-vs-nginx.sh (it reuses
# that run's work directory: PKI, configurations, the origin's configuration); no test runs it.
#
#   benches/keepalive-instructions.sh WORKDIR
#
# Starts the origin (nginx answering "ok"), then each server in turn under valgrind's
# callgrind, pinned to SERVER_CPU (nginx as one process, `master_process off`; the gate with
# one tokio worker), both with no CRL; drives each with tls_load's keep-alive load (32
# connections, pinned to LOAD_CPU) for a warm-up of WARMUP seconds, zeroes the counters,
# lets DURATION seconds run, dumps them, and prints the user-space instructions the server
# executed per request counted, twice per server. User space only: the system calls (4
# per request for the gate, 6 for nginx, from `strace -c` in the README) are not in it.
#
# Settings (environment, defaults in brackets): WARMUP [8], DURATION [10], SERVER_CPU [0],
# LOAD_CPU [1]; ports as gate-vs-nginx.sh's: ORIGIN_PORT [18080], GATE_PORT [18443],
# NGINX_PORT [18444].
set -euo pipefail

work=${1:?usage: benches/keepalive-instructions.sh WORKDIR (of a gate-vs-nginx.sh run)}
work=$(cd "$work" && pwd)
root=$(cd "$(dirname "$0")/.." && pwd)
WARMUP=${WARMUP:-8}
DURATION=${DURATION:-10}
SERVER_CPU=${SERVER_CPU:-0}
LOAD_CPU=${LOAD_CPU:-1}
GATE_PORT=${GATE_PORT:-18443}
NGINX_PORT=${NGINX_PORT:-18444}
bin=${CARGO_TARGET_DIR:-$root/target}/release
for f in "$work/nginx-origin.conf" "$work/nginx-none.conf" "$work/gate-none.toml" "$bin/tls_load" "$bin/certgate-gate"; do
    [ -e "$f" ] || { echo "$f is missing: run benches/gate-vs-nginx.sh $work first" >&2; exit 1; }
done
command -v valgrind >/dev/null || { apt-get update -qq && apt-get install -y -qq valgrind >/dev/null; }
# shellcheck source=benches/common.sh
. "$root/benches/common.sh"
out=$(mktemp -d "${TMPDIR:-/tmp}/kacount.XXXXXX")
on_exit() { rm -rf "$out"; }

client=(--ca "$work/root/ca.pem" --cert "$work/bench/bench.pem" --key "$work/bench/bench-key.pem")
taskset -c "$LOAD_CPU" "$nginx_bin" -p "$work" -c "$work/nginx-origin.conf" -e "$out/origin-error.log" &
started+=($!)

measure() { # NAME PORT PID
    local name=$1 port=$2 pid=$3 round lp requests ir
    taskset -c "$LOAD_CPU" "$bin/tls_load" --mode probe --addr "127.0.0.1:$port" --wait 120 "${client[@]}" >/dev/null
    for round in 1 2; do
        taskset -c "$LOAD_CPU" "$bin/tls_load" --mode keepalive --addr "127.0.0.1:$port" "${client[@]}" \
            --connections 32 --warmup "$WARMUP" --duration "$DURATION" >"$out/$name-$round.load" &
        lp=$!
        sleep "$WARMUP"
        callgrind_control -z "$pid" >/dev/null
        sleep "$DURATION"
        callgrind_control -d "$name-$round" "$pid" >/dev/null
        wait "$lp"
        requests=$(grep -o 'requests=[0-9]*' "$out/$name-$round.load" | cut -d= -f2)
        ir=$(awk '/^(summary|totals):/ { print $2; exit }' "$(ls -t "$out/$name.out".* | head -1)")
        echo "$name round=$round requests=$requests instructions=$ir per_request=$((ir / requests))"
    done
}

taskset -c "$SERVER_CPU" valgrind --tool=callgrind --callgrind-out-file="$out/nginx.out" \
    "$nginx_bin" -p "$work" -c "$work/nginx-none.conf" -g "master_process off;" \
    -e "$out/nginx-error.log" >"$out/nginx.valgrind" 2>&1 &
nginx_pid=$!
started+=("$nginx_pid")
measure nginx "$NGINX_PORT" "$nginx_pid"
kill "$nginx_pid"

CERTGATE_LOG=warn TOKIO_WORKER_THREADS=1 taskset -c "$SERVER_CPU" valgrind --tool=callgrind \
    --callgrind-out-file="$out/gate.out" "$bin/certgate-gate" "$work/gate-none.toml" \
    >"$out/gate.valgrind" 2>&1 &
gate_pid=$!
started+=("$gate_pid")
measure gate "$GATE_PORT" "$gate_pid"
