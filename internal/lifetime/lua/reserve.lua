-- reserve: KEYS rec, live, audit; ARGV id, max_live, now_ms, expires_ms, max_ms, name, requester, source, channel, ts
-- Claims one of the RESTORE_MAX_NEW_INSTANCES places for a request, atomically:
-- refused when the request already has a record or every place is taken.
if redis.call('EXISTS', KEYS[1]) == 1 then return {'exists', redis.call('HGET', KEYS[1], 'state')} end
local n = redis.call('ZCARD', KEYS[2])
if n >= tonumber(ARGV[2]) then return {'cap', tostring(n)} end
redis.call('HSET', KEYS[1], 'id', ARGV[1], 'state', 'creating', 'created_ms', ARGV[3], 'expires_ms', ARGV[4],
  'max_ms', ARGV[5], 'name', ARGV[6], 'requester', ARGV[7], 'source', ARGV[8], 'channel', ARGV[9], 'ts', ARGV[10],
  'reminded', '0')
redis.call('ZADD', KEYS[2], ARGV[4], ARGV[1])
redis.call('RPUSH', KEYS[3], ARGV[3] .. ' reserved ' .. ARGV[6])
return {'ok', tostring(n + 1)}
