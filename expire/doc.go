// Package expire runs Redis-style active expiry: a few times a second it
// samples keys that carry a TTL, shard by shard, and deletes the expired ones
// within a fixed CPU budget.
//
// The policy is the slow cycle of Redis's activeExpireCycle with shards in
// place of databases: each cycle may spend SlowTimePercent of its period;
// it visits shards round-robin from where the previous cycle stopped; each
// shard is sampled KeysPerLoop keys at a time, again and again while more
// than AcceptableStale percent of the last sample had expired. Sampling is
// what keeps the cost bounded: a cycle never scans a keyspace and keeps no
// per-key timers, yet holds the share of expired-but-unreclaimed keys near
// AcceptableStale percent.
//
// The package knows nothing about storage. It drives any Target; the store
// owns the locks and performs the deletes.
package expire
