-- wrk script for tests/benchmarks/bench_mock.py.
--
--   wrk -t2 -c16 -d10s -s mock_load.lua URL -- PATH_PREFIX IDS [HEADER ...]
--
-- Each request is GET PATH_PREFIX<uuid>, cycling through IDS distinct uuids per thread
-- (made once at thread start, so the request loop only picks one), with the extra
-- HEADER arguments ("Name: value"). At the end it prints one line:
--   RESULT {"requests":N,"seconds":S,"rps":R,"p50_us":..,"p99_us":..,"non2xx":..,"errors":..}

local paths = {}
local count = 0
local index = 0
local headers = {}

function init(args)
  local prefix = args[1] or "/"
  count = tonumber(args[2] or "1000")
  for i = 3, #args do
    local name, value = string.match(args[i], "^([^:]+):%s*(.*)$")
    if name then
      headers[name] = value
    end
  end
  headers["Accept"] = headers["Accept"] or "application/json"
  -- Every thread gets the same sequence (thread-local counters): both tools see the same
  -- requests. Version-4, variant-8 uuids: 00000000-0000-4000-8000-<12 digits>.
  for i = 1, count do
    paths[i] = wrk.format("GET", prefix .. string.format("00000000-0000-4000-8000-%012d", i), headers)
  end
end

function request()
  index = index % count + 1
  return paths[index]
end

function done(summary, latency, requests)
  local seconds = summary.duration / 1e6
  local errors = summary.errors.connect + summary.errors.read + summary.errors.write
    + summary.errors.timeout
  io.write(string.format(
    'RESULT {"requests":%d,"seconds":%.3f,"rps":%.1f,"p50_us":%d,"p90_us":%d,"p99_us":%d,'
      .. '"max_us":%d,"non2xx":%d,"errors":%d}\n',
    summary.requests, seconds, summary.requests / seconds,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max,
    summary.errors.status, errors
  ))
end
