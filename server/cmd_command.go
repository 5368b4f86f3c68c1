package server

import (
	"fmt"
	"strings"
)

// COMMAND's replies are derived from the command table: arity, flags and
// key positions come from each row, ACL categories from its flags and
// group, so a new row is described without more data.

// aclCategories are the command's ACL categories as Redis names them.
func (cmd *command) aclCategories() []string {
	var cats []string
	if cmd.group == "generic" {
		cats = append(cats, "@keyspace") // first, as Redis lists it for these
	}
	switch {
	case cmd.flags&flagWrite != 0:
		cats = append(cats, "@write")
	case cmd.flags&flagRead != 0:
		cats = append(cats, "@read")
	}
	if g := map[string]string{
		"string": "@string", "list": "@list", "hash": "@hash", "set": "@set", "sorted-set": "@sortedset",
		"connection": "@connection", "transactions": "@transaction", "scripting": "@scripting",
	}[cmd.group]; g != "" {
		cats = append(cats, g)
	}
	if cmd.flags&flagAdmin != 0 {
		cats = append(cats, "@admin", "@dangerous")
	}
	if cmd.flags&flagFast != 0 {
		cats = append(cats, "@fast")
	} else {
		cats = append(cats, "@slow")
	}
	if cmd.blocking() {
		cats = append(cats, "@blocking")
	}
	return cats
}

// blocking reports whether the command may block the client: the
// blocking list and sorted-set pops and moves.
func (cmd *command) blocking() bool {
	switch cmd.name {
	case "BLPOP", "BRPOP", "BLMOVE", "BRPOPLPUSH", "BLMPOP", "BZPOPMIN", "BZPOPMAX", "BZMPOP":
		return true
	}
	return false
}

// flagNames are the command's flags as COMMAND INFO prints them.
func (cmd *command) flagNames() []string {
	var fl []string
	for _, f := range []struct {
		bit  flag
		name string
	}{{flagWrite, "write"}, {flagRead, "readonly"}, {flagDenyOOM, "denyoom"}, {flagAdmin, "admin"}, {flagNoScript, "noscript"}, {flagNoAuth, "no_auth"}, {flagFast, "fast"}} {
		if cmd.flags&f.bit != 0 {
			fl = append(fl, f.name)
		}
	}
	if cmd.blocking() {
		fl = append(fl, "blocking")
	}
	if cmd.keysFn != nil {
		fl = append(fl, "movablekeys")
	}
	return fl
}

// cmdCommand implements COMMAND and COMMAND COUNT/LIST/INFO/DOCS/GETKEYS/
// GETKEYSANDFLAGS/HELP.
func cmdCommand(c *client, args [][]byte) {
	if len(args) == 1 {
		c.w.ArrayLen(len(commands))
		for i := range commands {
			writeCommandInfo(c, &commands[i])
		}
		return
	}
	sub := args[1]
	switch {
	case equalFold(sub, "COUNT") && len(args) == 2:
		c.w.Int(int64(len(commands)))
	case equalFold(sub, "LIST"):
		c.commandList(args[2:])
	case equalFold(sub, "INFO"):
		if len(args) == 2 {
			c.w.ArrayLen(len(commands))
			for i := range commands {
				writeCommandInfo(c, &commands[i])
			}
			return
		}
		c.w.ArrayLen(len(args) - 2)
		for _, name := range args[2:] {
			if cmd := lookup(name); cmd != nil {
				writeCommandInfo(c, cmd)
			} else {
				c.w.NullArray()
			}
		}
	case equalFold(sub, "DOCS"):
		var found []*command
		if len(args) == 2 {
			for i := range commands {
				found = append(found, &commands[i])
			}
		} else {
			for _, name := range args[2:] {
				if cmd := lookup(name); cmd != nil {
					found = append(found, cmd)
				}
			}
		}
		c.w.MapLen(len(found))
		for _, cmd := range found {
			c.w.BulkString(cmd.lowerName())
			c.w.MapLen(4)
			c.w.BulkString("summary")
			c.w.BulkString(cmd.summary)
			c.w.BulkString("since")
			c.w.BulkString("1.0.0")
			c.w.BulkString("group")
			c.w.BulkString(cmd.group)
			c.w.BulkString("complexity")
			c.w.BulkString(complexity(cmd))
		}
	case (equalFold(sub, "GETKEYS") || equalFold(sub, "GETKEYSANDFLAGS")) && len(args) >= 4:
		c.commandGetKeys(args[2:], equalFold(sub, "GETKEYSANDFLAGS"))
	case equalFold(sub, "HELP") && len(args) == 2:
		writeHelp(c, commandHelp)
	case equalFold(sub, "COUNT") || equalFold(sub, "GETKEYS") || equalFold(sub, "GETKEYSANDFLAGS") || equalFold(sub, "HELP"):
		subArityError(c, args[0], sub)
	default:
		c.w.Error(fmt.Sprintf(msgUnknownSub, sub, "COMMAND"))
	}
}

var commandHelp = []string{
	"COMMAND <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
	"(no subcommand)",
	"    Return details about all Redis commands.",
	"COUNT",
	"    Return the total number of commands in this Redis server.",
	"LIST",
	"    Return a list of all commands in this Redis server.",
	"INFO [<command-name> ...]",
	"    Return details about multiple Redis commands.",
	"    If no command names are given, documentation details for all",
	"    commands are returned.",
	"DOCS [<command-name> ...]",
	"    Return documentation details about multiple Redis commands.",
	"    If no command names are given, documentation details for all",
	"    commands are returned.",
	"GETKEYS <full-command>",
	"    Return the keys from a full Redis command.",
	"GETKEYSANDFLAGS <full-command>",
	"    Return the keys and the access flags from a full Redis command.",
	"LIST [FILTERBY (MODULE <module-name>|ACLCAT <category>|PATTERN <pattern>)]",
	"    Return a list of all commands in this Redis server.",
	"HELP",
	"    Print this help.",
}

// commandList is COMMAND LIST [FILTERBY MODULE m | ACLCAT c | PATTERN p].
func (c *client) commandList(opts [][]byte) {
	keep := func(*command) bool { return true }
	switch {
	case len(opts) == 0:
	case len(opts) == 3 && equalFold(opts[0], "FILTERBY"):
		val := opts[2]
		switch {
		case equalFold(opts[1], "MODULE"):
			keep = func(*command) bool { return false } // no modules
		case equalFold(opts[1], "ACLCAT"):
			cat := "@" + strings.ToLower(string(val))
			keep = func(cmd *command) bool {
				for _, x := range cmd.aclCategories() {
					if x == cat {
						return true
					}
				}
				return false
			}
		case equalFold(opts[1], "PATTERN"):
			keep = func(cmd *command) bool { return globMatch(val, []byte(cmd.lowerName()), true) }
		default:
			c.w.Error(msgSyntax)
			return
		}
	default:
		c.w.Error(msgSyntax)
		return
	}
	var names []string
	for i := range commands {
		if keep(&commands[i]) {
			names = append(names, commands[i].lowerName())
		}
	}
	c.w.ArrayLen(len(names))
	for _, n := range names {
		c.w.BulkString(n)
	}
}

// commandGetKeys is COMMAND GETKEYS and GETKEYSANDFLAGS: the keys the
// table finds in a full command, with Redis's errors.
func (c *client) commandGetKeys(full [][]byte, withFlags bool) {
	cmd := lookup(full[0])
	switch {
	case cmd == nil || !keyedSubcommand(cmd, full):
		c.w.Error("ERR Invalid command specified")
		return
	case cmd.firstKey <= 0 && cmd.keysFn == nil:
		c.w.Error("ERR The command has no key arguments")
		return
	case !cmd.arityOK(len(full)):
		c.w.Error("ERR Invalid number of arguments specified for command")
		return
	}
	keys := cmd.appendKeys(nil, full)
	if len(keys) == 0 {
		c.w.Error("ERR Invalid arguments specified for command")
		return
	}
	c.w.ArrayLen(len(keys))
	for _, k := range keys {
		if !withFlags {
			c.w.Bulk(k)
			continue
		}
		c.w.ArrayLen(2)
		c.w.Bulk(k)
		fl := cmd.keyFlags()
		c.w.ArrayLen(len(fl))
		for _, f := range fl {
			c.w.Simple(f)
		}
	}
}

// keyedSubcommands are the subcommands with keys of the container commands
// whose key positions the table gives for all of them: Redis looks the
// subcommand up first, so an unknown one is an invalid command.
var keyedSubcommands = map[string][]string{
	"OBJECT": {"ENCODING", "FREQ", "IDLETIME", "REFCOUNT"},
	"XGROUP": {"CREATE", "SETID", "DESTROY", "CREATECONSUMER", "DELCONSUMER"},
	"XINFO":  {"STREAM", "GROUPS", "CONSUMERS"},
	"MEMORY": {"USAGE"},
}

// keyedSubcommand reports whether full names a subcommand with keys when
// cmd is such a container, and true for every other command.
func keyedSubcommand(cmd *command, full [][]byte) bool {
	subs, ok := keyedSubcommands[cmd.name]
	if !ok {
		return true
	}
	for _, sub := range subs {
		if len(full) > 1 && equalFold(full[1], sub) {
			return true
		}
	}
	return false
}

// keyFlags are the access flags of the command's keys, as key specs give
// them: read-only keys are accessed, written ones updated.
func (cmd *command) keyFlags() []string {
	if cmd.flags&flagWrite != 0 {
		return []string{"RW", "update"}
	}
	return []string{"RO", "access"}
}

func complexity(cmd *command) string {
	if cmd.flags&flagFast != 0 {
		return "O(1)"
	}
	return "O(N)"
}

// writeCommandInfo writes one COMMAND INFO entry in Redis 7's ten-field
// form, its key specification derived from the table's key positions.
func writeCommandInfo(c *client, cmd *command) {
	c.w.ArrayLen(10)
	c.w.BulkString(cmd.lowerName())
	c.w.Int(int64(cmd.arity))
	fl := cmd.flagNames()
	c.w.SetLen(len(fl))
	for _, f := range fl {
		c.w.Simple(f)
	}
	c.w.Int(int64(cmd.firstKey))
	c.w.Int(int64(cmd.lastKey))
	c.w.Int(int64(cmd.step))
	cats := cmd.aclCategories()
	c.w.SetLen(len(cats))
	for _, cat := range cats {
		c.w.Simple(cat)
	}
	c.w.SetLen(0) // tips
	if cmd.firstKey > 0 {
		last := cmd.lastKey
		if last >= 0 {
			last -= cmd.firstKey
		}
		kf := cmd.keyFlags()
		c.w.ArrayLen(1)
		c.w.MapLen(3)
		c.w.BulkString("flags")
		c.w.SetLen(len(kf))
		for _, f := range kf {
			c.w.Simple(f)
		}
		c.w.BulkString("begin_search")
		c.w.MapLen(2)
		c.w.BulkString("type")
		c.w.BulkString("index")
		c.w.BulkString("spec")
		c.w.MapLen(1)
		c.w.BulkString("index")
		c.w.Int(int64(cmd.firstKey))
		c.w.BulkString("find_keys")
		c.w.MapLen(2)
		c.w.BulkString("type")
		c.w.BulkString("range")
		c.w.BulkString("spec")
		c.w.MapLen(3)
		c.w.BulkString("lastkey")
		c.w.Int(int64(last))
		c.w.BulkString("keystep")
		c.w.Int(int64(max(cmd.step, 1)))
		c.w.BulkString("limit")
		c.w.Int(0)
	} else {
		c.w.ArrayLen(0)
	}
	c.w.ArrayLen(0) // subcommands
}
