-- wrk script of bench/clinic_pages.py: sends the page's session cookie, times every request itself and writes the
-- counts and 1000 latency quantiles (microseconds) to a JSON file.
--
--   wrk -t K -c K -d 10s -s bench/wrk_report.lua URL -- OUT_FILE KEEP_ALIVE(0|1) [COOKIE_1 ... COOKIE_K]
--
-- One connection per thread (-t K -c K): the thread's request() and response() then alternate, so the time between
-- them is one request's latency (`overlaps` counts the requests sent before the previous response, which would
-- break that: more connections than threads, or a request sent again after a socket error). wrk's own latency statistics are not used for the quantiles: wrk 4 "corrects"
-- them for coordinated omission after the run, adding made-up samples for every response slower than twice the
-- mean (a 500 ms response at a 10 ms mean adds ~50), which turns a few slow responses into a slow p95. The
-- corrected p50/p95/p99 are written too, as `wrk_corrected`, for comparison only.
--
-- Without KEEP_ALIVE the request says `Connection: close`, so each request is a new connection, as when nginx talks
-- to gunicorn without upstream keep-alive. Thread n sends COOKIE_n as its Cookie header (none when missing or empty). Every status other than 200 is counted in `non_200` (wrk itself counts only those > 399).

local ffi = require("ffi")
ffi.cdef([[
typedef struct { long tv_sec; long tv_nsec; } bench_timespec;
int clock_gettime(int clock_id, bench_timespec *tp);
]])
local CLOCK_MONOTONIC = 1
local clock = ffi.new("bench_timespec")

local function now_us()
  ffi.C.clock_gettime(CLOCK_MONOTONIC, clock)
  return tonumber(clock.tv_sec) * 1000000 + tonumber(clock.tv_nsec) / 1000
end

-- setup() and done() run in a state of their own; the threads' states are reached through these handles.
local threads = {}

function setup(thread)
  table.insert(threads, thread)
  thread:set("id", #threads)
end

function init(args)
  -- args[0] is the URL
  out_file = args[1]
  -- the same user agent the client signed in with (USER_AGENT in bench/clinic_pages.py)
  local headers = {["User-Agent"] = "clinic-bench/1"}
  if args[2] ~= "1" then
    headers["Connection"] = "close"
  end
  local cookie = args[2 + id]
  if cookie and cookie ~= "" then
    headers["Cookie"] = cookie
  end
  prepared = wrk.format("GET", wrk.path, headers)
  samples = {}
  statuses = {}
  non_200 = 0
  overlaps = 0
  started = nil
end

function request()
  if started and #samples > 0 then
    -- a request before the previous one's response: more connections than threads, or a resent request (wrk's
    -- check of the script sends one request() to nowhere before the run, hence no count before a first response)
    overlaps = overlaps + 1
  end
  started = now_us()
  return prepared
end

function response(status, headers, body)
  local finished = now_us()
  if started then
    samples[#samples + 1] = math.floor(finished - started + 0.5)
    started = nil
  end
  if status ~= 200 then
    non_200 = non_200 + 1
    statuses[tostring(status)] = (statuses[tostring(status)] or 0) + 1
  end
end

function done(summary, latency, requests)
  local all, non_200_total, overlaps_total, by_status = {}, 0, 0, {}
  local path
  for _, thread in ipairs(threads) do
    path = path or thread:get("out_file")
    for _, sample in ipairs(thread:get("samples")) do
      all[#all + 1] = sample
    end
    non_200_total = non_200_total + thread:get("non_200")
    overlaps_total = overlaps_total + thread:get("overlaps")
    for status, count in pairs(thread:get("statuses")) do
      by_status[#by_status + 1] = string.format('"%s": %d', status, count)
    end
  end
  table.sort(all)
  local quantiles = {}
  if #all > 0 then
    for i = 1, 1000 do
      -- nearest rank: the smallest sample with at least i/1000 of the samples at or below it
      local rank = math.max(1, math.ceil(i * #all / 1000))
      quantiles[i] = string.format("%d", all[rank])
    end
  end
  local errors = summary.errors
  local file = assert(io.open(path, "w"))
  file:write(string.format(
    '{"requests": %d, "wrk_requests": %d, "duration_us": %d, "non_200": %d, "overlaps": %d, "statuses": {%s}, '
      .. '"status_errors": %d, "connect_errors": %d, "read_errors": %d, "write_errors": %d, "timeouts": %d, '
      .. '"wrk_corrected": [%d, %d, %d], "quantiles": [%s]}\n',
    #all, summary.requests, summary.duration, non_200_total, overlaps_total, table.concat(by_status, ", "),
    errors.status, errors.connect, errors.read, errors.write, errors.timeout,
    latency:percentile(50), latency:percentile(95), latency:percentile(99), table.concat(quantiles, ", ")
  ))
  file:close()
end
