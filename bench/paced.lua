-- Offers wrk's connections a fixed request rate instead of "as fast as they
-- can": each wrk thread hands out evenly spaced send slots, and a connection
-- that got its answer waits for the next free slot (wrk calls delay()
-- before every request). Latency is still measured by wrk, from the send.
-- While fewer than all the connections are busy, a slow answer does not
-- hold the schedule back: another connection takes the next slot.
-- Usage: wrk -t1 -c64 -s bench/paced.lua URL -- <requests/s per thread>
local ffi = require("ffi")
ffi.cdef [[
  typedef struct { long tv_sec; long tv_nsec; } gh_timespec;
  int clock_gettime(int clk, gh_timespec *ts);
]]
local ts = ffi.new("gh_timespec")
local function now_ms()
  ffi.C.clock_gettime(1, ts) -- CLOCK_MONOTONIC
  return tonumber(ts.tv_sec) * 1000 + tonumber(ts.tv_nsec) / 1e6
end

local interval, slot

function init(args)
  local rate = tonumber(args[1])
  if not rate or rate <= 0 then
    error("paced.lua: give the rate per thread after --, e.g. -- 16000")
  end
  interval = 1000 / rate
end

function delay()
  local now = now_ms()
  if slot == nil or slot < now - 1000 then
    -- First request, or a second behind: the rate is not being met (the
    -- served rate wrk prints will show it); start the schedule afresh.
    slot = now
  end
  -- Slots missed by less than that are sent at once, so the rate offered
  -- stays the rate asked for, as an open-loop client would keep it.
  local wait = slot - now
  slot = slot + interval
  if wait <= 0 then
    return 0
  end
  return math.floor(wait)
end
