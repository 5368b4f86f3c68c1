"""Drive miniredis with redis-py the way applications use it: Lock (Lua
scripts through EVALSHA, with EVAL on NOSCRIPT), transactions with WATCH,
and pipelines. Exits non-zero with a message on the first wrong result.

Usage: python3 locks.py PORT
"""
import sys
import threading

import redis
from redis.exceptions import LockError, WatchError

port = int(sys.argv[1])
r = redis.Redis(host="127.0.0.1", port=port, decode_responses=True)
r.flushall()
r.script_flush()  # the first Lock call must recover from NOSCRIPT

THREADS, ROUNDS = 6, 40
errors = []


def locked_increments():
    # A read-modify-write that is only correct under mutual exclusion.
    try:
        for _ in range(ROUNDS):
            with r.lock("lock:counter", timeout=10, blocking_timeout=30):
                v = int(r.get("counter") or 0)
                r.set("counter", v + 1)
    except Exception as e:  # noqa: BLE001 - any failure fails the run
        errors.append(repr(e))


def watched_increments():
    def incr(pipe):
        v = int(pipe.get("watched") or 0)
        pipe.multi()
        pipe.set("watched", v + 1)

    try:
        for _ in range(ROUNDS):
            r.transaction(incr, "watched")
    except Exception as e:  # noqa: BLE001
        errors.append(repr(e))


threads = [threading.Thread(target=locked_increments) for _ in range(THREADS)]
threads += [threading.Thread(target=watched_increments) for _ in range(THREADS)]
for t in threads:
    t.start()
for t in threads:
    t.join()
if errors:
    sys.exit("errors: " + "; ".join(errors))

want = THREADS * ROUNDS
for key in ("counter", "watched"):
    got = int(r.get(key))
    if got != want:
        sys.exit(f"{key} is {got}, want {want}: an increment was lost")

# Lock ownership rules, all enforced by Lua scripts on the server.
a = r.lock("lock:owned", timeout=5)
b = r.lock("lock:owned", timeout=5)
assert a.acquire(blocking=False), "first acquire"
assert not b.acquire(blocking=False), "second owner got the lock"
assert a.owned() and not b.owned()
a.extend(5)
ttl = r.pttl("lock:owned")
assert 5000 < ttl <= 10000, f"extend: pttl {ttl}"
a.reacquire()
try:
    b.release()
    sys.exit("a lock released by a non-owner")
except LockError:
    pass
a.release()
assert r.get("lock:owned") is None

# A transactional pipeline and a failed WATCH.
with r.pipeline(transaction=True) as p:
    p.set("p:a", 1).incr("p:a").rpush("p:l", "x", "y").lrange("p:l", 0, -1)
    res = p.execute()
assert res == [True, 2, 2, ["x", "y"]], res
with r.pipeline() as p:
    p.watch("p:a")
    r.set("p:a", 100)  # another client's write
    p.multi()
    p.incr("p:a")
    try:
        p.execute()
        sys.exit("EXEC ran although a watched key changed")
    except WatchError:
        pass

print("ok", want, "locked and", want, "watched increments")
