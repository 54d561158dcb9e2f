-- reconcile: ARGV id, now, action, to_state, job_id, detail.
-- Records what became of a restore call whose outcome was unknown: a late
-- answer (action 'late_answer') or what GaussDB's job list shows (action
-- 'reconciled'). Only an outcome_unknown request changes. to_state
-- 'submitted' attaches job_id (it is followed from now on); 'failed' ends
-- it (a late refusal); '' keeps it outcome_unknown with the new detail and
-- takes it off the reconcile index (nothing more to look for).
if not exists() then return missing() end
if get('state') ~= 'outcome_unknown' then return reply('not_pending') end
local to, job = ARGV[4], ARGV[5]
redis.call('HSET', K.req, 'detail', ARGV[6], 'updated_at_ms', now)
if to == 'submitted' then
  -- its restore runs: it holds its target (still, or again after a "no
  -- job found" released it, unless another request took it meanwhile)
  local hk = hold_key()
  if hk and not holder(hk) then redis.call('SET', hk, id) end
  redis.call('HSET', K.req, 'job_id', job, 'submitted_at_ms', now)
  set_state('submitted')
  -- back among the open requests (list, limits), as when it was created
  redis.call('ZADD', K.active, get('created_at_ms'), id)
  redis.call('ZREM', K.ended, id)
elseif to == 'failed' then
  set_state('failed')
else
  -- settled: no job was found, so its target and names are released
  redis.call('ZREM', K.reconcile, id)
  release()
end
audit('bot', ARGV[3], ARGV[6])
return reply('ok')
