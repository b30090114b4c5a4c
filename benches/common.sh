# Shared by the bench scripts (sourced, not run): nginx, ports, the processes a script
# starts, and waiting for a listener.

# nginx_bin: Debian's nginx (or $NGINX), installed when missing.
nginx_bin=${NGINX:-$(command -v nginx || echo /usr/sbin/nginx)}
if [ ! -x "$nginx_bin" ]; then
    echo "nginx is missing: installing Debian's nginx" >&2
    apt-get update -qq && apt-get install -y -qq nginx >/dev/null
    nginx_bin=$(command -v nginx || echo /usr/sbin/nginx)
fi

ports_free() { # PORT...: exits when one is in use
    local port
    for port in "$@"; do
        if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
            echo "port $port is in use: set the script's *_PORT settings" >&2
            exit 1
        fi
    done
}

# started: PIDs killed at exit (append with started+=($!)); on_exit: more to do then.
started=()
on_exit() { :; }
cleanup() {
    local pid
    for pid in "${started[@]}"; do
        kill "$pid" 2>/dev/null || true
    done
    wait 2>/dev/null || true
    on_exit
}
trap cleanup EXIT

wait_port() { # PORT: until something listens (60 s at most)
    local i
    for ((i = 0; i < 600; i++)); do
        if (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; then return 0; fi
        sleep 0.1
    done
    echo "nothing listens on port $1" >&2
    return 1
}
