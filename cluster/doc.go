// Package cluster is Redis Cluster for miniredis: the key-to-slot hash, the
// slot table and node records, the nodes.conf file and the cluster bus in
// Redis 7.0's own binary format, so miniredis nodes and redis-server nodes
// can form one cluster.
//
// It imports nothing else from this repository. The server asks it where a
// slot lives (State.Route) on every keyed command when cluster mode is on,
// runs the CLUSTER subcommands through State's methods, and hands it a
// KeyCounter so it can tell whether a slot still holds keys.
//
// A State is safe for concurrent use: one RWMutex guards the whole topology.
// Commands take the read lock once; the bus, the cron and CLUSTER commands
// that change the topology take the write lock and never do network I/O
// while holding it (outgoing messages are queued to per-link writers).
package cluster
