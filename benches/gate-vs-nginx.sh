#!/usr/bin/env bash
# The gate beside nginx under the same load: benches/README.md, "The gate beside nginx".
# Run by hand (about twenty minutes with the defaults, on both cores); no test runs it.
#
#   benches/gate-vs-nginx.sh [WORKDIR]        run everything, print the tables
#   benches/gate-vs-nginx.sh --report FILE    print the tables of an earlier run's results.txt
#
# Builds the release certgate-gate, gate_setup and tls_load once; writes the PKI, the CRLs
# (none, 0, 100k and 1M random serials), the gate's and nginx's configurations with
# gate_setup; starts the origin (nginx answering "ok"); then, ROUNDS times, for each CRL
# and each server: starts it pinned to SERVER_CPU (the gate with one tokio worker), checks
# it once with a verifying client (and that a device the CRL lists is refused), and
# drives it with tls_load pinned to LOAD_CPU: (a) a new connection per request, (b)
# keep-alive requests; with no CRL also memory per idle connection (IDLE held open,
# VmRSS before and after). Prints the tables (medians over the rounds), ratios gate / nginx.
#
# Settings (environment, defaults in brackets): ROUNDS [3], DURATION [10] seconds counted
# per run, WARMUP [2], NEW_CONNS [16] concurrent clients for (a), KEEP_CONNS [32] for (b),
# IDLE [1000], CRLS ["none 0 100k 1m"], SERVERS ["gate nginx"], SERVER_CPU [0], LOAD_CPU
# [1], GATE_WORKERS [1: the gate's `server.workers`, one thread on tokio's single-threaded
# runtime, as nginx has one worker process; "multi": the multi-threaded runtime with one
# worker], ORIGIN_PORT [18080], GATE_PORT [18443], NGINX_PORT [18444] (below Linux's ephemeral
# range: the load's own client ports would otherwise take a server's port now and then),
# NICE [unset: when set, e.g. -10 on a machine shared with builds, the servers and the
# load generator run under `nice -n NICE`, and so does the script's scheduling autogroup,
# restored at exit: where the kernel groups tasks by session (sched_autogroup_enabled), a
# process's own nice counts only inside its session, and other sessions' builds would
# take half of each core whatever it says; run the script under `setsid` then].
set -euo pipefail

ROUNDS=${ROUNDS:-3}
DURATION=${DURATION:-10}
WARMUP=${WARMUP:-2}
NEW_CONNS=${NEW_CONNS:-16}
KEEP_CONNS=${KEEP_CONNS:-32}
IDLE=${IDLE:-1000}
CRLS=${CRLS:-"none 0 100k 1m"}
SERVERS=${SERVERS:-"gate nginx"}
SERVER_CPU=${SERVER_CPU:-0}
LOAD_CPU=${LOAD_CPU:-1}
ORIGIN_PORT=${ORIGIN_PORT:-18080}
GATE_PORT=${GATE_PORT:-18443}
NGINX_PORT=${NGINX_PORT:-18444}
GATE_WORKERS=${GATE_WORKERS:-1}

# --- the tables, from a results file --------------------------------------------------
declare -A R # SERVER/CRL/KIND/KEY -> the values of every round, space-separated

read_results() { # FILE
    local server crl kind rest kv
    while read -r server crl kind rest; do
        case $server in gate | nginx) ;; settings)
            for kv in $crl $kind $rest; do R[settings/${kv%%=*}]=${kv#*=}; done
            continue
            ;;
        *) continue ;; esac
        for kv in $rest; do
            case $kv in *=*) R[$server/$crl/$kind/${kv%%=*}]+="${kv#*=} " ;; esac
        done
    done <"$1"
}

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b + 0 > 0 && a != "") printf "%.2f×", a / b; else print "—" }'; }
median() { # VALUES...
    printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END {
        if (NR == 0) exit
        m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
        printf (m >= 100 ? "%.0f\n" : m >= 1 ? "%.1f\n" : "%.2f\n"), m }'
}
get() { # KEY: the median over the rounds
    local values=${R[$1]:-}
    [ -n "$values" ] || return 0
    # shellcheck disable=SC2086 # one word per value
    median $values
}
spread() { # KEY: "median (lowest–highest)" over the rounds
    local values=${R[$1]:-} sorted
    [ -n "$values" ] || return 0
    # shellcheck disable=SC2086
    sorted=$(printf '%s\n' $values | sort -g)
    if [ "$(wc -l <<<"$sorted")" -gt 1 ]; then
        echo "$(get "$1") ($(median "$(head -1 <<<"$sorted")")–$(median "$(tail -1 <<<"$sorted")"))"
    else
        get "$1"
    fi
}
sum() { printf '%s\n' ${R[$1]:-0} | awk '{ t += $1 } END { print t }'; }
mib() { awk -v v="$1" 'BEGIN { if (v != "") printf "%.1f", v / 1024 }'; }

report() { # FILE
    read_results "$1"
    local crls=${R[settings/crls]//,/ } rounds=${R[settings/rounds]:-?} kind g n crl want
    for kind in new keepalive; do
        echo
        if [ $kind = new ]; then
            echo "(a) a new connection per request, ${R[settings/new_conns]:-?} clients," \
                "${R[settings/duration]:-?} s counted, medians of $rounds rounds"
        else
            echo "(b) keep-alive, ${R[settings/keep_conns]:-?} connections," \
                "${R[settings/duration]:-?} s counted, medians of $rounds rounds"
        fi
        echo "| CRL | gate req/s | nginx req/s | gate / nginx | gate p99 | nginx p99 |" \
            "gate req/s per server core | nginx req/s per server core | gate / nginx per core |" \
            "server CPU share gate / nginx | errors gate / nginx |"
        echo "|---|---|---|---|---|---|---|---|---|---|---|"
        for crl in $crls; do
            g=gate/$crl/$kind n=nginx/$crl/$kind
            echo "| $crl | $(get $g/rps) | $(get $n/rps) | $(ratio "$(get $g/rps)" "$(get $n/rps)") |" \
                "$(get $g/p99_ms) ms | $(get $n/p99_ms) ms | $(spread $g/rps_per_server_core) |" \
                "$(spread $n/rps_per_server_core) |" \
                "$(ratio "$(get $g/rps_per_server_core)" "$(get $n/rps_per_server_core)") |" \
                "$(get $g/server_cpu_share) / $(get $n/server_cpu_share) |" \
                "$(sum $g/errors) / $(sum $n/errors) |"
        done
    done

    echo
    echo "memory (medians of $rounds rounds)"
    echo "| | gate | nginx | gate / nginx |"
    echo "|---|---|---|---|"
    for crl in $crls; do
        g=$(get gate/$crl/start/pss_kb) n=$(get nginx/$crl/start/pss_kb)
        echo "| PSS after start, CRL $crl (MiB) | $(mib "$g") | $(mib "$n") | $(ratio "$g" "$n") |"
    done
    g=$(get gate/none/idle/per_conn_kib) n=$(get nginx/none/idle/per_conn_kib)
    echo "| VmRSS per idle connection (KiB, ${R[settings/idle]:-?} held) |" \
        "$(spread gate/none/idle/per_conn_kib) | $(spread nginx/none/idle/per_conn_kib) |" \
        "$(ratio "$g" "$n") |"

    echo
    echo "targets (medians; requests per second, then per server core)"
    for crl in $crls; do
        case $crl in none) want=2 ;; 100k) want=8 ;; *) continue ;; esac
        echo "- (a) CRL $crl: gate / nginx $(ratio "$(get gate/$crl/new/rps)" "$(get nginx/$crl/new/rps)")," \
            "per core $(ratio "$(get gate/$crl/new/rps_per_server_core)" "$(get nginx/$crl/new/rps_per_server_core)")" \
            "(target ≥ ${want}×)"
    done
    echo "- (a) gate, CRL 1m / none: $(ratio "$(get gate/1m/new/rps)" "$(get gate/none/new/rps)")," \
        "per core $(ratio "$(get gate/1m/new/rps_per_server_core)" "$(get gate/none/new/rps_per_server_core)") (target 1×)"
    for crl in $crls; do
        echo "- (b) CRL $crl: gate / nginx $(ratio "$(get gate/$crl/keepalive/rps)" "$(get nginx/$crl/keepalive/rps)")," \
            "per core $(ratio "$(get gate/$crl/keepalive/rps_per_server_core)" "$(get nginx/$crl/keepalive/rps_per_server_core)") (target ≥ 1×)"
    done
    if grep -q ' failed' "$1"; then
        echo
        echo "failed runs:"
        grep ' failed' "$1"
    fi
}

if [ "${1:-}" = --report ]; then
    report "${2:?usage: gate-vs-nginx.sh --report results.txt}"
    exit 0
fi

# --- tools -------------------------------------------------------------------------
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

prio=()
autogroup_nice=''
if [ -n "${NICE:-}" ]; then
    prio=(nice -n "$NICE")
    if [ -w /proc/self/autogroup ]; then
        autogroup_nice=$(awk '{print $3}' /proc/self/autogroup)
        echo "$NICE" >/proc/self/autogroup
    fi
fi

# shellcheck source=benches/common.sh
. "$root/benches/common.sh"
on_exit() { if [ -n "$autogroup_nice" ]; then echo "$autogroup_nice" >/proc/self/autogroup || true; fi; }
ports_free "$ORIGIN_PORT" "$GATE_PORT" "$NGINX_PORT"

echo "building release binaries (once)" >&2
cargo build --release --quiet -p certgate-examples --bin certgate-gate
cargo build --release --quiet -p certgate-benches --bin gate_setup --bin tls_load
bin=${CARGO_TARGET_DIR:-$root/target}/release
gate_bin=$bin/certgate-gate
load_bin=$bin/tls_load

work=${1:-$(mktemp -d "${TMPDIR:-/tmp}/gatebench.XXXXXX")}
mkdir -p "$work"
chmod 0755 "$work"
clk_tck=$(getconf CLK_TCK)
results=$work/results.txt
: >"$results"

echo "writing the PKI, CRLs and configurations in $work" >&2
"$bin/gate_setup" "$work" "$ORIGIN_PORT" "$GATE_PORT" "$NGINX_PORT"
if [ "$GATE_WORKERS" != multi ]; then
    sed -i "s/^\[server\]\$/[server]\nworkers = $GATE_WORKERS/" "$work"/gate-*.toml
fi

"${prio[@]}" taskset -c "$LOAD_CPU" "$nginx_bin" -p "$work" -c "$work/nginx-origin.conf" \
    -e "$work/nginx-origin-error.log" &
started+=($!)
wait_port "$ORIGIN_PORT"

client=(--ca "$work/root/ca.pem" --cert "$work/bench/bench.pem" --key "$work/bench/bench-key.pem")

# --- one server --------------------------------------------------------------------
server_pid='' # what to stop
serving=''    # the processes that serve (comma-separated): the gate; nginx's worker
all_pids=''   # every process of the server: nginx's master too
port=''

start_server() { # SERVER CRL: starts it and checks it; fails when it does not answer
    local server=$1 crl=$2 probe refused
    case $server in
    gate)
        CERTGATE_LOG=warn TOKIO_WORKER_THREADS=1 "${prio[@]}" taskset -c "$SERVER_CPU" \
            "$gate_bin" "$work/gate-$crl.toml" >"$work/gate-$crl.out" 2>"$work/gate-$crl.err" &
        server_pid=$!
        port=$GATE_PORT
        ;;
    nginx)
        "${prio[@]}" taskset -c "$SERVER_CPU" "$nginx_bin" -p "$work" -c "$work/nginx-$crl.conf" \
            -e "$work/nginx-$crl-error.log" &
        server_pid=$!
        port=$NGINX_PORT
        ;;
    esac
    started+=("$server_pid")
    if ! probe=$("${prio[@]}" taskset -c "$LOAD_CPU" "$load_bin" --mode probe \
        --addr "127.0.0.1:$port" --wait 60 "${client[@]}" 2>&1); then
        echo "$server $crl start failed: $probe" | tee -a "$results" >&2
        return 1
    fi
    echo "$server $crl $probe" >>"$results"
    echo "  $server, CRL $crl: $probe" >&2
    case $crl in none | 0) ;; *)
        # The device whose serial the CRL lists must be refused: the CRL is in force.
        if ! refused=$("${prio[@]}" taskset -c "$LOAD_CPU" "$load_bin" --mode refused \
            --addr "127.0.0.1:$port" --ca "$work/root/ca.pem" --cert "$work/revoked/revoked.pem" \
            --key "$work/revoked/revoked-key.pem" 2>&1); then
            echo "$server $crl revoked failed: $refused" | tee -a "$results" >&2
            return 1
        fi
        echo "$server $crl" $refused >>"$results"
        ;;
    esac
    if [ "$server" = nginx ]; then
        serving=$(pgrep -d, -P "$server_pid")
        all_pids="$server_pid,$serving"
    else
        serving=$server_pid
        all_pids=$server_pid
    fi
}

stop_server() {
    kill -TERM "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
}

mem_kb() { # FIELD PIDS: the sum of VmRSS (from status) or Pss (from smaps_rollup), in kB
    local field=$1 pid total=0 value
    for pid in ${2//,/ }; do
        if [ "$field" = Pss ]; then
            value=$(awk '/^Pss:/ {print $2}' "/proc/$pid/smaps_rollup")
        else
            value=$(awk '/^VmRSS:/ {print $2}' "/proc/$pid/status")
        fi
        total=$((total + value))
    done
    echo "$total"
}

measure_idle() { # SERVER CRL
    local before after out=$work/idle-$1.out pid i opened
    sleep 1
    before=$(mem_kb VmRSS "$serving")
    : >"$out"
    "${prio[@]}" taskset -c "$LOAD_CPU" "$load_bin" --mode idle --addr "127.0.0.1:$port" \
        --idle "$IDLE" --connections 50 --hold 600 "${client[@]}" >"$out" &
    pid=$!
    started+=("$pid")
    for ((i = 0; i < 1200; i++)); do
        if grep -qs '^mode=idle' "$out"; then break; fi
        sleep 0.1
    done
    sleep 2
    after=$(mem_kb VmRSS "$serving")
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    opened=$(sed -n 's/^mode=idle opened=\([0-9]*\).*/\1/p' "$out")
    echo "$1 $2 idle rss_before_kb=$before rss_after_kb=$after opened=${opened:-0}" \
        "per_conn_kib=$(awk -v a="$after" -v b="$before" -v n="${opened:-0}" \
            'BEGIN { if (n > 0) printf "%.1f", (a - b) / n; else print "nan" }')" >>"$results"
}

run_load() { # SERVER CRL MODE CONNECTIONS
    local line
    if ! line=$("${prio[@]}" taskset -c "$LOAD_CPU" "$load_bin" --mode "$3" \
        --addr "127.0.0.1:$port" --connections "$4" --warmup "$WARMUP" --duration "$DURATION" \
        --server-pids "$all_pids" --clk-tck "$clk_tck" "${client[@]}"); then
        echo "$1 $2 $3 failed" | tee -a "$results" >&2
        return 0
    fi
    echo "  $1, CRL $2: $line" >&2
    echo "$1 $2 $3 $line" >>"$results"
}

echo "settings rounds=$ROUNDS duration=$DURATION warmup=$WARMUP new_conns=$NEW_CONNS gate_workers=$GATE_WORKERS" \
    "keep_conns=$KEEP_CONNS idle=$IDLE crls=${CRLS// /,} nice=${NICE:-0}" >>"$results"
echo "machine: $(nproc) cores, $(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -1)," \
    "load average at start $(cut -d' ' -f1-3 /proc/loadavg), nice ${NICE:-0}" | tee -a "$results" >&2
for round in $(seq "$ROUNDS"); do
    echo "round $round of $ROUNDS" | tee -a "$results" >&2
    for crl in $CRLS; do
        for server in $SERVERS; do
            if start_server "$server" "$crl"; then
                echo "$server $crl start pss_kb=$(mem_kb Pss "$all_pids")" >>"$results"
                if [ "$crl" = none ]; then measure_idle "$server" "$crl"; fi
                run_load "$server" "$crl" new "$NEW_CONNS"
                run_load "$server" "$crl" keepalive "$KEEP_CONNS"
            fi
            stop_server
        done
    done
done
echo "load average at the end $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$results" >&2

report "$results"
echo
echo "raw lines: $results"
