-- admit: KEYS[1] once:<envelope key>, KEYS[2] rate:<user>;
-- ARGV once_ttl_ms, limit (0: no limit), window_ms, counted ('1' or ''),
-- token (this call's, the same on the caller's retries).
-- An envelope is admitted once: a second delivery finds its key and is
-- 'duplicate'. A counted command adds one to the user's count in the
-- current window (which starts at the user's first command) and is
-- 'limited', with the window's remaining ms, past the limit. The once key
-- holds token:verdict, so the caller's own retry after a lost reply gets
-- the first run's verdict instead of 'duplicate' (and is not counted twice).
local mine = ARGV[5] .. ':'
if not redis.call('SET', KEYS[1], mine, 'NX', 'PX', ARGV[1]) then
  local v = redis.call('GET', KEYS[1]) or ''
  if ARGV[5] ~= '' and string.sub(v, 1, #mine) == mine then
    local verdict = string.sub(v, #mine + 1)
    if verdict == 'limited' then
      return {'limited', math.max(redis.call('PTTL', KEYS[2]), 1)}
    end
    return {'ok', 0}
  end
  return {'duplicate', 0}
end
local limit = tonumber(ARGV[2])
if ARGV[4] ~= '1' or limit <= 0 then
  redis.call('SET', KEYS[1], mine .. 'ok', 'KEEPTTL')
  return {'ok', 0}
end
local n = redis.call('INCR', KEYS[2])
if n == 1 then
  redis.call('PEXPIRE', KEYS[2], ARGV[3])
end
local ttl = redis.call('PTTL', KEYS[2])
if ttl < 0 then
  -- a count without expiry (never written so by this script): restart it
  redis.call('PEXPIRE', KEYS[2], ARGV[3])
  ttl = tonumber(ARGV[3])
end
if n > limit then
  redis.call('SET', KEYS[1], mine .. 'limited', 'KEEPTTL')
  return {'limited', ttl}
end
redis.call('SET', KEYS[1], mine .. 'ok', 'KEEPTTL')
return {'ok', ttl}
