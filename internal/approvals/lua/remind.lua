-- remind: ARGV id, offset, older_than_ms. Marks a pending request created
-- at least older_than_ms ago as reminded, once; 'skip' for everyone else.
if not exists() or get('state') ~= 'pending'
    or redis.call('HEXISTS', K.req, 'reminded_at_ms') == 1 then
  redis.call('ZREM', K.remind, id)
  return skip()
end
if past_expiry() or tonumber(get('created_at_ms')) > tonumber(now) - tonumber(ARGV[3]) then
  return skip()
end
redis.call('HSET', K.req, 'reminded_at_ms', now)
redis.call('ZREM', K.remind, id)
audit('bot', 'reminded', '')
return reply('ok')
