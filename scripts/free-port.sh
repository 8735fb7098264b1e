# Sourced by scripts/pg.sh and scripts/bench-server.sh.
# free_port: prints a TCP port on 127.0.0.1 that nothing listens on now; returns 1 (with a message
# on stderr) when 50 tries found none. Another process may take it before the caller binds, so a
# caller retries with a new port when its bind fails.
free_port() {
  local port
  for _ in $(seq 1 50); do
    # 20000-59999: above the registered services most machines run, below Linux's default
    # ephemeral range (32768-60999 overlaps; a clash there is caught by the caller's retry).
    port=$((20000 + RANDOM % 40000))
    if ! ss -Htln "sport = :$port" 2>/dev/null | grep -q .; then
      echo "$port"
      return 0
    fi
  done
  echo "no free port found on 127.0.0.1" >&2
  return 1
}
