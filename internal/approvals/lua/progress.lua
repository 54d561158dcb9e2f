-- progress: ARGV id, now, process, message_ts. Records a running job's last
-- reported progress (and, when given, the thread message that shows it) on
-- a submitted request; any other state is refused with 'not_pending', so a
-- late poll never writes onto an ended request.
if not exists() then return missing() end
if get('state') ~= 'submitted' then return reply('not_pending') end
redis.call('HSET', K.req, 'progress', ARGV[3], 'progress_at_ms', now)
if ARGV[4] ~= '' then redis.call('HSET', K.req, 'progress_ts', ARGV[4]) end
return reply('ok')
