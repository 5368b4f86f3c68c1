// Package persist saves a shard.Store to an RDB file and loads one into it:
// point-in-time snapshots taken while writers carry on (no fork: see
// shard.Snapshot), written to a temporary file that is synced and renamed
// over the last good dump only when complete, as Redis does, so a crash
// mid-save never damages it.
//
// It imports shard and rdb, not the server. Snapshot jobs are safe to run
// beside any other use of the Store; one job at a time per Store.
package persist
