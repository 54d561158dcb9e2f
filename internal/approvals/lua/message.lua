-- message: ARGV id, now, channel, ts. Records where the approval message is.
if not exists() then return missing() end
redis.call('HSET', K.req, 'channel', ARGV[3], 'message_ts', ARGV[4])
return reply('ok')
