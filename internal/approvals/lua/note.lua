-- note: ARGV id, now, detail, once_flag. Adds an audit entry to an executing or submitted
-- request without changing its state (job progress, a timeout warning).
-- With a once_flag, only the first caller ever gets 'ok' for that flag, so
-- that with several replicas a warning is given once.
if not exists() then return missing() end
local st = get('state')
if st ~= 'submitted' and st ~= 'executing' then return reply('not_pending') end
local flag = ARGV[4]
if flag ~= '' then
  if redis.call('HSETNX', K.req, 'once:' .. flag, now) == 0 then
    return reply('already_noted')
  end
end
audit('bot', flag ~= '' and flag or 'progress', ARGV[3])
return reply('ok')
