package server

import (
	"errors"
	"fmt"

	"github.com/miniredis/miniredis/config"
)

// Redis's CONFIG errors.
const (
	msgConfigSetFailed  = "ERR CONFIG SET failed (possibly related to argument '%s') - %s"
	msgConfigSetUnknown = "ERR Unknown option or number of arguments for CONFIG SET - '%s'"
	msgNoConfigFile     = "ERR The server is running without a config file"
)

var configHelp = []string{
	"CONFIG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
	"GET <pattern>",
	"    Return parameters matching the glob-like <pattern> and their values.",
	"SET <directive> <value>",
	"    Set the configuration <directive> to <value>.",
	"RESETSTAT",
	"    Reset statistics reported by the INFO command.",
	"REWRITE",
	"    Rewrite the configuration file.",
	"HELP",
	"    Print this help.",
}

// cmdConfig implements CONFIG GET/SET/REWRITE/RESETSTAT/HELP over the
// directive table (Directives).
func cmdConfig(c *client, args [][]byte) {
	sub := args[1]
	switch {
	case equalFold(sub, "GET") && len(args) >= 3:
		c.configGet(args[2:])
	case equalFold(sub, "SET") && len(args) >= 4:
		if len(args)%2 != 0 {
			c.w.Error(msgSyntax)
			return
		}
		if msg := c.srv.configSet(args[2:], c.inTransaction()); msg != "" {
			c.w.Error(msg)
			return
		}
		c.w.OK()
	case equalFold(sub, "REWRITE") && len(args) == 2:
		if err := c.srv.configRewrite(); err != nil {
			if errors.Is(err, errNoConfigFile) {
				c.w.Error(msgNoConfigFile)
			} else {
				c.w.Error("ERR Rewriting config file: " + err.Error())
			}
			return
		}
		c.w.OK()
	case equalFold(sub, "RESETSTAT") && len(args) == 2:
		c.srv.resetStats()
		c.w.OK()
	case equalFold(sub, "HELP") && len(args) == 2:
		c.w.ArrayLen(len(configHelp))
		for _, h := range configHelp {
			c.w.Simple(h)
		}
	case equalFold(sub, "GET") || equalFold(sub, "SET") || equalFold(sub, "REWRITE") ||
		equalFold(sub, "RESETSTAT") || equalFold(sub, "HELP"):
		subArityError(c, args[0], sub)
	default:
		c.w.Error(fmt.Sprintf(msgUnknownSub, sub, "CONFIG"))
	}
}

// configGet answers the directives matching any of the patterns, each once,
// in table order: canonical names match patterns; an alias answers only
// when asked for by its exact name, under that name, as in Redis.
func (c *client) configGet(patterns [][]byte) {
	s := c.srv
	s.confMu.Lock()
	cfg := s.conf
	s.confMu.Unlock()
	type kv struct{ k, v string }
	var out []kv
	seen := make(map[*config.Param[Config]]bool)
	for _, pat := range patterns {
		if p := Directives.Lookup(string(pat)); p != nil && !seen[p] && !hasGlob(pat) {
			seen[p] = true
			out = append(out, kv{string(pat), p.Get(&cfg)}) // under the name as asked, as Redis answers
		}
	}
	for _, p := range Directives.Params() {
		if seen[p] {
			continue
		}
		for _, pat := range patterns {
			if globMatch(pat, []byte(p.Name), true) {
				seen[p] = true
				out = append(out, kv{p.Name, p.Get(&cfg)})
				break
			}
		}
	}
	c.w.MapLen(len(out))
	for _, e := range out {
		c.w.BulkString(e.k)
		c.w.BulkString(e.v)
	}
}

func hasGlob(p []byte) bool {
	for _, b := range p {
		switch b {
		case '*', '?', '[', '\\':
			return true
		}
	}
	return false
}

// configSet applies name/value pairs all or nothing, as Redis 7 does, and
// returns the error reply, or "" when every one was set. inTx says the
// caller runs inside EXEC or a script, holding what turning the log on or
// off waits for: those changes are then made by a goroutine once it let
// go.
func (s *Server) configSet(pairs [][]byte, inTx bool) string {
	s.confMu.Lock()
	defer s.confMu.Unlock()
	params := make([]*config.Param[Config], 0, len(pairs)/2)
	for i := 0; i < len(pairs); i += 2 {
		name := string(pairs[i])
		p := Directives.Lookup(name)
		if p == nil {
			return fmt.Sprintf(msgConfigSetUnknown, name)
		}
		params = append(params, p)
	}
	for i, p := range params {
		name := string(pairs[2*i])
		if !p.Live {
			return fmt.Sprintf(msgConfigSetFailed, name, "can't set immutable config")
		}
		for _, q := range params[:i] {
			if q == p {
				return fmt.Sprintf(msgConfigSetFailed, name, "duplicate parameter")
			}
		}
	}
	next := s.conf
	for i, p := range params {
		val := string(pairs[2*i+1])
		args := []string{val}
		if p.Kind == config.Multi {
			var err error
			if args, err = config.SplitArgs(val); err != nil {
				return fmt.Sprintf(msgConfigSetFailed, pairs[2*i], err.Error())
			}
			if len(args) == 0 {
				args = []string{""}
			}
		}
		if err := p.Apply(&next, args); err != nil {
			return fmt.Sprintf(msgConfigSetFailed, pairs[2*i], err.Error())
		}
	}
	prev := s.conf
	s.conf = next
	s.applyLive(&prev, &next)
	if next.AppendOnly == prev.AppendOnly && next.AppendFsync == prev.AppendFsync {
		return ""
	}
	// The log's changes wait for writes in progress (see gateEnter), one
	// of which may want confMu: they run without it.
	s.confMu.Unlock()
	defer s.confMu.Lock()
	if inTx {
		go s.applyAOFConfig(next.AppendOnly, next.AppendFsync)
		return ""
	}
	if err := s.applyAOFConfig(next.AppendOnly, next.AppendFsync); err != nil {
		s.confMu.Lock()
		s.conf.AppendOnly = false
		s.live.store(&s.conf)
		s.confMu.Unlock()
		return fmt.Sprintf(msgConfigSetFailed, "appendonly", err.Error())
	}
	return ""
}

var errNoConfigFile = errors.New("server: running without a config file")

// configRewrite is CONFIG REWRITE: the file the server started from gets
// the current values (see config.Table.Rewrite).
func (s *Server) configRewrite() error {
	s.confMu.Lock()
	defer s.confMu.Unlock()
	if s.conf.ConfigFile == "" {
		return errNoConfigFile
	}
	return Directives.Rewrite(s.conf.ConfigFile, &s.conf)
}
