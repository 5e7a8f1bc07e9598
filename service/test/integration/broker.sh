#!/usr/bin/env bash
# A private RabbitMQ for the integration tests: Debian's rabbitmq-server, run as the current user (root, no
# systemd) with its own node name, ports, epmd and data directory under a fresh temporary folder.
#
#   broker.sh install      installs Debian's rabbitmq-server when it is missing (apt-get; needs root)
#   broker.sh start        installs rabbitmq-server when missing, starts a broker, waits until it answers, and
#                          prints two lines: the broker's folder, then its AMQP URL (amqp://guest:guest@127.0.0.1:PORT)
#   broker.sh restart DIR  stops the broker started in DIR and starts it again: same node, port and data (what a
#                          test of reconnection needs)
#   broker.sh stop DIR     stops the broker started in DIR (rabbitmqctl shutdown, then its own epmd) and removes DIR
#
# Ports are picked free on 127.0.0.1 (RABBITMQ_TEST_PORT fixes the AMQP port). Every step has a time limit.
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
  if ! rabbitmq-server -detached >"$d/log/start.out" 2>&1 \
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
  timeout 60 rabbitmqctl shutdown >/dev/null 2>&1
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

case "${1:-}" in
  install) install_broker ;;
  start) start ;;
  restart) restart "${2:-}" ;;
  stop) stop "${2:-}" ;;
  *) echo "usage: broker.sh install | broker.sh start | broker.sh restart DIR | broker.sh stop DIR" >&2; exit 2 ;;
esac
