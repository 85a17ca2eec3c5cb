-- wrk script: GET /api/jobs?page=N cycling N over 1..PAGES (env, default 1)
-- with the headers given on the wrk command line (-H).
local pages = tonumber(os.getenv("PAGES") or "1")
local n = 0
request = function()
  n = n % pages + 1
  return wrk.format("GET", "/api/jobs?page=" .. n)
end

-- Print the percentiles wrk --latency does not show, for bench/run.sh.
done = function(summary, latency, requests)
  io.write(string.format("PCTL_MS p50 %.2f p95 %.2f p99 %.2f\n",
    latency:percentile(50) / 1000, latency:percentile(95) / 1000, latency:percentile(99) / 1000))
end
