-- create: ARGV id, offset, doc, requester, param_hash, ttl_ms, required,
-- channel, message_ts, break_glass ('1' or ''), retention_ms (index entries
-- older than this are trimmed from ended and the requester's index),
-- max_open (0: no limit), target (the instance its restore holds), names
-- (newline-separated <instance>/<db>.<table> of the new tables it
-- creates). The request expires ttl_ms after now, by Redis's
-- clock. Refuses with 'exists' when the id was ever used, with 'frozen'
-- while restores are frozen, and with 'too_many_open' (extra: the
-- requester's open ids, comma-separated) when the requester already has
-- max_open requests pending, executing or submitted. The count reads the
-- other requests' hashes under the same prefix (one {hash tag}, so one
-- Cluster slot), in the same atomic step as the write: replicas cannot
-- exceed it together.
if exists() or redis.call('EXISTS', K.audit) == 1 then
  return {'exists', '', {}}
end
if redis.call('EXISTS', K.freeze) == 1 then
  return {'frozen', '', {}}
end
local max_open = tonumber(ARGV[12] or '0') or 0
if max_open > 0 then
  local open = {}
  for _, other in ipairs(redis.call('ZRANGE', K.active, 0, -1)) do
    if redis.call('HGET', prefix .. 'req:' .. other, 'requester') == ARGV[4] then
      open[#open + 1] = other
    end
  end
  if #open >= max_open then
    return {'too_many_open', table.concat(open, ','), {}}
  end
end
-- New table names are reserved for the request until it ends (release()
-- in lib.lua), so two requests never call with the same new names: a name
-- another open request holds refuses this one ('name_taken', extra: that
-- request's id, a space, the name).
local names = {}
for name in string.gmatch(ARGV[14] or '', '[^\n]+') do
  name = string.lower(name)
  local other = redis.call('GET', prefix .. 'name:' .. name)
  if other and other ~= id then
    local st = redis.call('HGET', prefix .. 'req:' .. other, 'state')
    if (st and not terminal(st)) or holds(other) then
      return {'name_taken', other .. ' ' .. name, {}}
    end
  end
  names[#names + 1] = name
end
for _, name in ipairs(names) do
  redis.call('SET', prefix .. 'name:' .. name, id)
end
local expires_at = string.format('%.0f', tonumber(now) + tonumber(ARGV[6]))
redis.call('HSET', K.req, 'doc', ARGV[3], 'state', 'pending',
  'requester', ARGV[4], 'param_hash', ARGV[5], 'expires_at_ms', expires_at,
  'required', ARGV[7], 'channel', ARGV[8], 'message_ts', ARGV[9],
  'created_at_ms', now, 'updated_at_ms', now, 'approvals', '0',
  'target', ARGV[13] or '', 'names', table.concat(names, '\n'))
redis.call('ZADD', K.active, now, id)
redis.call('ZADD', K.expiry, expires_at, id)
redis.call('ZADD', K.remind, now, id)
if ARGV[10] == '1' then redis.call('ZADD', K.breakglass, now, id) end
local keep_after = string.format('%.0f', tonumber(now) - tonumber(ARGV[11]))
if K.user then
  redis.call('ZADD', K.user, now, id)
  redis.call('ZREMRANGEBYSCORE', K.user, '-inf', '(' .. keep_after)
end
redis.call('ZREMRANGEBYSCORE', K.ended, '-inf', '(' .. keep_after)
local requested = ''
if ARGV[10] == '1' then -- the reason given for skipping approvals, for the audit
  requested = 'break-glass: ' .. tostring(cjson.decode(ARGV[3]).break_glass or '')
end
audit(ARGV[4], 'requested', requested)
return reply('ok')
