-- wrk script for bench/kv.sh: PUT /v1/kv/<prefix><nnnnnn> with a fixed 100-byte value, the
-- key changing on every request and cycling over a key space of KV_KEYS keys. Thread i of
-- KV_THREADS writes keys i, i+KV_THREADS, ... so threads do not write the same key at once.
--   KV_KEYS=10000 KV_THREADS=2 wrk -t2 -c64 -d10s --latency -s bench/kv-put.lua http://HOST:PORT
local keys = tonumber(os.getenv("KV_KEYS") or "10000")
local step = tonumber(os.getenv("KV_THREADS") or "1")
local prefix = os.getenv("KV_PREFIX") or "bench/put/"
local value = string.rep("v", 100)
local headers = { ["Content-Type"] = "application/octet-stream" }

local created = 0
function setup(thread)
  thread:set("tid", created)
  created = created + 1
end

local n = 0
function init(_)
  n = tonumber(tid) or 0 -- "tid" is the global setup() gave this thread
end

function request()
  local key = n % keys
  n = n + step
  return wrk.format("PUT", "/v1/kv/" .. prefix .. string.format("%06d", key), headers, value)
end
