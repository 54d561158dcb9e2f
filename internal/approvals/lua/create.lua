-- create: ARGV id, now, doc, requester, param_hash, expires_at_ms, required,
-- channel, message_ts, break_glass ('1' or ''), keep_after_ms (index entries
-- older than this are trimmed from ended and the requester's index). Refuses with 'exists' when
-- the id was ever used, and with 'frozen' while restores are frozen.
if exists() or redis.call('EXISTS', K.audit) == 1 then
  return {'exists', '', {}}
end
if redis.call('EXISTS', K.freeze) == 1 then
  return {'frozen', '', {}}
end
redis.call('HSET', K.req, 'doc', ARGV[3], 'state', 'pending',
  'requester', ARGV[4], 'param_hash', ARGV[5], 'expires_at_ms', ARGV[6],
  'required', ARGV[7], 'channel', ARGV[8], 'message_ts', ARGV[9],
  'created_at_ms', now, 'updated_at_ms', now, 'approvals', '0')
redis.call('ZADD', K.active, now, id)
redis.call('ZADD', K.expiry, ARGV[6], id)
redis.call('ZADD', K.remind, now, id)
if ARGV[10] == '1' then redis.call('ZADD', K.breakglass, now, id) end
if K.user then
  redis.call('ZADD', K.user, now, id)
  redis.call('ZREMRANGEBYSCORE', K.user, '-inf', '(' .. ARGV[11])
end
redis.call('ZREMRANGEBYSCORE', K.ended, '-inf', '(' .. ARGV[11])
audit(ARGV[4], 'requested', '')
return reply('ok')
