-- extend: KEYS rec, live, audit; ARGV id, now_ms, by_ms, actor
-- Pushes a live instance's expiry back by by_ms, never past max_ms; the
-- reminders start over.
if redis.call('EXISTS', KEYS[1]) == 0 then return {'missing', ''} end
local st = redis.call('HGET', KEYS[1], 'state')
if st ~= 'live' and st ~= 'creating' then return {'state', st} end
local exp = tonumber(redis.call('HGET', KEYS[1], 'expires_ms'))
local maxms = tonumber(redis.call('HGET', KEYS[1], 'max_ms'))
local now = tonumber(ARGV[2])
local base = exp
if base < now then base = now end
local want = base + tonumber(ARGV[3])
if exp >= maxms then return {'max', tostring(maxms)} end
if want > maxms then want = maxms end
redis.call('HSET', KEYS[1], 'expires_ms', tostring(want), 'reminded', '0', 'updated_ms', ARGV[2])
redis.call('ZADD', KEYS[2], want, ARGV[1])
redis.call('RPUSH', KEYS[3], ARGV[2] .. ' kept until ' .. tostring(want) .. ' by ' .. ARGV[4])
return {'ok', tostring(want)}
