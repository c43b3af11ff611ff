-- wrk script of the serving benchmark: GET <prefix><id><suffix> for ids drawn (fixed seed) from a file of one id per line,
-- paced to RATE requests per second per wrk thread: requests go out on a fixed schedule (one whose slot has passed
-- goes at once), so a connection is never idle while the schedule is behind. Latency is timed by wrk from the
-- actual send. Prints one JSON line of figures at the end.
--   wrk -t1 -c16 -d10s -s wrk-paced.lua URL -- IDS_FILE PATH_PREFIX RATE [SUFFIX]
local ffi = require("ffi")
ffi.cdef [[
  typedef struct { long tv_sec; long tv_nsec; } flywheel_timespec;
  int clock_gettime(int clock, flywheel_timespec *ts);
]]
local clock = ffi.new("flywheel_timespec")
local function now_ms()
  ffi.C.clock_gettime(1, clock) -- CLOCK_MONOTONIC
  return tonumber(clock.tv_sec) * 1000 + tonumber(clock.tv_nsec) / 1e6
end

local ids, prefix, suffix, interval, next_slot = {}, "/", "", 0, nil

function init(args)
  for line in io.lines(args[1]) do ids[#ids + 1] = line end
  prefix = args[2]
  interval = 1000 / tonumber(args[3])
  suffix = args[4] or ""
  math.randomseed(12345)
end

function request()
  return wrk.format("GET", prefix .. ids[math.random(#ids)] .. suffix)
end

function delay()
  local now = now_ms()
  if next_slot == nil or next_slot < now - 1000 then next_slot = now end
  next_slot = next_slot + interval
  local wait = next_slot - now
  if wait < 0 then return 0 end
  return math.floor(wait)
end

function done(summary, latency, requests)
  local us = function(p) return latency:percentile(p) end
  io.write(string.format(
    '{"requests":%d,"durationUs":%d,"errors":%d,"non2xx":%d,"latencyUs":{"p50":%d,"p90":%d,"p99":%d,"p999":%d,"max":%d,"mean":%.1f}}\n',
    summary.requests, summary.duration, summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    summary.errors.status, us(50), us(90), us(99), us(99.9), latency.max, latency.mean))
end
