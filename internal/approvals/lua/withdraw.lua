-- withdraw: ARGV id, now, why. The bot withdraws a pending request (its
-- approval message could not be posted): cancelled, decided by 'bot',
-- audited as the bot's withdrawal, not as the requester's cancel.
local refused = check_pending()
if refused then return refused end
redis.call('HSET', K.req, 'decided_by', 'bot', 'decided_at_ms', now, 'detail', ARGV[3])
set_state('cancelled')
audit('bot', 'withdrawn', ARGV[3])
return reply('ok')
