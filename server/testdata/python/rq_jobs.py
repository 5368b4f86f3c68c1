"""End to end with rq (Debian's python3-rq): enqueue jobs on miniredis, run
a burst worker, check that every job completed with its result, that a
failing job lands in the failed registry and that a dependent job runs
after the job it depends on. Usage: rq_jobs.py PORT. Prints one ok line."""

import sys

from redis import Redis
from rq import Queue, SimpleWorker, Worker
from rq.job import JobStatus
from rq.command import send_shutdown_command

import rqtasks

N = 200


def main():
    conn = Redis(host="127.0.0.1", port=int(sys.argv[1]))
    conn.flushall()
    q = Queue("default", connection=conn)
    high = Queue("high", connection=conn)
    jobs = [q.enqueue(rqtasks.add, i, i) for i in range(N)]
    first = high.enqueue(rqtasks.add, 1, 2)
    dependent = q.enqueue(rqtasks.add, 3, 4, depends_on=first)
    failing = q.enqueue(rqtasks.fail)
    assert len(q) == N + 1, len(q)  # the dependent job waits outside the queue

    # SimpleWorker runs jobs in this process; a forking Worker needs the
    # jobs' module on the child's path, which it inherits.
    worker = SimpleWorker([high, q], connection=conn)
    assert worker.work(burst=True)

    for i, job in enumerate(jobs):
        job.refresh()
        assert job.get_status() == JobStatus.FINISHED, (i, job.get_status())
        assert job.result == 2 * i, (i, job.result)
    dependent.refresh()
    assert dependent.get_status() == JobStatus.FINISHED and dependent.result == 7
    failing.refresh()
    assert failing.get_status() == JobStatus.FAILED
    assert failing.id in q.failed_job_registry.get_job_ids()
    assert len(q) == 0 and len(high) == 0
    assert q.finished_job_registry.count == N + 1, q.finished_job_registry.count

    # A forking worker, stopped through rq's Pub/Sub command channel.
    more = [q.enqueue(rqtasks.add, i, 1) for i in range(20)]
    forking = Worker([q], connection=conn)
    assert forking.work(burst=True)
    for i, job in enumerate(more):
        job.refresh()
        assert job.result == i + 1, (i, job.result)
    send_shutdown_command(conn, forking.name)  # publishes; no subscriber left is fine

    print("ok %d jobs finished, 1 failed, 1 dependent" % (N + 21))


if __name__ == "__main__":
    main()
