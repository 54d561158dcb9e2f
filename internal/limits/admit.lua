-- admit: KEYS[1] once:<envelope key>, KEYS[2] rate:<user>;
-- ARGV once_ttl_ms, limit (0: no limit), window_ms, counted ('1' or '').
-- An envelope is admitted once: a second delivery finds its key and is
-- 'duplicate'. A counted command adds one to the user's count in the
-- current window (which starts at the user's first command) and is
-- 'limited', with the window's remaining ms, past the limit.
if not redis.call('SET', KEYS[1], '1', 'NX', 'PX', ARGV[1]) then
  return {'duplicate', 0}
end
local limit = tonumber(ARGV[2])
if ARGV[4] ~= '1' or limit <= 0 then
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
  return {'limited', ttl}
end
return {'ok', ttl}
