// Package config reads configuration in redis.conf syntax and describes the
// directives a program accepts: it tokenizes lines as Redis does (quotes,
// escapes, include), turns a redis-server style command line into the same
// directives, checks and applies values through a table of parameters, and
// rewrites a file in place for CONFIG REWRITE, keeping its comments and order.
//
// The package knows nothing of the server: a Table is generic over the
// configuration struct it fills, and each Param carries the functions that
// read and write its field. Adding a directive is adding one Param row to
// the program's table.
package config
