-- reap: ARGV id, now, unknown_detail, not_called_detail. An executing
-- request with no job ID whose lease is gone belonged to a replica that
-- stopped mid-submission. With the called marker (precall.lua) the restore
-- call may have gone out: it becomes outcome_unknown (extra 'unknown').
-- Without it the call was never made: it becomes failed, not called, and
-- is safe to request again (extra 'not_called'). Never submitted again.
if not exists() or get('state') ~= 'executing' then
  redis.call('ZREM', K.executing, id)
  return skip()
end
if get('job_id') ~= '' or redis.call('EXISTS', K.lease) == 1 then
  return skip()
end
if get('called_at_ms') == '' then
  redis.call('HSET', K.req, 'detail', ARGV[4])
  set_state('failed')
  audit('bot', 'not_called', ARGV[4])
  return reply('ok', 'not_called')
end
redis.call('HSET', K.req, 'detail', ARGV[3])
set_state('outcome_unknown')
audit('bot', 'outcome_unknown', ARGV[3])
return reply('ok', 'unknown')
