-- expire: ARGV id, now. Expires one request found in the expiry index
-- (pending, or queued: approved but waiting for its target);
-- 'skip' when another caller got there first or it is not due.
if not exists() or (get('state') ~= 'pending' and get('state') ~= 'queued') then
  redis.call('ZREM', K.expiry, id)
  return skip()
end
if not past_expiry() then return skip() end
expire()
return reply('ok')
