// run.js drives bullmq against the Redis server on 127.0.0.1:$REDIS_PORT:
// a queue gets JOBS jobs (some delayed, some failing once and retried, a
// parent with children via FlowProducer), a worker with concurrency
// processes them, QueueEvents (XREAD BLOCK on the events stream) watches,
// and the script prints one JSON line with what happened. Exits non-zero on
// a timeout or an unexpected error.
'use strict';
const { Queue, Worker, QueueEvents, FlowProducer } = require('bullmq');

const port = Number(process.env.REDIS_PORT);
const jobs = Number(process.env.JOBS || 2000);
const connection = { host: '127.0.0.1', port, maxRetriesPerRequest: null };
const name = 'e2e-' + process.pid;

async function main() {
  const queue = new Queue(name, { connection });
  const events = new QueueEvents(name, { connection });
  await events.waitUntilReady();
  const flows = new FlowProducer({ connection });

  const seen = new Map(); // job id -> result
  let failedOnce = 0;
  let eventsCompleted = 0;
  events.on('completed', () => { eventsCompleted++; });

  const worker = new Worker(name, async (job) => {
    if (job.name === 'flaky' && job.attemptsMade === 0) {
      failedOnce++;
      throw new Error('first attempt fails');
    }
    if (job.name === 'parent') {
      const kids = await job.getChildrenValues();
      return Object.values(kids).reduce((a, b) => a + b, 0);
    }
    return job.data.n * 2;
  }, { connection, concurrency: 8 });

  const done = new Promise((resolve) => {
    worker.on('completed', (job, result) => {
      seen.set(job.id, result);
      if (seen.size === jobs + 4) resolve();
    });
  });
  worker.on('error', (err) => { console.error('worker error', err); });

  const bulk = [];
  for (let i = 0; i < jobs; i++) {
    const opts = {};
    if (i % 50 === 0) opts.delay = 200;
    if (i % 97 === 0) { opts.attempts = 2; opts.backoff = { type: 'fixed', delay: 50 }; }
    bulk.push({ name: i % 97 === 0 ? 'flaky' : 'double', data: { n: i }, opts });
  }
  for (let i = 0; i < bulk.length; i += 500) {
    await queue.addBulk(bulk.slice(i, i + 500));
  }
  await flows.add({
    name: 'parent', queueName: name, data: { n: 0 },
    children: [1, 2, 3].map((n) => ({ name: 'double', queueName: name, data: { n: 1000000 + n } })),
  });

  const timer = setTimeout(() => {
    console.log(JSON.stringify({ error: 'timeout', completed: seen.size }));
    process.exit(2);
  }, 120000);
  await done;
  clearTimeout(timer);

  let sum = 0;
  let parent = null;
  for (const [, r] of seen) {
    if (r >= 2000000) continue;
    sum += r;
  }
  const counts = await queue.getJobCounts('completed', 'failed', 'waiting', 'delayed', 'active');
  for (const j of await queue.getJobs(['completed'], 0, -1)) {
    if (j.name === 'parent') parent = j.returnvalue;
  }
  // QueueEvents reads the stream asynchronously: give it a moment to catch up.
  for (let i = 0; i < 100 && eventsCompleted < jobs + 4; i++) {
    await new Promise((r) => setTimeout(r, 50));
  }
  await worker.close();
  await events.close();
  await flows.close();
  await queue.obliterate({ force: true });
  await queue.close();
  console.log(JSON.stringify({ completed: seen.size, sum, failedOnce, parent, counts, eventsCompleted }));
}

main().catch((err) => {
  console.log(JSON.stringify({ error: String(err && err.stack || err) }));
  process.exit(1);
});
