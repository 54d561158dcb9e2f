-- reap: ARGV id, now, detail. An executing request with no job ID whose
-- lease is gone belonged to a replica that stopped mid-submission: it
-- becomes outcome_unknown and is never submitted again.
if not exists() or get('state') ~= 'executing' then
  redis.call('ZREM', K.executing, id)
  return skip()
end
if get('job_id') ~= '' or redis.call('EXISTS', K.lease) == 1 then
  return skip()
end
redis.call('HSET', K.req, 'detail', ARGV[3])
set_state('outcome_unknown')
audit('bot', 'outcome_unknown', ARGV[3])
return reply('ok')
