-- deny: ARGV id, now, actor, note.
local refused = check_pending()
if refused then return refused end
if ARGV[3] == get('requester') then return reply('self_approval') end
redis.call('HSET', K.req, 'decided_by', ARGV[3], 'decided_at_ms', now,
  'detail', ARGV[4])
set_state('denied')
audit(ARGV[3], 'denied', ARGV[4])
return reply('ok')
