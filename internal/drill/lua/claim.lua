-- claim: KEYS[1] the drill's last claimed period (ms), KEYS[2] its run
-- lease, KEYS[3] its run in progress (JSON); ARGV period_ms (empty for a
-- run asked for now), owner, ttl_ms, run JSON.
-- Answers {'new'} when this owner starts the run, {'resume', json} when it
-- takes over an interrupted run (the lease lapsed), {'busy', …} when a
-- replica (this one included) holds it, {'done'} when the period already ran.
local cur = redis.call('GET', KEYS[3])
if cur then
  if redis.call('SET', KEYS[2], ARGV[2], 'NX', 'PX', ARGV[3]) then
    return {'resume', cur}
  end
  return {'busy', cur} -- another replica's, or already this one's
end
if ARGV[1] ~= '' then
  local last = redis.call('GET', KEYS[1])
  if last and tonumber(last) >= tonumber(ARGV[1]) then
    return {'done'}
  end
end
if not redis.call('SET', KEYS[2], ARGV[2], 'NX', 'PX', ARGV[3]) then
  return {'busy', ''}
end
if ARGV[1] ~= '' then
  redis.call('SET', KEYS[1], ARGV[1])
end
redis.call('SET', KEYS[3], ARGV[4])
return {'new'}
