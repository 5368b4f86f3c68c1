package server

import (
	"fmt"
	"strings"
)

// flag describes a command for dispatch, COMMAND INFO and the table tests.
type flag uint16

const (
	flagRead    flag = 1 << iota // reads the keyspace, never writes it
	flagWrite                    // may modify the keyspace
	flagFast                     // O(1) or O(log n)
	flagAdmin                    // server management
	flagNoAuth                   // allowed before AUTH when a password is set
	flagConn                     // connection state only; touches no key
	flagMini                     // a Mini-Redis command that Redis does not have
	flagDenyOOM                  // may grow memory (refused when over maxmemory)
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
		{name: "QUIT", arity: -1, flags: flagConn | flagFast | flagNoAuth, group: "connection", summary: "Closes the connection.", fn: cmdQuit},
		{name: "HELLO", arity: -1, flags: flagConn | flagFast | flagNoAuth, group: "connection", summary: "Handshakes with the server.", fn: cmdHello},
		{name: "AUTH", arity: -2, flags: flagConn | flagFast | flagNoAuth, group: "connection", summary: "Authenticates the connection.", fn: cmdAuth},
		{name: "SELECT", arity: 2, flags: flagConn | flagFast, group: "connection", summary: "Changes the selected database (only 0 exists).", fn: cmdSelect},
		{name: "CLIENT", arity: -2, flags: flagConn, group: "connection", summary: "A container for client connection commands.", fn: cmdClient},
		{name: "COMMAND", arity: -1, flags: flagConn, group: "server", summary: "Returns detailed information about all commands.", fn: cmdCommand},
		{name: "CONFIG", arity: -2, flags: flagAdmin, group: "server", summary: "A container for server configuration commands.", fn: cmdConfig},
		{name: "INFO", arity: -1, flags: flagConn, group: "server", summary: "Returns information and statistics about the server.", fn: cmdInfo},
		{name: "TIME", arity: 1, flags: flagConn | flagFast, group: "server", summary: "Returns the server time.", fn: cmdTime},
		{name: "DBSIZE", arity: 1, flags: flagRead | flagFast, group: "server", summary: "Returns the number of keys in the database.", fn: cmdDBSize},
		{name: "FLUSHALL", arity: -1, flags: flagWrite, group: "server", summary: "Removes all keys.", fn: cmdFlushAll},
		{name: "FLUSHDB", arity: -1, flags: flagWrite, group: "server", summary: "Removes all keys of the current database.", fn: cmdFlushAll},
		{name: "CLEARALL", arity: 1, flags: flagWrite | flagMini, group: "server", summary: "Removes all keys (Mini-Redis).", fn: cmdClearAll},

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
		{name: "RANDOMKEY", arity: 1, flags: flagRead, group: "generic", summary: "Returns a random key name from the database.", fn: cmdRandomKey},

		// expiry (the TTL command family)

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

		// hashes

		// sets and sorted sets
	}
	byName = buildIndex(commands)
}

func buildIndex(table []command) map[string]*command {
	m := make(map[string]*command, len(table))
	for i := range table {
		c := &table[i]
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
func (cmd *command) arityOK(argc int) bool {
	if cmd.arity >= 0 {
		return argc == cmd.arity
	}
	return argc >= -cmd.arity
}

// lowerName is the command's name as Redis prints it in error messages.
func (cmd *command) lowerName() string { return strings.ToLower(cmd.name) }
