-- jobindex: KEYS[1] job:<job id>, string = the id of the request the job
-- belongs to. ARGV mode ('claim' | 'release' | 'owners'), request id, ttl ms.
-- A GaussDB job belongs to one request at most: 'claim' records it for the
-- request unless another request holds it, and replies the owner either way
-- (the caller compares); claiming again for the same request renews it.
-- 'release' deletes it only if this request holds it (an attach that the
-- request's transition then refused). 'owners' (KEYS = any number of job
-- keys) replies each key's owner, '' for none.
local mode = ARGV[1]
if mode == 'owners' then
  local out = {}
  for i, k in ipairs(KEYS) do
    out[i] = redis.call('GET', k) or ''
  end
  return out
end
local cur = redis.call('GET', KEYS[1])
if mode == 'claim' then
  if cur and cur ~= ARGV[2] then return cur end
  redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
  return ARGV[2]
end
if mode == 'release' then
  if cur == ARGV[2] then redis.call('DEL', KEYS[1]) end
  return cur or ''
end
return redis.error_reply('jobindex: unknown mode ' .. tostring(mode))
