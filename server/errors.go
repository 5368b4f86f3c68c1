package server

// Reply texts, byte for byte as Redis 7.0 words them, so that clients which
// match on error prefixes (and differential tests) see no difference.
const (
	msgSyntax          = "ERR syntax error"
	msgNotInteger      = "ERR value is not an integer or out of range"
	msgNotFloat        = "ERR value is not a valid float"
	msgWrongType       = "WRONGTYPE Operation against a key holding the wrong kind of value"
	msgNoSuchKey       = "ERR no such key"
	msgNoAuth          = "NOAUTH Authentication required."
	msgWrongPass       = "WRONGPASS invalid username-password pair or user is disabled."
	msgAuthNotSet      = "ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?"
	msgDBIndex         = "ERR DB index is out of range"
	msgNoProto         = "NOPROTO unsupported protocol version"
	msgMaxClients      = "ERR max number of clients reached"
	msgClientName      = "ERR Client names cannot contain spaces, newlines or special characters."
	msgInternal        = "ERR internal error while executing the command"
	msgProtocolPrefix  = "ERR "
	msgInvalidExpire   = "ERR invalid expire time in '%s' command"
	msgUnknownCmd      = "ERR unknown command '%s', with args beginning with: %s"
	msgUnknownSub      = "ERR unknown subcommand '%s'. Try %s HELP."
	msgWrongArgs       = "ERR wrong number of arguments for '%s' command"
	msgTimeout         = "ERR timeout is not an integer or out of range"
	msgIncrOverflow    = "ERR increment or decrement would overflow"
	msgOutOfRange      = "ERR index out of range"
	msgSelectNotNumber = msgNotInteger
	msgOOM             = "OOM command not allowed when used memory > 'maxmemory'."
)
