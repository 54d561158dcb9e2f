-- remind: KEYS rec, live, audit; ARGV id, now_ms, level, expires_ms
-- Claims reminder level (1: an hour left, 2: ten minutes) once, for the
-- expiry the caller saw: a Keep in between makes the claim fail.
if redis.call('EXISTS', KEYS[1]) == 0 then return {'missing', ''} end
if redis.call('HGET', KEYS[1], 'state') ~= 'live' then return {'state', ''} end
if redis.call('HGET', KEYS[1], 'expires_ms') ~= ARGV[4] then return {'moved', ''} end
if tonumber(redis.call('HGET', KEYS[1], 'reminded')) >= tonumber(ARGV[3]) then return {'done', ''} end
redis.call('HSET', KEYS[1], 'reminded', ARGV[3])
redis.call('RPUSH', KEYS[3], ARGV[2] .. ' reminder ' .. ARGV[3])
return {'ok', ''}
