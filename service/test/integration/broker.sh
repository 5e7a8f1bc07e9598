#!/usr/bin/env bash
# A private RabbitMQ for the integration tests: Debian's rabbitmq-server, run as the current user (root, no
# systemd) with its own node name, ports, epmd and data directory under a fresh temporary folder.
#
#   broker.sh install      installs Debian's rabbitmq-server when it is missing (apt-get; needs root)
#   broker.sh start        installs rabbitmq-server when missing, starts a broker, waits until it answers, and
#                          prints two lines: the broker's folder, then its AMQP URL (amqp://guest:guest@127.0.0.1:PORT)
#   broker.sh restart DIR  stops the broker started in DIR (if it runs) and starts it again: same node, port and data
#                          (what a test of reconnection needs; a killed cluster node rejoins its cluster)
#   broker.sh stop DIR     stops the broker started in DIR (rabbitmqctl shutdown, then its own epmd) and removes DIR
#
#   broker.sh cluster-start       starts a cluster of 3 nodes (RABBITMQ_CLUSTER_SIZE), each a broker folder of its
#                                 own (one Erlang cookie, one epmd on a private port shared by the nodes), joins them
#                                 and waits until `cluster_status` shows every node running; prints one line per
#                                 node: `DIR URL`
#   broker.sh kill DIR            kill -9 of that node's Erlang VM (its data stays; `restart DIR` brings it back)
#   broker.sh cluster-stop DIR... stops every node, kills what is left of them and their epmd, removes the folders
#   broker.sh ctl DIR ARGS...     rabbitmqctl ARGS for the node of DIR (`ctl DIR list_queues name pid`), at most 60 s
#
# Ports are picked free on 127.0.0.1 (RABBITMQ_TEST_PORT fixes the AMQP port of `start`). Every step has a time limit.
set -euo pipefail

log() { echo "broker.sh: $*" >&2; }

free_port() {
  node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'
}

broker_env() {
  local d=$1
  export HOME=$d/home RABBITMQ_NODENAME=$(cat "$d/nodename") RABBITMQ_NODE_IP_ADDRESS=127.0.0.1 \
    RABBITMQ_NODE_PORT=$(cat "$d/port") RABBITMQ_DIST_PORT=$(cat "$d/dist_port") ERL_EPMD_PORT=$(cat "$d/epmd_port") ERL_EPMD_ADDRESS=127.0.0.1 \
    RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS='-kernel inet_dist_use_interface {127,0,0,1}' \
    RABBITMQ_MNESIA_BASE=$d/mnesia RABBITMQ_LOG_BASE=$d/log RABBITMQ_PID_FILE=$d/rabbit.pid \
    RABBITMQ_ENABLED_PLUGINS_FILE=$d/enabled_plugins RABBITMQ_CONFIG_FILE=$d/rabbitmq \
    PATH=/usr/lib/rabbitmq/bin:$PATH
}

install_broker() {
  [ -x /usr/lib/rabbitmq/bin/rabbitmq-server ] && return 0
  if [ "$(id -u)" != 0 ]; then
    log "rabbitmq-server is not installed and installing it needs root (apt-get install rabbitmq-server)"
    return 1
  fi
  log "installing Debian's rabbitmq-server (apt-get)"
  export DEBIAN_FRONTEND=noninteractive
  timeout 300 apt-get update -qq >&2 && timeout 300 apt-get install -y -qq rabbitmq-server >&2
}

# The pids of the Erlang VM (beam) started in DIR: its command line names the folder's mnesia and log paths.
vm_pids() {
  local d=$1
  pgrep -f -- "^[^ ]*beam[^ ]* .*${d}/" || true
}

# kill -9 of the VM started in DIR, waiting (at most 15 s) until it is gone; its data stays.
kill_vm() {
  local d=$1 pids i
  pids=$(vm_pids "$d")
  [ -n "$pids" ] || return 0
  # shellcheck disable=SC2086
  kill -9 $pids 2>/dev/null || true
  for i in $(seq 150); do
    [ -z "$(vm_pids "$d")" ] && return 0
    sleep 0.1
  done
  log "the VM of $d (pids $pids) is still there 15 s after kill -9"
  return 1
}

# Kills the epmd listening on 127.0.0.1:PORT (after its nodes are gone), by asking it, then by its pid.
kill_epmd() {
  local port=$1 pid
  timeout 10 epmd -port "$port" -kill >/dev/null 2>&1 || true
  for pid in $(ss -Hltnp "sport = :$port" 2>/dev/null | grep -o 'pid=[0-9]*' | cut -d= -f2 | sort -u); do
    kill -9 "$pid" 2>/dev/null || true
  done
}

start() {
  install_broker
  local d
  d=$(mktemp -d "${TMPDIR:-/tmp}/rxjs-fair-broker.XXXXXX")
  echo "rxjs_fair_$$@localhost" > "$d/nodename"
  echo "${RABBITMQ_TEST_PORT:-$(free_port)}" > "$d/port"
  free_port > "$d/dist_port"
  free_port > "$d/epmd_port"
  broker_env "$d"
  mkdir -p "$HOME" "$RABBITMQ_MNESIA_BASE" "$RABBITMQ_LOG_BASE"
  printf 'loopback_users = none\nlisteners.tcp.default = 127.0.0.1:%s\n' "$RABBITMQ_NODE_PORT" > "$d/rabbitmq.conf"
  printf '[].\n' > "$d/enabled_plugins"
  log "starting $RABBITMQ_NODENAME on 127.0.0.1:$RABBITMQ_NODE_PORT in $d"
  if ! boot "$d"; then
    stop "$d" || true
    return 1
  fi
  echo "$d"
  echo "amqp://guest:guest@127.0.0.1:$RABBITMQ_NODE_PORT"
}

boot() {
  local d=$1
  rm -f "$RABBITMQ_PID_FILE" # a killed node's pid file names a VM that is gone: `rabbitmqctl wait` would follow it
  if ! timeout 60 rabbitmq-server -detached >"$d/log/start.out" 2>&1 \
     || ! timeout 90 rabbitmqctl wait "$RABBITMQ_PID_FILE" --timeout 60 >"$d/log/wait.out" 2>&1 \
     || ! timeout 30 rabbitmq-diagnostics -q ping >/dev/null 2>&1; then
    log "the broker did not start; its logs:"
    tail -n 30 "$d"/log/*.log "$d"/log/*.out >&2 2>/dev/null || true
    return 1
  fi
}

restart() {
  local d=${1:?usage: broker.sh restart DIR}
  [ -f "$d/nodename" ] || { log "$d is not a broker folder"; return 1; }
  broker_env "$d"
  # A node killed with -9 is not running: nothing to shut down, only what may be left of its VM to kill.
  timeout 60 rabbitmqctl shutdown >/dev/null 2>&1 || kill_vm "$d"
  boot "$d"
}

stop() {
  local d=${1:?usage: broker.sh stop DIR}
  [ -f "$d/nodename" ] || { log "$d is not a broker folder"; return 1; }
  broker_env "$d"
  timeout 60 rabbitmqctl shutdown >/dev/null 2>&1 || {
    log "rabbitmqctl shutdown failed; killing the broker's process"
    [ -f "$RABBITMQ_PID_FILE" ] && kill -9 "$(cat "$RABBITMQ_PID_FILE")" 2>/dev/null || true
  }
  epmd -port "$ERL_EPMD_PORT" -kill >/dev/null 2>&1 || true
  rm -rf "$d"
}

# A broker folder: its node name, ports and config (no plugins; guest may connect over 127.0.0.1).
prepare() {
  local d=$1 nodename=$2 port=$3 epmd_port=$4
  echo "$nodename" > "$d/nodename"
  echo "$port" > "$d/port"
  free_port > "$d/dist_port"
  echo "$epmd_port" > "$d/epmd_port"
  mkdir -p "$d/home" "$d/mnesia" "$d/log"
  printf 'loopback_users = none\nlisteners.tcp.default = 127.0.0.1:%s\n' "$port" > "$d/rabbitmq.conf"
  printf '[].\n' > "$d/enabled_plugins"
}

# Prints the running nodes of the cluster as DIR's node sees them, one a line.
running_nodes() {
  timeout 30 rabbitmqctl -q cluster_status --formatter json 2>/dev/null | jq -r '.running_nodes[]' 2>/dev/null
}

cluster_logs() {
  local d
  for d in "$@"; do
    log "--- $(cat "$d/nodename" 2>/dev/null) in $d:"
    tail -n 30 "$d"/log/*.log "$d"/log/*.out >&2 2>/dev/null || true
  done
}

cluster_start() {
  install_broker
  local n=${RABBITMQ_CLUSTER_SIZE:-3} epmd_port cookie i d first t0=$SECONDS
  local -a dirs=() pids=()
  epmd_port=$(free_port)
  cookie=$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')
  for i in $(seq "$n"); do
    d=$(mktemp -d "${TMPDIR:-/tmp}/rxjs-fair-cluster.XXXXXX")
    dirs+=("$d")
    prepare "$d" "rxjs_fair_c$$_$i@localhost" "$(free_port)" "$epmd_port"
    printf '%s' "$cookie" > "$d/home/.erlang.cookie"
    chmod 400 "$d/home/.erlang.cookie"
  done
  first=$(cat "${dirs[0]}/nodename")
  log "starting a cluster of $n nodes (epmd on 127.0.0.1:$epmd_port): ${dirs[*]}"
  # Booted side by side (each in a subshell with its own environment), then joined to the first one by one.
  for d in "${dirs[@]}"; do
    (broker_env "$d" && boot "$d") &
    pids+=($!)
  done
  local failed=0
  for i in "${!pids[@]}"; do wait "${pids[$i]}" || failed=1; done
  if [ "$failed" = 1 ]; then
    log "a node did not start"
    cluster_stop "${dirs[@]}" || true
    return 1
  fi
  for d in "${dirs[@]:1}"; do
    if ! (broker_env "$d" &&
      timeout 60 rabbitmqctl -q stop_app >"$d/log/join.out" 2>&1 &&
      timeout 60 rabbitmqctl -q join_cluster "$first" >>"$d/log/join.out" 2>&1 &&
      timeout 90 rabbitmqctl -q start_app >>"$d/log/join.out" 2>&1); then
      log "$(cat "$d/nodename") did not join $first; the logs:"
      cluster_logs "${dirs[@]}"
      cluster_stop "${dirs[@]}" || true
      return 1
    fi
  done
  # Every node running, as each node sees it (at most 60 s).
  local deadline=$((SECONDS + 60)) ok
  while :; do
    ok=1
    for d in "${dirs[@]}"; do
      [ "$( (broker_env "$d" && running_nodes) | wc -l)" = "$n" ] || { ok=0; break; }
    done
    [ "$ok" = 1 ] && break
    if [ "$SECONDS" -ge "$deadline" ]; then
      log "the cluster did not show $n running nodes within 60 s; the logs:"
      cluster_logs "${dirs[@]}"
      cluster_stop "${dirs[@]}" || true
      return 1
    fi
    sleep 0.5
  done
  log "cluster of $n nodes running after $((SECONDS - t0)) s"
  for d in "${dirs[@]}"; do echo "$d amqp://guest:guest@127.0.0.1:$(cat "$d/port")"; done
}

kill_node() {
  local d=${1:?usage: broker.sh kill DIR}
  [ -f "$d/nodename" ] || { log "$d is not a broker folder"; return 1; }
  kill_vm "$d"
}

# Stops the nodes side by side (a cluster's last node waits for no other), then kills what is left and the epmds.
cluster_stop() {
  [ $# -gt 0 ] || { log "usage: broker.sh cluster-stop DIR..."; return 2; }
  local d status=0
  local -a pids=() ports=()
  for d in "$@"; do
    [ -f "$d/nodename" ] || { log "$d is not a broker folder"; status=1; continue; }
    ports+=("$(cat "$d/epmd_port")")
    (broker_env "$d" && [ -n "$(vm_pids "$d")" ] && timeout 60 rabbitmqctl shutdown >/dev/null 2>&1) &
    pids+=($!)
  done
  for i in "${!pids[@]}"; do wait "${pids[$i]}" || true; done
  for d in "$@"; do
    [ -f "$d/nodename" ] || continue
    kill_vm "$d" || status=1
  done
  for port in $(printf '%s\n' "${ports[@]}" | sort -u); do kill_epmd "$port"; done
  for d in "$@"; do [ -f "$d/nodename" ] && rm -rf "$d"; done
  return $status
}

case "${1:-}" in
  install) install_broker ;;
  start) start ;;
  restart) restart "${2:-}" ;;
  stop) stop "${2:-}" ;;
  cluster-start) cluster_start ;;
  kill) kill_node "${2:-}" ;;
  cluster-stop) shift; cluster_stop "$@" ;;
  ctl)
    [ -f "${2:-}/nodename" ] || { log "usage: broker.sh ctl DIR ARGS..."; exit 2; }
    broker_env "$2"
    shift 2
    timeout 60 rabbitmqctl "$@"
    ;;
  *)
    echo "usage: broker.sh install | start | restart DIR | stop DIR | cluster-start | kill DIR | cluster-stop DIR... |" \
      "ctl DIR ARGS..." >&2
    exit 2
    ;;
esac
