-- wrk script of the serving benchmarks: requests built from templates, paced to RATE requests per second per wrk
-- thread: they go out on a fixed schedule (one whose slot has passed goes at once), so a connection is never idle
-- while the schedule is behind. Latency is timed by wrk from the actual send. Prints one JSON line at the end.
--   wrk -t1 -c16 -d10s -s wrk-paced.lua URL -- IDS_FILE RATE METHOD PATH [BODY] [N]
-- In PATH and BODY, {id} becomes an id drawn (fixed seed) from IDS_FILE (one per line) and {n} a number below N.
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

local ids, interval, method, path, body, n, next_slot = {}, 0, "GET", "/", nil, 1, nil
local headers = { ["content-type"] = "application/json" }

function init(args)
  for line in io.lines(args[1]) do ids[#ids + 1] = line end
  interval = 1000 / tonumber(args[2])
  method, path = args[3], args[4]
  if args[5] ~= nil and args[5] ~= "" then body = args[5] end
  n = tonumber(args[6] or "1")
  math.randomseed(12345)
end

local function fill(template)
  local id = ids[math.random(#ids)]
  return (template:gsub("{id}", id):gsub("{n}", tostring(math.random(n) - 1)))
end

function request()
  if body == nil then return wrk.format(method, fill(path)) end
  return wrk.format(method, fill(path), headers, fill(body))
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
