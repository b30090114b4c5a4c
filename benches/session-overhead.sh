#!/usr/bin/env bash
# What a session costs the gate per request on a keep-alive connection: benches/README.md,
# "Sessions on a keep-alive connection (issue 12)". Run by hand (a few minutes with the
# defaults, on both cores); no test runs it.
#
#   benches/session-overhead.sh [WORKDIR]
#
# Builds the release certgate-gate, session_setup and tls_load once; writes the PKI, a gate
# configuration with two applications on one host — `/cert` lets the device's certificate
# in, `/both` wants the certificate and a signed-in email — and a session for the device
# on `/both`, bound to its certificate, signed with the gate's own session keys
# (session_setup). Starts the origin (nginx answering "ok", pinned to LOAD_CPU) and the
# gate (one tokio worker, pinned to SERVER_CPU), checks that `/both` refuses the device
# without the cookie and lets it in with it, then, ROUNDS times, alternating which goes
# first, drives keep-alive load (KEEP_CONNS connections, tls_load pinned to LOAD_CPU) at
# `/cert` and at `/both` with the cookie. Per run: requests per second and the gate's CPU
# time in the counted window (/proc/PID/stat, as gate-vs-nginx.sh), so server CPU µs per
# request; with `perf stat` working, the gate's instructions per request too. Prints
# every run, then the difference `/both` − `/cert` per round and its median and range;
# with `perf record` working, one more profiled run each way and the CPU per request
# spent in the session's own code (the share of the gate's samples in it).
#
# With COUNT=instructions the gate runs under valgrind's callgrind instead, and each run
# reports the user-space instructions the gate executed per request it served (zeroed
# before the run, dumped after it; requests from the gate's own request counter on its
# metrics endpoint): a count that the machine's other work does not move, where the CPU
# time above drowns a few microseconds in noise. Two runs each way, alternating; the
# handshakes and each connection's first request fall in a warm-up of CG_WARMUP [8]
# seconds before the counters are zeroed.
#
# Settings (environment, defaults in brackets): ROUNDS [3], DURATION [10] seconds counted
# per run, WARMUP [2], KEEP_CONNS [32], SERVER_CPU [0], LOAD_CPU [1], ORIGIN_PORT [18090],
# GATE_PORT [18453], METRICS_PORT [18464], COUNT [cpu; or instructions].
set -euo pipefail

ROUNDS=${ROUNDS:-3}
DURATION=${DURATION:-10}
WARMUP=${WARMUP:-2}
KEEP_CONNS=${KEEP_CONNS:-32}
SERVER_CPU=${SERVER_CPU:-0}
LOAD_CPU=${LOAD_CPU:-1}
ORIGIN_PORT=${ORIGIN_PORT:-18090}
GATE_PORT=${GATE_PORT:-18453}
METRICS_PORT=${METRICS_PORT:-18464}
COUNT=${COUNT:-cpu}

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

# shellcheck source=benches/common.sh
. "$root/benches/common.sh"
ports_free "$ORIGIN_PORT" "$GATE_PORT"

echo "building release binaries (once)" >&2
cargo build --release --quiet -p certgate-examples --bin certgate-gate
cargo build --release --quiet -p certgate-benches --bin session_setup --bin tls_load
bin=${CARGO_TARGET_DIR:-$root/target}/release

work=${1:-$(mktemp -d "${TMPDIR:-/tmp}/sessionbench.XXXXXX")}
mkdir -p "$work"
chmod 0755 "$work"
clk_tck=$(getconf CLK_TCK)
results=$work/results.txt
: >"$results"

echo "writing the PKI, the configuration and the session in $work" >&2
"$bin/session_setup" "$work" "$ORIGIN_PORT" "$GATE_PORT"
cookie=$(cat "$work/session-cookie.txt")

taskset -c "$LOAD_CPU" "$nginx_bin" -p "$work" -c "$work/nginx-origin.conf" \
    -e "$work/nginx-origin-error.log" &
started+=($!)
wait_port "$ORIGIN_PORT"

under=()
if [ "$COUNT" = instructions ]; then
    command -v valgrind >/dev/null || { apt-get update -qq && apt-get install -y -qq valgrind >/dev/null; }
    under=(valgrind --tool=callgrind --callgrind-out-file="$work/callgrind.out")
    if grep -q '^metrics = ' "$work/gate-session.toml"; then
        sed -i "s/^metrics = .*/metrics = \"127.0.0.1:$METRICS_PORT\"/" "$work/gate-session.toml"
    else
        sed -i "s/^\[server\]\$/[server]\nmetrics = \"127.0.0.1:$METRICS_PORT\"/" "$work/gate-session.toml"
    fi
    rm -f "$work"/callgrind.out*
fi
CERTGATE_LOG=warn TOKIO_WORKER_THREADS=1 taskset -c "$SERVER_CPU" \
    "${under[@]}" "$bin/certgate-gate" "$work/gate-session.toml" >"$work/gate.out" 2>"$work/gate.err" &
gate_pid=$!
started+=("$gate_pid")

client=(--addr "127.0.0.1:$GATE_PORT" --ca "$work/root/ca.pem" --cert "$work/bench/bench.pem"
    --key "$work/bench/bench-key.pem")
load() { taskset -c "$LOAD_CPU" "$bin/tls_load" "${client[@]}" "$@"; }

load --mode probe --wait 60 --path /cert >/dev/null
load --mode refused --path /both >/dev/null 2>&1 ||
    { echo "/both let the device in without a session" >&2; exit 1; }
load --mode probe --wait 5 --path /both --header "$cookie" >/dev/null ||
    { echo "/both refused the session: $(cat "$work/gate.err")" >&2; exit 1; }
echo "checked: /cert lets the device in; /both only with its session" >&2

if [ "$COUNT" = instructions ]; then
    served() {
        curl -sf "http://127.0.0.1:$METRICS_PORT/metrics" |
            awk '/^certgate_gate_request_duration_seconds_count/ { s += $NF } END { printf "%d", s }'
    }
    echo "machine: $(nproc) cores; the gate under callgrind (instructions are user space only)" | tee -a "$results" >&2
    # The handshakes and each connection's first request (where a session's signature
    # is checked, once per connection) fall in the warm-up, before the counters are
    # zeroed: what is counted is the steady state of a keep-alive connection.
    cg_warmup=${CG_WARMUP:-8}
    for kind in cert both both cert; do
        if [ "$kind" = cert ]; then extra=(); else extra=(--header "$cookie"); fi
        load --mode keepalive --path "/$kind" "${extra[@]}" --connections "$KEEP_CONNS" \
            --warmup "$cg_warmup" --duration "$DURATION" >/dev/null &
        load_pid=$!
        sleep "$cg_warmup"
        before=$(served)
        callgrind_control -z "$gate_pid" >/dev/null
        wait "$load_pid"
        callgrind_control -d "$kind" "$gate_pid" >/dev/null
        after=$(served)
        dump=$(ls -t "$work"/callgrind.out* | head -1)
        instr=$(awk '/^(summary|totals):/ { print $2; exit }' "$dump")
        echo "$kind requests=$((after - before)) instructions=$instr" |
            awk '{ split($2, r, "="); split($3, i, "="); printf "%s instructions_per_request=%.0f\n", $0, i[2] / r[2] }' |
            tee -a "$results" >&2
    done
    awk '$1 == "cert" || $1 == "both" { split($NF, kv, "="); sum[$1] += kv[2]; n[$1]++ }
        END { c = sum["cert"] / n["cert"]; b = sum["both"] / n["both"]
              printf "\ninstructions per request: /cert %.0f, /both %.0f, difference %+.0f (%+.1f%%)\n", c, b, b - c, 100 * (b - c) / c }' "$results"
    echo "raw lines: $results"
    exit 0
fi

perf_ok=no
if command -v perf >/dev/null &&
    perf stat -x, -e instructions -- true 2>&1 >/dev/null | grep -q '^[0-9]'; then
    perf_ok=yes
fi

run() { # KIND PATH [--header ...]: one keep-alive run, one line in results.txt
    local kind=$1 path=$2 line perf_out=$work/perf-$1.csv perf_pid='' instr=''
    shift 2
    if [ $perf_ok = yes ]; then
        (sleep "$WARMUP" && perf stat -x, -e instructions -p "$gate_pid" -o "$perf_out" \
            -- sleep "$DURATION") &
        perf_pid=$!
    fi
    line=$(load --mode keepalive --path "$path" "$@" --connections "$KEEP_CONNS" \
        --warmup "$WARMUP" --duration "$DURATION" --server-pids "$gate_pid" --clk-tck "$clk_tck")
    if [ -n "$perf_pid" ]; then
        wait "$perf_pid" || true
        instr=$(awk -F, '/instructions/ {print $1}' "$perf_out")
    fi
    awk -v kind="$kind" -v instr="$instr" '{
        for (i = 1; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
        us = (v["requests"] > 0) ? v["server_cpu_s"] * 1e6 / v["requests"] : 0
        user = (v["requests"] > 0) ? v["server_user_s"] * 1e6 / v["requests"] : 0
        ipr = (instr != "" && v["requests"] > 0) ? sprintf(" instructions_per_request=%.0f", instr / v["requests"]) : ""
        printf "%s rps=%s requests=%s errors=%s server_cpu_s=%s server_us_per_request=%.2f server_user_us_per_request=%.2f p99_ms=%s%s\n",
            kind, v["rps"], v["requests"], v["errors"], v["server_cpu_s"], us, user, v["p99_ms"], ipr
    }' <<<"$line"
}

echo "machine: $(nproc) cores, $(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -1)," \
    "load average at start $(cut -d' ' -f1-3 /proc/loadavg), perf stat: $perf_ok" | tee -a "$results" >&2
for round in $(seq "$ROUNDS"); do
    if ((round % 2)); then order="cert both"; else order="both cert"; fi
    for kind in $order; do
        if [ "$kind" = cert ]; then
            out=$(run cert /cert)
        else
            out=$(run both /both --header "$cookie")
        fi
        echo "round=$round $out" | tee -a "$results" >&2
    done
done
# A sampling profile of one more run each way (perf's software clock works where the
# hardware counters do not, as in most VMs): the share of the gate's samples in the
# session's own code — the cookie, the cache (SHA-256 of the token), the claims, the
# identity headers — times that run's CPU per request. Unlike the difference above, this
# does not drown in what the machine's other work does to each run.
session_symbols='session::|sha2::sha256|base64::engine'
if command -v perf >/dev/null && perf record -e cpu-clock -o "$work/probe.data" -- true >/dev/null 2>&1; then
    for kind in cert both; do
        data=$work/profile-$kind.data
        perf record -e cpu-clock -F 4000 -p "$gate_pid" -o "$data" -- sleep "$((WARMUP + DURATION))" \
            >/dev/null 2>&1 &
        perf_pid=$!
        if [ "$kind" = cert ]; then out=$(run cert /cert); else out=$(run both /both --header "$cookie"); fi
        wait "$perf_pid" || true
        share=$(perf report -i "$data" --no-children --sort symbol --stdio 2>/dev/null |
            grep -E "$session_symbols" | awk '{ s += $1 } END { printf "%.2f", s }')
        echo "profile $out session_code_share_pct=$share" | tee -a "$results" >&2
    done
fi
echo "load average at the end $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$results" >&2
if grep -q 'session refused' "$work/gate.err"; then
    echo "the gate refused the session during the runs: see $work/gate.err" >&2
    exit 1
fi

echo
echo "| round | /cert µs/req | /both µs/req | difference µs/req | /cert req/s | /both req/s |"
echo "|---|---|---|---|---|---|"
awk '
    /^round=/ {
        for (i = 1; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
        r = v["round"]; k = $2
        us[r, k] = v["server_us_per_request"]; rps[r, k] = v["rps"]; rounds[r] = 1
        if (v["instructions_per_request"] != "") ipr[r, k] = v["instructions_per_request"]
    }
    END {
        n = 0
        for (r = 1; (r in rounds); r++) {
            d = us[r, "both"] - us[r, "cert"]
            printf "| %s | %.2f | %.2f | %+.2f | %s | %s |\n", r, us[r, "cert"], us[r, "both"], d, rps[r, "cert"], rps[r, "both"]
            if (((r, "both") in ipr) && ((r, "cert") in ipr))
                printf "| | %s instr/req | %s instr/req | %+d instr/req | | |\n", ipr[r, "cert"], ipr[r, "both"], ipr[r, "both"] - ipr[r, "cert"]
            # Insertion sort (mawk has no asort).
            for (j = ++n; j > 1 && diffs[j - 1] > d; j--) diffs[j] = diffs[j - 1]
            diffs[j] = d
        }
        if (n == 0) exit
        m = (n % 2) ? diffs[(n + 1) / 2] : (diffs[n / 2] + diffs[n / 2 + 1]) / 2
        printf "\ndifference /both - /cert, server CPU per request: median %+.2f µs, range %+.2f to %+.2f µs (%d rounds)\n", m, diffs[1], diffs[n], n
    }' "$results"
awk '/^profile / {
        for (i = 1; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
        printf "profiled /%s: %.2f µs/req, %.2f%% of samples in the session code = %.2f µs/req\n",
            $2, v["server_us_per_request"], v["session_code_share_pct"],
            v["server_us_per_request"] * v["session_code_share_pct"] / 100
        us[$2] = v["server_us_per_request"] * v["session_code_share_pct"] / 100
    }
    END { if (("cert" in us) && ("both" in us)) printf "session code, /both - /cert: %+.2f µs/req\n", us["both"] - us["cert"] }' "$results"
echo
echo "raw lines: $results"
