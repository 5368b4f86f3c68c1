// Package scripting runs Redis Lua scripts and function libraries against a
// command caller and converts between Lua and RESP as Redis 7.0 does.
//
// It is a leaf: the server hands it a Caller that runs one command on the
// script's behalf (with Redis's pre-checks: unknown command, arity, "not
// allowed from script", writes from read-only scripts, OOM) and gets the
// script's reply back as RESP bytes. Locking, BUSY replies and the command
// table stay in the server.
//
// The Lua side follows Redis 7.0's script_lua.c, eval.c and function_lua.c:
// the sandbox (the allow-listed libraries base, table, string, math, cjson,
// cmsgpack, bit, struct and redis; no loadfile, dofile, os or io), globals
// that cannot be created or overwritten, the redis.* API, the error texts
// ("... script: <sha>, on @user_script:<line>."), math.random's one global
// redisLrand48 sequence, and the RESP2/RESP3 conversions both ways. The
// embedded libraries cjson, cmsgpack, bit and struct are written in Go to
// give the bytes Redis's C versions give.
//
// Lua runs on github.com/yuin/gopher-lua (Lua 5.1, as Redis embeds). Where
// gopher-lua differs from C Lua and cannot be patched from outside, the
// difference is listed in the Engine's documentation.
package scripting
