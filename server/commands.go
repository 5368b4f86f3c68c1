package server

import (
	"fmt"
	"strings"
)

// flag describes a command for dispatch, COMMAND INFO and the table tests.
type flag uint16

const (
	flagRead     flag = 1 << iota // reads the keyspace, never writes it
	flagWrite                     // may modify the keyspace
	flagFast                      // O(1) or O(log n)
	flagAdmin                     // server management
	flagNoAuth                    // allowed before AUTH when a password is set
	flagConn                      // connection state only; touches no key
	flagMini                      // a Mini-Redis command that Redis does not have
	flagDenyOOM                   // may grow memory (refused when over maxmemory)
	flagNoScript                  // refused inside a script (redis.call)
	flagScript                    // runs a Lua script or function
	flagEffects                   // logs what it did (client.effect), not its arguments, to the append-only file
)

// handler executes one command: it reads args (valid until the handler
// returns, see codec.Reader.ReadCommand) and writes exactly one reply to c.w.
type handler func(c *client, args [][]byte)

// command is one row of the command table. Arity counts the command name and
// follows Redis's sign rule: n means exactly n arguments, -n at least n.
// firstKey/lastKey/step give key positions the way COMMAND INFO reports them
// (lastKey -1 means the last argument).
type command struct {
	name     string
	arity    int
	flags    flag
	firstKey int
	lastKey  int
	step     int
	group    string
	summary  string
	fn       handler
	// keysFn, when set, finds the keys of a call whose key positions the
	// first/last/step triple cannot describe (EVAL's numkeys, ZUNIONSTORE).
	keysFn func(dst, args [][]byte) [][]byte
	// reaches, when set, reports whether a call also reads keys its
	// arguments do not name (SORT's BY and GET patterns), so that a
	// transaction or script must hold every shard for it.
	reaches func(args [][]byte) bool
	// idx is the row's position in the table, set by buildIndex: it
	// indexes per-command statistics.
	idx int
}

// commands is the whole command table. Dispatch checks arity and
// authentication once, centrally; handlers never re-check the arity.
// The groups are kept in separate blocks so that work on one group does not
// collide with work on another. It is filled in init because COMMAND's
// handler reads the table it is part of.
var commands []command

// byName indexes commands by upper-case name; built once at startup.
var byName map[string]*command

func init() {
	commands = []command{
		// connection and server
		{name: "PING", arity: -1, flags: flagConn | flagFast, group: "connection", summary: "Returns the server's liveliness response.", fn: cmdPing},
		{name: "ECHO", arity: 2, flags: flagConn | flagFast, group: "connection", summary: "Returns the given string.", fn: cmdEcho},
		{name: "QUIT", arity: -1, flags: flagNoScript | flagConn | flagFast | flagNoAuth, group: "connection", summary: "Closes the connection.", fn: cmdQuit},
		{name: "HELLO", arity: -1, flags: flagNoScript | flagConn | flagFast | flagNoAuth, group: "connection", summary: "Handshakes with the server.", fn: cmdHello},
		{name: "AUTH", arity: -2, flags: flagNoScript | flagConn | flagFast | flagNoAuth, group: "connection", summary: "Authenticates the connection.", fn: cmdAuth},
		{name: "SELECT", arity: 2, flags: flagConn | flagFast, group: "connection", summary: "Changes the selected database (only 0 exists).", fn: cmdSelect},
		{name: "CLIENT", arity: -2, flags: flagNoScript | flagConn, group: "connection", summary: "A container for client connection commands.", fn: cmdClient},
		{name: "COMMAND", arity: -1, flags: flagConn, group: "server", summary: "Returns detailed information about all commands.", fn: cmdCommand},
		{name: "CONFIG", arity: -2, flags: flagNoScript | flagAdmin, group: "server", summary: "A container for server configuration commands.", fn: cmdConfig},
		{name: "INFO", arity: -1, flags: flagConn, group: "server", summary: "Returns information and statistics about the server.", fn: cmdInfo},
		{name: "TIME", arity: 1, flags: flagConn | flagFast, group: "server", summary: "Returns the server time.", fn: cmdTime},
		{name: "DBSIZE", arity: 1, flags: flagRead | flagFast, group: "server", summary: "Returns the number of keys in the database.", fn: cmdDBSize},
		{name: "FLUSHALL", arity: -1, flags: flagWrite, group: "server", summary: "Removes all keys.", fn: cmdFlushAll},
		{name: "FLUSHDB", arity: -1, flags: flagWrite, group: "server", summary: "Removes all keys of the current database.", fn: cmdFlushDB},
		{name: "SWAPDB", arity: 3, flags: flagWrite | flagFast, group: "server", summary: "Swaps two Redis databases.", fn: cmdSwapDB},
		{name: "MULTI", arity: 1, flags: flagNoScript | flagConn | flagFast, group: "transactions", summary: "Starts a transaction.", fn: cmdMulti},
		{name: "EXEC", arity: 1, flags: flagNoScript | flagConn, group: "transactions", summary: "Executes all commands in a transaction.", fn: cmdExec},
		{name: "DISCARD", arity: 1, flags: flagNoScript | flagConn | flagFast, group: "transactions", summary: "Discards a transaction.", fn: cmdDiscard},
		{name: "WATCH", arity: -2, flags: flagNoScript | flagRead | flagFast, firstKey: 1, lastKey: -1, step: 1, group: "transactions", summary: "Monitors changes to keys to determine the execution of a transaction.", fn: cmdWatch},
		{name: "UNWATCH", arity: 1, flags: flagNoScript | flagConn | flagFast, group: "transactions", summary: "Forgets about watched keys of a transaction.", fn: cmdUnwatch},
		{name: "EVAL", arity: -3, flags: flagScript | flagWrite | flagNoScript, group: "scripting", summary: "Executes a server-side Lua script.", fn: cmdEval, keysFn: numkeysKeys},
		{name: "EVALSHA", arity: -3, flags: flagScript | flagWrite | flagNoScript, group: "scripting", summary: "Executes a server-side Lua script by SHA1 digest.", fn: cmdEvalSHA, keysFn: numkeysKeys},
		{name: "EVAL_RO", arity: -3, flags: flagScript | flagRead | flagNoScript, group: "scripting", summary: "Executes a read-only server-side Lua script.", fn: cmdEvalRO, keysFn: numkeysKeys},
		{name: "EVALSHA_RO", arity: -3, flags: flagScript | flagRead | flagNoScript, group: "scripting", summary: "Executes a read-only server-side Lua script by SHA1 digest.", fn: cmdEvalSHARO, keysFn: numkeysKeys},
		{name: "FCALL", arity: -3, flags: flagScript | flagWrite | flagNoScript, group: "scripting", summary: "Invokes a function.", fn: cmdFCall, keysFn: numkeysKeys},
		{name: "FCALL_RO", arity: -3, flags: flagScript | flagRead | flagNoScript, group: "scripting", summary: "Invokes a read-only function.", fn: cmdFCallRO, keysFn: numkeysKeys},
		{name: "SCRIPT", arity: -2, flags: flagConn | flagNoScript, group: "scripting", summary: "A container for Lua scripts management commands.", fn: cmdScript},
		{name: "FUNCTION", arity: -2, flags: flagConn | flagNoScript, group: "scripting", summary: "A container for function commands.", fn: cmdFunction},
		{name: "CLEARALL", arity: 1, flags: flagWrite | flagMini, group: "server", summary: "Removes all keys (Mini-Redis).", fn: cmdClearAll},

		// pubsub (issue 12): subscribing changes the connection's mode, so
		// none of these run in scripts, as in Redis
		{name: "SUBSCRIBE", arity: -2, flags: flagNoScript | flagConn, group: "pubsub", summary: "Listens for messages published to channels.", fn: cmdSubscribe},
		{name: "UNSUBSCRIBE", arity: -1, flags: flagNoScript | flagConn, group: "pubsub", summary: "Stops listening to messages posted to channels.", fn: cmdUnsubscribe},
		{name: "PSUBSCRIBE", arity: -2, flags: flagNoScript | flagConn, group: "pubsub", summary: "Listens for messages published to channels that match one or more patterns.", fn: cmdPSubscribe},
		{name: "PUNSUBSCRIBE", arity: -1, flags: flagNoScript | flagConn, group: "pubsub", summary: "Stops listening to messages published to channels that match one or more patterns.", fn: cmdPUnsubscribe},
		{name: "SSUBSCRIBE", arity: -2, flags: flagNoScript | flagConn, group: "pubsub", summary: "Listens for messages published to shard channels.", fn: cmdSSubscribe},
		{name: "SUNSUBSCRIBE", arity: -1, flags: flagNoScript | flagConn, group: "pubsub", summary: "Stops listening to messages posted to shard channels.", fn: cmdSUnsubscribe},
		{name: "PUBLISH", arity: 3, flags: flagConn | flagFast, group: "pubsub", summary: "Posts a message to a channel.", fn: cmdPublish},
		{name: "SPUBLISH", arity: 3, flags: flagConn | flagFast, group: "pubsub", summary: "Post a message to a shard channel", fn: cmdSPublish},
		{name: "PUBSUB", arity: -2, flags: flagConn, group: "pubsub", summary: "A container for Pub/Sub commands.", fn: cmdPubSub},
		{name: "RESET", arity: 1, flags: flagNoScript | flagConn | flagFast | flagNoAuth, group: "connection", summary: "Resets the connection.", fn: cmdReset},

		// keys
		{name: "DEL", arity: -2, flags: flagWrite, firstKey: 1, lastKey: -1, step: 1, group: "generic", summary: "Deletes one or more keys.", fn: cmdDel},
		{name: "DELETE", arity: -2, flags: flagWrite | flagMini, firstKey: 1, lastKey: -1, step: 1, group: "generic", summary: "Deletes one or more keys (Mini-Redis alias of DEL).", fn: cmdDel},
		{name: "EXISTS", arity: -2, flags: flagRead | flagFast, firstKey: 1, lastKey: -1, step: 1, group: "generic", summary: "Determines whether one or more keys exist.", fn: cmdExists},
		{name: "TYPE", arity: 2, flags: flagRead | flagFast, firstKey: 1, lastKey: 1, step: 1, group: "generic", summary: "Determines the type of value stored at a key.", fn: cmdType},
		{name: "RENAME", arity: 3, flags: flagWrite, firstKey: 1, lastKey: 2, step: 1, group: "generic", summary: "Renames a key and overwrites the destination.", fn: cmdRename},
		{name: "TTL", arity: 2, flags: flagRead | flagFast, firstKey: 1, lastKey: 1, step: 1, group: "generic", summary: "Returns the expiration time in seconds of a key.", fn: cmdTTL},
		{name: "PTTL", arity: 2, flags: flagRead | flagFast, firstKey: 1, lastKey: 1, step: 1, group: "generic", summary: "Returns the expiration time in milliseconds of a key.", fn: cmdPTTL},
		{name: "UNLINK", arity: -2, flags: flagWrite | flagFast, firstKey: 1, lastKey: -1, step: 1, group: "generic", summary: "Asynchronously deletes one or more keys.", fn: cmdDel},
		{name: "RENAMENX", arity: 3, flags: flagWrite | flagFast, firstKey: 1, lastKey: 2, step: 1, group: "generic", summary: "Renames a key only when the target key name doesn't exist.", fn: cmdRenameNX},
		{name: "KEYS", arity: 2, flags: flagRead, group: "generic", summary: "Returns all key names that match a pattern.", fn: cmdKeys},
		{name: "SCAN", arity: -2, flags: flagRead, group: "generic", summary: "Iterates over the key names in the database.", fn: cmdScan},
		{name: "MOVE", arity: 3, flags: flagWrite | flagFast, firstKey: 1, lastKey: 1, step: 1, group: "generic", summary: "Moves a key to another database.", fn: cmdMove},
		{name: "RANDOMKEY", arity: 1, flags: flagRead, group: "generic", summary: "Returns a random key name from the database.", fn: cmdRandomKey},

		// expiry (the TTL command family)
		{name: "EXPIRE", arity: -3, flags: flagWrite | flagFast, firstKey: 1, lastKey: 1, step: 1, group: "generic", summary: "Sets the expiration time of a key in seconds.", fn: cmdExpire},
		{name: "PEXPIRE", arity: -3, flags: flagWrite | flagFast, firstKey: 1, lastKey: 1, step: 1, group: "generic", summary: "Sets the expiration time of a key in milliseconds.", fn: cmdPExpire},
		{name: "EXPIREAT", arity: -3, flags: flagWrite | flagFast, firstKey: 1, lastKey: 1, step: 1, group: "generic", summary: "Sets the expiration time of a key to a Unix timestamp.", fn: cmdExpireAt},
		{name: "PEXPIREAT", arity: -3, flags: flagWrite | flagFast, firstKey: 1, lastKey: 1, step: 1, group: "generic", summary: "Sets the expiration time of a key to a Unix milliseconds timestamp.", fn: cmdPExpireAt},
		{name: "EXPIRETIME", arity: 2, flags: flagRead | flagFast, firstKey: 1, lastKey: 1, step: 1, group: "generic", summary: "Returns the expiration time of a key as a Unix timestamp.", fn: cmdExpireTime},
		{name: "PEXPIRETIME", arity: 2, flags: flagRead | flagFast, firstKey: 1, lastKey: 1, step: 1, group: "generic", summary: "Returns the expiration time of a key as a Unix milliseconds timestamp.", fn: cmdPExpireTime},
		{name: "PERSIST", arity: 2, flags: flagWrite | flagFast, firstKey: 1, lastKey: 1, step: 1, group: "generic", summary: "Removes the expiration time of a key.", fn: cmdPersist},
		{name: "GETEX", arity: -2, flags: flagWrite | flagFast, firstKey: 1, lastKey: 1, step: 1, group: "string", summary: "Returns the string value of a key after setting its expiration time.", fn: cmdGetEx},
		{name: "SETEX", arity: 4, flags: flagWrite | flagDenyOOM, firstKey: 1, lastKey: 1, step: 1, group: "string", summary: "Sets the string value and expiration time of a key.", fn: cmdSetEx},
		{name: "PSETEX", arity: 4, flags: flagWrite | flagDenyOOM, firstKey: 1, lastKey: 1, step: 1, group: "string", summary: "Sets both string value and expiration time in milliseconds of a key.", fn: cmdPSetEx},

		// strings
		{name: "GET", arity: 2, flags: flagRead | flagFast, firstKey: 1, lastKey: 1, step: 1, group: "string", summary: "Returns the value of a key.", fn: cmdGet},
		{name: "SET", arity: -3, flags: flagWrite | flagDenyOOM, firstKey: 1, lastKey: 1, step: 1, group: "string", summary: "Sets the value of a key, with an optional expiry.", fn: cmdSet},
		{name: "UPDATE", arity: -3, flags: flagWrite | flagDenyOOM | flagMini, firstKey: 1, lastKey: 1, step: 1, group: "string", summary: "Replaces the value of an existing key (Mini-Redis).", fn: cmdUpdate},
		{name: "GETDEL", arity: 2, flags: flagWrite | flagFast, firstKey: 1, lastKey: 1, step: 1, group: "string", summary: "Returns the string value of a key after deleting the key.", fn: cmdGetDel},
		{name: "GETSET", arity: 3, flags: flagWrite | flagDenyOOM | flagFast, firstKey: 1, lastKey: 1, step: 1, group: "string", summary: "Returns the previous string value of a key after setting it to a new value.", fn: cmdGetSet},
		{name: "SETNX", arity: 3, flags: flagWrite | flagDenyOOM | flagFast, firstKey: 1, lastKey: 1, step: 1, group: "string", summary: "Set the string value of a key only when the key doesn't exist.", fn: cmdSetNX},
		{name: "MGET", arity: -2, flags: flagRead | flagFast, firstKey: 1, lastKey: -1, step: 1, group: "string", summary: "Atomically returns the string values of one or more keys.", fn: cmdMGet},
		{name: "MSET", arity: -3, flags: flagWrite | flagDenyOOM, firstKey: 1, lastKey: -1, step: 2, group: "string", summary: "Atomically creates or modifies the string values of one or more keys.", fn: cmdMSet},
		{name: "MSETNX", arity: -3, flags: flagWrite | flagDenyOOM, firstKey: 1, lastKey: -1, step: 2, group: "string", summary: "Atomically modifies the string values of one or more keys only when all keys don't exist.", fn: cmdMSetNX},
		{name: "INCR", arity: 2, flags: flagWrite | flagDenyOOM | flagFast, firstKey: 1, lastKey: 1, step: 1, group: "string", summary: "Increments the integer value of a key by one.", fn: cmdIncr},
		{name: "DECR", arity: 2, flags: flagWrite | flagDenyOOM | flagFast, firstKey: 1, lastKey: 1, step: 1, group: "string", summary: "Decrements the integer value of a key by one.", fn: cmdDecr},
		{name: "INCRBY", arity: 3, flags: flagWrite | flagDenyOOM | flagFast, firstKey: 1, lastKey: 1, step: 1, group: "string", summary: "Increments the integer value of a key by a number.", fn: cmdIncrBy},
		{name: "DECRBY", arity: 3, flags: flagWrite | flagDenyOOM | flagFast, firstKey: 1, lastKey: 1, step: 1, group: "string", summary: "Decrements a number from the integer value of a key.", fn: cmdDecrBy},
		{name: "INCRBYFLOAT", arity: 3, flags: flagWrite | flagDenyOOM | flagFast, firstKey: 1, lastKey: 1, step: 1, group: "string", summary: "Increment the floating point value of a key by a number.", fn: cmdIncrByFloat},
		{name: "APPEND", arity: 3, flags: flagWrite | flagDenyOOM | flagFast, firstKey: 1, lastKey: 1, step: 1, group: "string", summary: "Appends a string to the value of a key. Creates the key if it doesn't exist.", fn: cmdAppend},
		{name: "STRLEN", arity: 2, flags: flagRead | flagFast, firstKey: 1, lastKey: 1, step: 1, group: "string", summary: "Returns the length of a string value.", fn: cmdStrlen},
		{name: "GETRANGE", arity: 4, flags: flagRead, firstKey: 1, lastKey: 1, step: 1, group: "string", summary: "Returns a substring of the string stored at a key.", fn: cmdGetRange},
		{name: "SETRANGE", arity: 4, flags: flagWrite | flagDenyOOM, firstKey: 1, lastKey: 1, step: 1, group: "string", summary: "Overwrites a part of a string value with another by an offset. Creates the key if it doesn't exist.", fn: cmdSetRange},

		// lists
		{name: "LPUSH", arity: -3, flags: flagWrite | flagDenyOOM | flagFast, firstKey: 1, lastKey: 1, step: 1, group: "list", summary: "Prepends one or more elements to a list. Creates the key if it doesn't exist.", fn: cmdLPush},
		{name: "RPUSH", arity: -3, flags: flagWrite | flagDenyOOM | flagFast, firstKey: 1, lastKey: 1, step: 1, group: "list", summary: "Appends one or more elements to a list. Creates the key if it doesn't exist.", fn: cmdRPush},
		{name: "LPUSHX", arity: -3, flags: flagWrite | flagDenyOOM | flagFast, firstKey: 1, lastKey: 1, step: 1, group: "list", summary: "Prepends one or more elements to a list only when the list exists.", fn: cmdLPushX},
		{name: "RPUSHX", arity: -3, flags: flagWrite | flagDenyOOM | flagFast, firstKey: 1, lastKey: 1, step: 1, group: "list", summary: "Appends an element to a list only when the list exists.", fn: cmdRPushX},
		{name: "LPOP", arity: -2, flags: flagWrite | flagFast, firstKey: 1, lastKey: 1, step: 1, group: "list", summary: "Returns the first elements in a list after removing it. Deletes the list if the last element was popped.", fn: cmdLPop},
		{name: "RPOP", arity: -2, flags: flagWrite | flagFast, firstKey: 1, lastKey: 1, step: 1, group: "list", summary: "Returns and removes the last elements of a list. Deletes the list if the last element was popped.", fn: cmdRPop},
		{name: "LLEN", arity: 2, flags: flagRead | flagFast, firstKey: 1, lastKey: 1, step: 1, group: "list", summary: "Returns the length of a list.", fn: cmdLLen},
		{name: "LRANGE", arity: 4, flags: flagRead, firstKey: 1, lastKey: 1, step: 1, group: "list", summary: "Returns a range of elements from a list.", fn: cmdLRange},
		{name: "LINDEX", arity: 3, flags: flagRead, firstKey: 1, lastKey: 1, step: 1, group: "list", summary: "Returns an element from a list by its index.", fn: cmdLIndex},
		{name: "LSET", arity: 4, flags: flagWrite | flagDenyOOM, firstKey: 1, lastKey: 1, step: 1, group: "list", summary: "Sets the value of an element in a list by its index.", fn: cmdLSet},
		{name: "LREM", arity: 4, flags: flagWrite, firstKey: 1, lastKey: 1, step: 1, group: "list", summary: "Removes elements from a list. Deletes the list if the last element was removed.", fn: cmdLRem},
		{name: "LTRIM", arity: 4, flags: flagWrite, firstKey: 1, lastKey: 1, step: 1, group: "list", summary: "Removes elements from both ends a list. Deletes the list if all elements were trimmed.", fn: cmdLTrim},
		{name: "LINSERT", arity: 5, flags: flagWrite | flagDenyOOM, firstKey: 1, lastKey: 1, step: 1, group: "list", summary: "Inserts an element before or after another element in a list.", fn: cmdLInsert},
		{name: "BLPOP", arity: -3, flags: flagEffects | flagWrite | flagNoScript, firstKey: 1, lastKey: -2, step: 1, group: "list", summary: "Removes and returns the first element in a list. Blocks until an element is available otherwise. Deletes the list if the last element was popped.", fn: cmdBLPop},
		{name: "BRPOP", arity: -3, flags: flagEffects | flagWrite | flagNoScript, firstKey: 1, lastKey: -2, step: 1, group: "list", summary: "Removes and returns the last element in a list. Blocks until an element is available otherwise. Deletes the list if the last element was popped.", fn: cmdBRPop},
		{name: "BLMOVE", arity: 6, flags: flagEffects | flagWrite | flagNoScript | flagDenyOOM, firstKey: 1, lastKey: 2, step: 1, group: "list", summary: "Pops an element from a list, pushes it to another list and returns it. Blocks until an element is available otherwise. Deletes the list if the last element was moved.", fn: cmdBLMove},
		{name: "BRPOPLPUSH", arity: 4, flags: flagEffects | flagWrite | flagNoScript | flagDenyOOM, firstKey: 1, lastKey: 2, step: 1, group: "list", summary: "Pops an element from a list, pushes it to another list and returns it. Block until an element is available otherwise. Deletes the list if the last element was popped.", fn: cmdBRPopLPush},
		{name: "BLMPOP", arity: -5, flags: flagEffects | flagWrite, group: "list", summary: "Pops the first element from one of multiple lists. Blocks until an element is available otherwise. Deletes the list if the last element was popped.", fn: cmdBLMPop, keysFn: bmpopKeys},
		{name: "LMOVE", arity: 5, flags: flagWrite | flagDenyOOM, firstKey: 1, lastKey: 2, step: 1, group: "list", summary: "Returns an element after popping it from one list and pushing it to another. Deletes the list if the last element was moved.", fn: cmdLMove},
		{name: "RPOPLPUSH", arity: 3, flags: flagWrite | flagDenyOOM, firstKey: 1, lastKey: 2, step: 1, group: "list", summary: "Returns the last element of a list after removing and pushing it to another list. Deletes the list if the last element was popped.", fn: cmdRPopLPush},
		{name: "LMPOP", arity: -4, flags: flagWrite, group: "list", summary: "Returns multiple elements from a list after removing them. Deletes the list if the last element was popped.", fn: cmdLMPop, keysFn: mpopKeys},
		{name: "LPOS", arity: -3, flags: flagRead, firstKey: 1, lastKey: 1, step: 1, group: "list", summary: "Returns the index of matching elements in a list.", fn: cmdLPos},

		// hashes
		{name: "HSET", arity: -4, flags: flagWrite | flagDenyOOM | flagFast, firstKey: 1, lastKey: 1, step: 1, group: "hash", summary: "Creates or modifies the value of a field in a hash.", fn: cmdHSet},
		{name: "HSETNX", arity: 4, flags: flagWrite | flagDenyOOM | flagFast, firstKey: 1, lastKey: 1, step: 1, group: "hash", summary: "Sets the value of a field in a hash only when the field doesn't exist.", fn: cmdHSetNX},
		{name: "HGET", arity: 3, flags: flagRead | flagFast, firstKey: 1, lastKey: 1, step: 1, group: "hash", summary: "Returns the value of a field in a hash.", fn: cmdHGet},
		{name: "HMGET", arity: -3, flags: flagRead | flagFast, firstKey: 1, lastKey: 1, step: 1, group: "hash", summary: "Returns the values of all fields in a hash.", fn: cmdHMGet},
		{name: "HMSET", arity: -4, flags: flagWrite | flagDenyOOM | flagFast, firstKey: 1, lastKey: 1, step: 1, group: "hash", summary: "Sets the values of multiple fields.", fn: cmdHMSet},
		{name: "HDEL", arity: -3, flags: flagWrite | flagFast, firstKey: 1, lastKey: 1, step: 1, group: "hash", summary: "Deletes one or more fields and their values from a hash. Deletes the hash if no fields remain.", fn: cmdHDel},
		{name: "HLEN", arity: 2, flags: flagRead | flagFast, firstKey: 1, lastKey: 1, step: 1, group: "hash", summary: "Returns the number of fields in a hash.", fn: cmdHLen},
		{name: "HEXISTS", arity: 3, flags: flagRead | flagFast, firstKey: 1, lastKey: 1, step: 1, group: "hash", summary: "Determines whether a field exists in a hash.", fn: cmdHExists},
		{name: "HGETALL", arity: 2, flags: flagRead, firstKey: 1, lastKey: 1, step: 1, group: "hash", summary: "Returns all fields and values in a hash.", fn: cmdHGetAll},
		{name: "HKEYS", arity: 2, flags: flagRead, firstKey: 1, lastKey: 1, step: 1, group: "hash", summary: "Returns all fields in a hash.", fn: cmdHKeys},
		{name: "HVALS", arity: 2, flags: flagRead, firstKey: 1, lastKey: 1, step: 1, group: "hash", summary: "Returns all values in a hash.", fn: cmdHVals},
		{name: "HINCRBY", arity: 4, flags: flagWrite | flagDenyOOM | flagFast, firstKey: 1, lastKey: 1, step: 1, group: "hash", summary: "Increments the integer value of a field in a hash by a number. Uses 0 as initial value if the field doesn't exist.", fn: cmdHIncrBy},
		{name: "HINCRBYFLOAT", arity: 4, flags: flagWrite | flagDenyOOM | flagFast, firstKey: 1, lastKey: 1, step: 1, group: "hash", summary: "Increments the floating point value of a field by a number. Uses 0 as initial value if the field doesn't exist.", fn: cmdHIncrByFloat},
		{name: "HSTRLEN", arity: 3, flags: flagRead | flagFast, firstKey: 1, lastKey: 1, step: 1, group: "hash", summary: "Returns the length of the value of a field.", fn: cmdHStrLen},
		{name: "HRANDFIELD", arity: -2, flags: flagRead, firstKey: 1, lastKey: 1, step: 1, group: "hash", summary: "Returns one or more random fields from a hash.", fn: cmdHRandField},
		{name: "HSCAN", arity: -3, flags: flagRead, firstKey: 1, lastKey: 1, step: 1, group: "hash", summary: "Iterates over fields and values of a hash.", fn: cmdHScan},

		// sets and sorted sets
		{name: "SADD", arity: -3, flags: flagWrite | flagDenyOOM | flagFast, firstKey: 1, lastKey: 1, step: 1, group: "set", summary: "Adds one or more members to a set. Creates the key if it doesn't exist.", fn: cmdSAdd},
		{name: "SREM", arity: -3, flags: flagWrite | flagFast, firstKey: 1, lastKey: 1, step: 1, group: "set", summary: "Removes one or more members from a set. Deletes the set if the last member was removed.", fn: cmdSRem},
		{name: "SMEMBERS", arity: 2, flags: flagRead, firstKey: 1, lastKey: 1, step: 1, group: "set", summary: "Returns all members of a set.", fn: cmdSMembers},
		{name: "SISMEMBER", arity: 3, flags: flagRead | flagFast, firstKey: 1, lastKey: 1, step: 1, group: "set", summary: "Determines whether a member belongs to a set.", fn: cmdSIsMember},
		{name: "SCARD", arity: 2, flags: flagRead | flagFast, firstKey: 1, lastKey: 1, step: 1, group: "set", summary: "Returns the number of members in a set.", fn: cmdSCard},
		{name: "SPOP", arity: -2, flags: flagEffects | flagWrite | flagFast, firstKey: 1, lastKey: 1, step: 1, group: "set", summary: "Returns one or more random members from a set after removing them. Deletes the set if the last member was popped.", fn: cmdSPop},
		{name: "SMOVE", arity: 4, flags: flagWrite | flagFast, firstKey: 1, lastKey: 2, step: 1, group: "set", summary: "Moves a member from one set to another.", fn: cmdSMove},
		{name: "SRANDMEMBER", arity: -2, flags: flagRead, firstKey: 1, lastKey: 1, step: 1, group: "set", summary: "Get one or multiple random members from a set.", fn: cmdSRandMember},
		{name: "ZADD", arity: -4, flags: flagWrite | flagDenyOOM | flagFast, firstKey: 1, lastKey: 1, step: 1, group: "sorted-set", summary: "Adds one or more members to a sorted set, or updates their scores. Creates the key if it doesn't exist.", fn: cmdZAdd},
		{name: "ZREM", arity: -3, flags: flagWrite | flagFast, firstKey: 1, lastKey: 1, step: 1, group: "sorted-set", summary: "Removes one or more members from a sorted set. Deletes the sorted set if all members were removed.", fn: cmdZRem},
		{name: "ZSCORE", arity: 3, flags: flagRead | flagFast, firstKey: 1, lastKey: 1, step: 1, group: "sorted-set", summary: "Returns the score of a member in a sorted set.", fn: cmdZScore},
		{name: "ZCARD", arity: 2, flags: flagRead | flagFast, firstKey: 1, lastKey: 1, step: 1, group: "sorted-set", summary: "Returns the number of members in a sorted set.", fn: cmdZCard},
		{name: "ZRANGE", arity: -4, flags: flagRead, firstKey: 1, lastKey: 1, step: 1, group: "sorted-set", summary: "Returns members in a sorted set within a range of indexes.", fn: cmdZRange},
		{name: "ZRANK", arity: 3, flags: flagRead | flagFast, firstKey: 1, lastKey: 1, step: 1, group: "sorted-set", summary: "Returns the index of a member in a sorted set ordered by ascending scores.", fn: cmdZRank},
		{name: "ZINCRBY", arity: 4, flags: flagWrite | flagDenyOOM | flagFast, firstKey: 1, lastKey: 1, step: 1, group: "sorted-set", summary: "Increments the score of a member in a sorted set.", fn: cmdZIncrBy},
		{name: "ZPOPMIN", arity: -2, flags: flagWrite | flagFast, firstKey: 1, lastKey: 1, step: 1, group: "sorted-set", summary: "Returns the lowest-scoring members from a sorted set after removing them. Deletes the sorted set if the last member was popped.", fn: cmdZPopMin},
		{name: "ZPOPMAX", arity: -2, flags: flagWrite | flagFast, firstKey: 1, lastKey: 1, step: 1, group: "sorted-set", summary: "Returns the highest-scoring members from a sorted set after removing them. Deletes the sorted set if the last member was popped.", fn: cmdZPopMax},
		{name: "BZPOPMIN", arity: -3, flags: flagEffects | flagWrite | flagNoScript | flagFast, firstKey: 1, lastKey: -2, step: 1, group: "sorted-set", summary: "Removes and returns the member with the lowest score from one or more sorted sets. Blocks until a member is available otherwise. Deletes the sorted set if the last element was popped.", fn: cmdBZPopMin},
		{name: "BZPOPMAX", arity: -3, flags: flagEffects | flagWrite | flagNoScript | flagFast, firstKey: 1, lastKey: -2, step: 1, group: "sorted-set", summary: "Removes and returns the member with the highest score from one or more sorted sets. Blocks until a member available otherwise.  Deletes the sorted set if the last element was popped.", fn: cmdBZPopMax},
		{name: "BZMPOP", arity: -5, flags: flagEffects | flagWrite, group: "sorted-set", summary: "Removes and returns a member by score from one or more sorted sets. Blocks until a member is available otherwise. Deletes the sorted set if the last member was popped.", fn: cmdBZMPop, keysFn: bmpopKeys},
		{name: "ZMPOP", arity: -4, flags: flagWrite, group: "sorted-set", summary: "Returns the highest- or lowest-scoring members from one or more sorted sets after removing them. Deletes the sorted set if the last member was popped.", fn: cmdZMPop, keysFn: mpopKeys},

		// issue 14, i-types: the rest of the sorted-set and set families
		{name: "ZREVRANGE", arity: -4, flags: flagRead, firstKey: 1, lastKey: 1, step: 1, group: "sorted-set", summary: "Returns members in a sorted set within a range of indexes in reverse order.", fn: cmdZRevRange},
		{name: "ZRANGEBYSCORE", arity: -4, flags: flagRead, firstKey: 1, lastKey: 1, step: 1, group: "sorted-set", summary: "Returns members in a sorted set within a range of scores.", fn: cmdZRangeByScore},
		{name: "ZREVRANGEBYSCORE", arity: -4, flags: flagRead, firstKey: 1, lastKey: 1, step: 1, group: "sorted-set", summary: "Returns members in a sorted set within a range of scores in reverse order.", fn: cmdZRevRangeByScore},
		{name: "ZRANGEBYLEX", arity: -4, flags: flagRead, firstKey: 1, lastKey: 1, step: 1, group: "sorted-set", summary: "Returns members in a sorted set within a lexicographical range.", fn: cmdZRangeByLex},
		{name: "ZREVRANGEBYLEX", arity: -4, flags: flagRead, firstKey: 1, lastKey: 1, step: 1, group: "sorted-set", summary: "Returns members in a sorted set within a lexicographical range in reverse order.", fn: cmdZRevRangeByLex},
		{name: "ZRANGESTORE", arity: -5, flags: flagWrite | flagDenyOOM, firstKey: 1, lastKey: 2, step: 1, group: "sorted-set", summary: "Stores a range of members from sorted set in a key.", fn: cmdZRangeStore},
		{name: "ZCOUNT", arity: 4, flags: flagRead | flagFast, firstKey: 1, lastKey: 1, step: 1, group: "sorted-set", summary: "Returns the count of members in a sorted set that have scores within a range.", fn: cmdZCount},
		{name: "ZLEXCOUNT", arity: 4, flags: flagRead | flagFast, firstKey: 1, lastKey: 1, step: 1, group: "sorted-set", summary: "Returns the number of members in a sorted set within a lexicographical range.", fn: cmdZLexCount},
		{name: "ZREVRANK", arity: 3, flags: flagRead | flagFast, firstKey: 1, lastKey: 1, step: 1, group: "sorted-set", summary: "Returns the index of a member in a sorted set ordered by descending scores.", fn: cmdZRevRank},
		{name: "ZREMRANGEBYRANK", arity: 4, flags: flagWrite, firstKey: 1, lastKey: 1, step: 1, group: "sorted-set", summary: "Removes members in a sorted set within a range of indexes. Deletes the sorted set if all members were removed.", fn: cmdZRemRangeByRank},
		{name: "ZREMRANGEBYSCORE", arity: 4, flags: flagWrite, firstKey: 1, lastKey: 1, step: 1, group: "sorted-set", summary: "Removes members in a sorted set within a range of scores. Deletes the sorted set if all members were removed.", fn: cmdZRemRangeByScore},
		{name: "ZREMRANGEBYLEX", arity: 4, flags: flagWrite, firstKey: 1, lastKey: 1, step: 1, group: "sorted-set", summary: "Removes members in a sorted set within a lexicographical range. Deletes the sorted set if all members were removed.", fn: cmdZRemRangeByLex},
		{name: "ZUNION", arity: -3, flags: flagRead, group: "sorted-set", summary: "Returns the union of multiple sorted sets.", fn: cmdZUnion, keysFn: zsetOpKeys},
		{name: "ZINTER", arity: -3, flags: flagRead, group: "sorted-set", summary: "Returns the intersect of multiple sorted sets.", fn: cmdZInter, keysFn: zsetOpKeys},
		{name: "ZDIFF", arity: -3, flags: flagRead, group: "sorted-set", summary: "Returns the difference between multiple sorted sets.", fn: cmdZDiff, keysFn: zsetOpKeys},
		{name: "ZUNIONSTORE", arity: -4, flags: flagWrite | flagDenyOOM, group: "sorted-set", summary: "Stores the union of multiple sorted sets in a key.", fn: cmdZUnionStore, keysFn: zsetStoreKeys},
		{name: "ZINTERSTORE", arity: -4, flags: flagWrite | flagDenyOOM, group: "sorted-set", summary: "Stores the intersect of multiple sorted sets in a key.", fn: cmdZInterStore, keysFn: zsetStoreKeys},
		{name: "ZDIFFSTORE", arity: -4, flags: flagWrite | flagDenyOOM, group: "sorted-set", summary: "Stores the difference of multiple sorted sets in a key.", fn: cmdZDiffStore, keysFn: zsetStoreKeys},
		{name: "ZINTERCARD", arity: -3, flags: flagRead, group: "sorted-set", summary: "Returns the number of members of the intersect of multiple sorted sets.", fn: cmdZInterCard, keysFn: zsetOpKeys},
		{name: "ZMSCORE", arity: -3, flags: flagRead | flagFast, firstKey: 1, lastKey: 1, step: 1, group: "sorted-set", summary: "Returns the score of one or more members in a sorted set.", fn: cmdZMScore},
		{name: "ZRANDMEMBER", arity: -2, flags: flagRead, firstKey: 1, lastKey: 1, step: 1, group: "sorted-set", summary: "Returns one or more random members from a sorted set.", fn: cmdZRandMember},
		{name: "ZSCAN", arity: -3, flags: flagRead, firstKey: 1, lastKey: 1, step: 1, group: "sorted-set", summary: "Iterates over members and scores of a sorted set.", fn: cmdZScan},
		{name: "SINTER", arity: -2, flags: flagRead, firstKey: 1, lastKey: -1, step: 1, group: "set", summary: "Returns the intersect of multiple sets.", fn: cmdSInter},
		{name: "SUNION", arity: -2, flags: flagRead, firstKey: 1, lastKey: -1, step: 1, group: "set", summary: "Returns the union of multiple sets.", fn: cmdSUnion},
		{name: "SDIFF", arity: -2, flags: flagRead, firstKey: 1, lastKey: -1, step: 1, group: "set", summary: "Returns the difference of multiple sets.", fn: cmdSDiff},
		{name: "SINTERSTORE", arity: -3, flags: flagWrite | flagDenyOOM, firstKey: 1, lastKey: -1, step: 1, group: "set", summary: "Stores the intersect of multiple sets in a key.", fn: cmdSInterStore},
		{name: "SUNIONSTORE", arity: -3, flags: flagWrite | flagDenyOOM, firstKey: 1, lastKey: -1, step: 1, group: "set", summary: "Stores the union of multiple sets in a key.", fn: cmdSUnionStore},
		{name: "SDIFFSTORE", arity: -3, flags: flagWrite | flagDenyOOM, firstKey: 1, lastKey: -1, step: 1, group: "set", summary: "Stores the difference of multiple sets in a key.", fn: cmdSDiffStore},
		{name: "SINTERCARD", arity: -3, flags: flagRead, group: "set", summary: "Returns the number of members of the intersect of multiple sets.", fn: cmdSInterCard, keysFn: mpopKeys},
		{name: "SMISMEMBER", arity: -3, flags: flagRead | flagFast, firstKey: 1, lastKey: 1, step: 1, group: "set", summary: "Determines whether multiple members belong to a set.", fn: cmdSMIsMember},
		{name: "SSCAN", arity: -3, flags: flagRead, firstKey: 1, lastKey: 1, step: 1, group: "set", summary: "Iterates over members of a set.", fn: cmdSScan},
		// issue 14, i-types: keys and strings
		{name: "COPY", arity: -3, flags: flagWrite | flagDenyOOM, firstKey: 1, lastKey: 2, step: 1, group: "generic", summary: "Copies the value of a key to a new key.", fn: cmdCopy},
		{name: "TOUCH", arity: -2, flags: flagRead | flagFast, firstKey: 1, lastKey: -1, step: 1, group: "generic", summary: "Returns the number of existing keys out of those specified after updating the time they were last accessed.", fn: cmdTouch},
		{name: "OBJECT", arity: -2, flags: flagRead, firstKey: 2, lastKey: 2, step: 1, group: "generic", summary: "A container for object introspection commands.", fn: cmdObject},
		{name: "LCS", arity: -3, flags: flagRead, firstKey: 1, lastKey: 2, step: 1, group: "string", summary: "Finds the longest common substring.", fn: cmdLCS},
		{name: "SORT", arity: -2, flags: flagWrite | flagDenyOOM, firstKey: 1, lastKey: 1, step: 1, group: "generic", summary: "Sorts the elements in a list, a set, or a sorted set, optionally storing the result.", fn: cmdSort, reaches: sortReaches},
		{name: "SORT_RO", arity: -2, flags: flagRead, firstKey: 1, lastKey: 1, step: 1, group: "generic", summary: "Returns the sorted elements of a list, a set, or a sorted set.", fn: cmdSortRO, reaches: sortPatterns},
		// bitmaps, HyperLogLog and geo (the i-sketch group)
		{name: "SETBIT", arity: 4, flags: flagWrite | flagDenyOOM, firstKey: 1, lastKey: 1, step: 1, group: "bitmap", summary: "Sets or clears the bit at offset of the string value. Creates the key if it doesn't exist.", fn: cmdSetBit},
		{name: "GETBIT", arity: 3, flags: flagRead | flagFast, firstKey: 1, lastKey: 1, step: 1, group: "bitmap", summary: "Returns a bit value by offset.", fn: cmdGetBit},
		{name: "BITCOUNT", arity: -2, flags: flagRead, firstKey: 1, lastKey: 1, step: 1, group: "bitmap", summary: "Counts the number of set bits (population counting) in a string.", fn: cmdBitCount},
		{name: "BITPOS", arity: -3, flags: flagRead, firstKey: 1, lastKey: 1, step: 1, group: "bitmap", summary: "Finds the first set (1) or clear (0) bit in a string.", fn: cmdBitPos},
		{name: "BITOP", arity: -4, flags: flagWrite | flagDenyOOM, firstKey: 2, lastKey: -1, step: 1, group: "bitmap", summary: "Performs bitwise operations on multiple strings, and stores the result.", fn: cmdBitOp},
		{name: "BITFIELD", arity: -2, flags: flagWrite | flagDenyOOM, firstKey: 1, lastKey: 1, step: 1, group: "bitmap", summary: "Performs arbitrary bitfield integer operations on strings.", fn: cmdBitfield},
		{name: "BITFIELD_RO", arity: -2, flags: flagRead | flagFast, firstKey: 1, lastKey: 1, step: 1, group: "bitmap", summary: "Performs arbitrary read-only bitfield integer operations on strings.", fn: cmdBitfieldRO},
		{name: "PFADD", arity: -2, flags: flagWrite | flagDenyOOM | flagFast, firstKey: 1, lastKey: 1, step: 1, group: "hyperloglog", summary: "Adds elements to a HyperLogLog key. Creates the key if it doesn't exist.", fn: cmdPFAdd},
		// PFCOUNT is read-only in Redis, but it caches the estimate in the
		// value; here every store write goes through a write command.
		{name: "PFCOUNT", arity: -2, flags: flagWrite, firstKey: 1, lastKey: -1, step: 1, group: "hyperloglog", summary: "Returns the approximated cardinality of the set(s) observed by the HyperLogLog key(s).", fn: cmdPFCount},
		{name: "PFMERGE", arity: -2, flags: flagWrite | flagDenyOOM, firstKey: 1, lastKey: -1, step: 1, group: "hyperloglog", summary: "Merges one or more HyperLogLog values into a single key.", fn: cmdPFMerge},
		{name: "GEOADD", arity: -5, flags: flagWrite | flagDenyOOM, firstKey: 1, lastKey: 1, step: 1, group: "geo", summary: "Adds one or more members to a geospatial index. The key is created if it doesn't exist.", fn: cmdGeoAdd},
		{name: "GEOPOS", arity: -2, flags: flagRead, firstKey: 1, lastKey: 1, step: 1, group: "geo", summary: "Returns the longitude and latitude of members from a geospatial index.", fn: cmdGeoPos},
		{name: "GEOHASH", arity: -2, flags: flagRead, firstKey: 1, lastKey: 1, step: 1, group: "geo", summary: "Returns members from a geospatial index as geohash strings.", fn: cmdGeoHash},
		{name: "GEODIST", arity: -4, flags: flagRead, firstKey: 1, lastKey: 1, step: 1, group: "geo", summary: "Returns the distance between two members of a geospatial index.", fn: cmdGeoDist},
		{name: "GEORADIUS", arity: -6, flags: flagWrite | flagDenyOOM, firstKey: 1, lastKey: 1, step: 1, group: "geo", summary: "Queries a geospatial index for members within a distance from a coordinate, optionally stores the result.", fn: cmdGeoRadius, keysFn: geoRadiusKeys},
		{name: "GEORADIUS_RO", arity: -6, flags: flagRead, firstKey: 1, lastKey: 1, step: 1, group: "geo", summary: "Returns members from a geospatial index that are within a distance from a coordinate.", fn: cmdGeoRadiusRO},
		{name: "GEORADIUSBYMEMBER", arity: -5, flags: flagWrite | flagDenyOOM, firstKey: 1, lastKey: 1, step: 1, group: "geo", summary: "Queries a geospatial index for members within a distance from a member, optionally stores the result.", fn: cmdGeoRadiusByMember, keysFn: geoRadiusKeys},
		{name: "GEORADIUSBYMEMBER_RO", arity: -5, flags: flagRead, firstKey: 1, lastKey: 1, step: 1, group: "geo", summary: "Returns members from a geospatial index that are within a distance from a member.", fn: cmdGeoRadiusByMemberRO},
		{name: "GEOSEARCH", arity: -7, flags: flagRead, firstKey: 1, lastKey: 1, step: 1, group: "geo", summary: "Queries a geospatial index for members inside an area of a box or a circle.", fn: cmdGeoSearch},
		{name: "GEOSEARCHSTORE", arity: -8, flags: flagWrite | flagDenyOOM, firstKey: 1, lastKey: 2, step: 1, group: "geo", summary: "Queries a geospatial index for members inside an area of a box or a circle, optionally stores the result.", fn: cmdGeoSearchStore},
		// streams
		{name: "XADD", arity: -5, flags: flagWrite | flagDenyOOM | flagFast, firstKey: 1, lastKey: 1, step: 1, group: "stream", summary: "Appends a new message to a stream. Creates the key if it doesn't exist.", fn: cmdXAdd},
		{name: "XRANGE", arity: -4, flags: flagRead, firstKey: 1, lastKey: 1, step: 1, group: "stream", summary: "Returns the messages from a stream within a range of IDs.", fn: cmdXRange},
		{name: "XREVRANGE", arity: -4, flags: flagRead, firstKey: 1, lastKey: 1, step: 1, group: "stream", summary: "Returns the messages from a stream within a range of IDs in reverse order.", fn: cmdXRevRange},
		{name: "XLEN", arity: 2, flags: flagRead | flagFast, firstKey: 1, lastKey: 1, step: 1, group: "stream", summary: "Return the number of messages in a stream.", fn: cmdXLen},
		{name: "XDEL", arity: -3, flags: flagWrite | flagFast, firstKey: 1, lastKey: 1, step: 1, group: "stream", summary: "Returns the number of messages after removing them from a stream.", fn: cmdXDel},
		{name: "XTRIM", arity: -4, flags: flagWrite, firstKey: 1, lastKey: 1, step: 1, group: "stream", summary: "Deletes messages from the beginning of a stream.", fn: cmdXTrim},
		{name: "XREAD", arity: -4, flags: flagRead, group: "stream", summary: "Returns messages from multiple streams with IDs greater than the ones requested. Blocks until a message is available otherwise.", fn: cmdXRead, keysFn: xreadKeys},
		{name: "XREADGROUP", arity: -7, flags: flagWrite, group: "stream", summary: "Returns new or historical messages from a stream for a consumer in a group. Blocks until a message is available otherwise.", fn: cmdXReadGroup, keysFn: xreadKeys},
		{name: "XGROUP", arity: -2, flags: flagWrite, firstKey: 2, lastKey: 2, step: 1, group: "stream", summary: "A container for consumer groups commands.", fn: cmdXGroup},
		{name: "XACK", arity: -4, flags: flagWrite | flagFast, firstKey: 1, lastKey: 1, step: 1, group: "stream", summary: "Returns the number of messages that were successfully acknowledged by the consumer group member of a stream.", fn: cmdXAck},
		{name: "XPENDING", arity: -3, flags: flagRead, firstKey: 1, lastKey: 1, step: 1, group: "stream", summary: "Returns the information and entries from a stream consumer group's pending entries list.", fn: cmdXPending},
		{name: "XCLAIM", arity: -6, flags: flagWrite | flagFast, firstKey: 1, lastKey: 1, step: 1, group: "stream", summary: "Changes, or acquires, ownership of a message in a consumer group, as if the message was delivered a consumer group member.", fn: cmdXClaim},
		{name: "XAUTOCLAIM", arity: -6, flags: flagWrite | flagFast, firstKey: 1, lastKey: 1, step: 1, group: "stream", summary: "Changes, or acquires, ownership of messages in a consumer group, as if the messages were delivered to as consumer group member.", fn: cmdXAutoClaim},
		{name: "XINFO", arity: -2, flags: flagRead, firstKey: 2, lastKey: 2, step: 1, group: "stream", summary: "A container for stream introspection commands.", fn: cmdXInfo},
		{name: "XSETID", arity: -3, flags: flagWrite | flagDenyOOM | flagFast, firstKey: 1, lastKey: 1, step: 1, group: "stream", summary: "An internal command for replicating stream values.", fn: cmdXSetID},
		// operations (issue 16)
		{name: "SLOWLOG", arity: -2, flags: flagAdmin, group: "server", summary: "A container for slow log commands.", fn: cmdSlowlog},
		{name: "LATENCY", arity: -2, flags: flagAdmin, group: "server", summary: "A container for latency diagnostics commands.", fn: cmdLatency},
		{name: "MONITOR", arity: 1, flags: flagAdmin | flagNoScript, group: "server", summary: "Listens for all requests received by the server in real-time.", fn: cmdMonitor},
		{name: "MEMORY", arity: -2, flags: flagRead, group: "server", summary: "A container for memory diagnostics commands.", fn: cmdMemory, keysFn: memoryKeys},
		// cluster (issue 15): CLUSTER and the per-connection routing flags
		{name: "CLUSTER", arity: -2, flags: flagConn | flagNoScript, group: "cluster", summary: "A container for Redis Cluster commands.", fn: cmdCluster},
		{name: "ASKING", arity: 1, flags: flagConn | flagFast, group: "cluster", summary: "Signals that a cluster client is following an -ASK redirect.", fn: cmdAsking},
		{name: "READONLY", arity: 1, flags: flagConn | flagFast, group: "cluster", summary: "Enables read-only queries for a connection to a Redis Cluster replica node.", fn: cmdReadOnly},
		// cluster (issue 15, resharding): moving keys between nodes
		{name: "MIGRATE", arity: -6, flags: flagWrite | flagEffects, firstKey: 3, lastKey: 3, step: 1, group: "generic", summary: "Atomically transfers a key from one Redis instance to another.", fn: cmdMigrate, keysFn: migrateKeys},
		{name: "RESTORE-ASKING", arity: -4, flags: flagWrite | flagDenyOOM, firstKey: 1, lastKey: 1, step: 1, group: "server", summary: "An internal command for migrating keys in a cluster.", fn: cmdRestore},
		{name: "READWRITE", arity: 1, flags: flagConn | flagFast, group: "cluster", summary: "Enables read-write queries for a connection to a Redis Cluster replica node.", fn: cmdReadWrite},
		// persistence (issue 13)
		{name: "DUMP", arity: 2, flags: flagRead, firstKey: 1, lastKey: 1, step: 1, group: "generic", summary: "Returns a serialized representation of the value stored at a key.", fn: cmdDump},
		{name: "SAVE", arity: 1, flags: flagAdmin | flagNoScript, group: "server", summary: "Synchronously saves the database(s) to disk.", fn: cmdSave},
		{name: "BGSAVE", arity: -1, flags: flagAdmin | flagNoScript, group: "server", summary: "Asynchronously saves the database(s) to disk.", fn: cmdBgsave},
		{name: "LASTSAVE", arity: 1, flags: flagFast, group: "server", summary: "Returns the Unix timestamp of the last successful save to disk.", fn: cmdLastSave},
		{name: "SHUTDOWN", arity: -1, flags: flagAdmin | flagNoScript, group: "server", summary: "Synchronously saves the database(s) to disk and shuts down the Redis server.", fn: cmdShutdown},
		{name: "RESTORE", arity: -4, flags: flagWrite | flagDenyOOM, firstKey: 1, lastKey: 1, step: 1, group: "generic", summary: "Creates a key from the serialized representation of a value.", fn: cmdRestore},
		// AOF rewrite (issue 13)
		{name: "BGREWRITEAOF", arity: 1, flags: flagAdmin | flagNoScript, group: "server", summary: "Asynchronously rewrites the append-only file to disk.", fn: cmdBgrewriteaof},
	}
	byName = buildIndex(commands)
}

func buildIndex(table []command) map[string]*command {
	m := make(map[string]*command, len(table))
	for i := range table {
		c := &table[i]
		c.idx = i
		if c.name != strings.ToUpper(c.name) {
			panic(fmt.Sprintf("server: command %q is not upper case", c.name))
		}
		if _, dup := m[c.name]; dup {
			panic(fmt.Sprintf("server: command %q registered twice", c.name))
		}
		m[c.name] = c
	}
	return m
}

// maxNameLen bounds command names worth looking up; longer ones are unknown.
const maxNameLen = 32

// lookup finds the command named by name, in any case. It allocates nothing:
// the name is upper-cased into a stack array and the map is indexed with a
// string conversion the compiler does not materialise.
func lookup(name []byte) *command {
	if len(name) > maxNameLen {
		return nil
	}
	var up [maxNameLen]byte
	for i, b := range name {
		if 'a' <= b && b <= 'z' {
			b -= 'a' - 'A'
		}
		up[i] = b
	}
	return byName[string(up[:len(name)])]
}

// arityOK applies Redis's arity rule to argc (which counts the name).
func (cmd *command) arityOK(argc int) bool { return arityOK(cmd.arity, argc) }

// arityOK reports whether argc arguments fit arity in Redis's convention:
// exactly arity when it is positive, at least -arity when negative.
func arityOK(arity, argc int) bool {
	if arity >= 0 {
		return argc == arity
	}
	return argc >= -arity
}

// lowerName is the command's name as Redis prints it in error messages.
func (cmd *command) lowerName() string { return strings.ToLower(cmd.name) }
