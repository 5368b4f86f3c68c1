// Package scripting runs Redis Lua scripts and function libraries against a
// command caller and converts between Lua and RESP as Redis 7.0 does.
//
// It is a leaf: the server hands it a Caller that runs one command on the
// script's behalf (with Redis's pre-checks: unknown command, arity, "not
// allowed from script", writes from read-only scripts, OOM) and gets the
// script's reply back as RESP bytes. Locking, BUSY replies and the command
// table stay in the server. A server wires it roughly so:
//
//   - EVAL body numkeys …: SplitKeys, then Engine.Load (compile errors are
//     replies), then decide locking and checks from Script.Flags, then
//     Engine.Run. EVALSHA: Engine.Lookup, MsgNoScript on a miss.
//   - EVAL_RO/FCALL_RO: a script or function whose flags lack FlagNoWrites
//     (and is not FlagEvalCompat) gets MsgROWriteFunction; the Caller refuses
//     writes with CallWriteReadOnly.
//   - SCRIPT LOAD/EXISTS/FLUSH: Load, Exists, Flush. SCRIPT KILL and
//     FUNCTION KILL cancel the running Run's Ctx (MsgNotBusy when none);
//     Run.Killed then tells the killed run apart.
//   - FUNCTION LOAD/DELETE/FLUSH/LIST/STATS/DUMP/RESTORE and FCALL:
//     FunctionLoad, FunctionDelete, FunctionFlush, FunctionList,
//     FunctionStats, FunctionDump, FunctionRestore, Function + FCall.
//
// The Lua side follows Redis 7.0's script_lua.c, eval.c and function_lua.c:
// the sandbox (the allow-listed libraries base, table, string, math, cjson,
// cmsgpack, bit, struct and redis; no loadfile, dofile, os or io), globals
// that cannot be created or overwritten, the redis.* API, the error texts
// ("... script: <sha>, on @user_script:<line>."), math.random's one
// redisLrand48 sequence per server, and the RESP2/RESP3 conversions both
// ways. The embedded libraries cjson, cmsgpack, bit and struct are written
// in Go to give the bytes Redis's C versions give.
//
// Lua runs on github.com/yuin/gopher-lua (Lua 5.1, as Redis embeds). Where
// gopher-lua differs from C Lua and cannot be patched from outside, the
// difference is listed in the Engine's documentation.
package scripting
