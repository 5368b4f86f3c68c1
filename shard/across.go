package shard

// UpdateAcross write-locks the shards of src (in this database) and of dst
// (in database to, which may be this one) and runs fn once with a cursor on
// each: what COPY ... DB n needs to read one database and write another in
// one step. Keys share their shard across databases, so the two shards
// cover both ends. Expired entries at either end are deleted (and counted)
// before fn runs. The keys are borrowed for the duration of the call; fn
// must not call back into the Store. When src and dst are the same key of
// the same database the two cursors are on one entry.
func (d DB) UpdateAcross(src []byte, to int, dst []byte, now int64, fn func(from, into *Entry)) {
	keys := [2][]byte{src, dst}
	tx := d.beginTx(keys[:], now, false)
	defer d.endTx(tx)
	tx.ents[1].begin(to, dst, tx.ents[1].h, now, false)
	tx.ents[0].sh.purgeLocked(d.n, src, tx.ents[0].h, now)
	tx.ents[1].sh.purgeLocked(to, dst, tx.ents[1].h, now)
	fn(&tx.ents[0], &tx.ents[1])
}

// IdleSeconds returns how many seconds the key has gone without an access
// (OBJECT IDLETIME), 0 when it is missing. It does not count as an access.
func (c *Entry) IdleSeconds() int64 {
	e, ok := c.get()
	if !ok {
		return 0
	}
	return int64(idle(e, c.now))
}
