# Shell helpers shared by bench/run.sh and bench/peer.sh (sourced, not run).
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
now_ms() { date +%s%3N; }
rss_kb() { awk '/VmRSS/ {print $2}' "/proc/$1/status"; }
hwm_kb() { awk '/VmHWM/ {print $2}' "/proc/$1/status"; }
wait_up() { # $1 = pid, $2 = URL: waits for a 200, fails if the server exited
  until curl -fs "$2" >/dev/null 2>&1; do
    kill -0 "$1" 2>/dev/null || { echo "bench: the server (pid $1) exited before answering $2" >&2; exit 1; }
    sleep 0.01
  done
}
peak_rss() { # $1 = pid, then a command: runs it, samples VmRSS every 50 ms, prints the peak in kB
  local pid=$1 peak=0 r; shift
  "$@" & local cmd=$!
  while kill -0 $cmd 2>/dev/null; do r=$(rss_kb "$pid"); [ "${r:-0}" -gt "$peak" ] && peak=$r; sleep 0.05; done
  wait $cmd; echo "$peak"
}
wrk_pct() { # $1 = wrk --latency output file, $2 = percentile ("50%", "99%"); prints it in ms
  awk -v p="$2" '$1==p {v=$2; if (v ~ /us$/) {sub("us","",v); v=v/1000} else if (v ~ /ms$/) {sub("ms","",v)} else if (v ~ /s$/) {sub("s","",v); v=v*1000}; printf "%.2f", v}' "$1"
}
wrk_field() { # $1 = wrk output file; prints req/s and p99 in ms
  local rps p99
  rps=$(awk '/Requests\/sec/ {printf "%.0f", $2}' "$1")
  p99=$(wrk_pct "$1" "99%")
  echo "$rps $p99"
}
# Pinned runs: the server alone on CPU 0 (Go sizes GOMAXPROCS from the
# affinity mask, so it schedules on that core only) and wrk alone on CPU 1,
# so the load generator cannot steal the server's time slices and add its
# own scheduling delay to the latency measured. Both peers get the same.
SERVER_CPU=${BENCH_SERVER_CPU:-0}
CLIENT_CPU=${BENCH_CLIENT_CPU:-1}
can_pin() { command -v taskset >/dev/null && [ "$(nproc)" -ge 2 ]; }
