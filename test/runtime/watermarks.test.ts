/**
 * Per-partition watermarks: bounded out-of-orderness, minimum across partitions, idleness, end of input; the job's
 * watermark over several sources, where a wholly idle source does not hold the others back.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CombinedWatermark, SourceWatermarks } from '../../src/runtime/watermarks.js';

test('the watermark trails the smallest partition maximum by the allowed out-of-orderness and never goes back', () => {
  const now = 0;
  const w = new SourceWatermarks(100, 10_000, () => now);
  w.track([0, 1]);
  w.observe(0, 1_000, now);
  assert.equal(w.watermark(now), -Infinity, 'partition 1 has not produced yet');
  w.observe(1, 500, now);
  assert.equal(w.watermark(now), 400);
  w.observe(1, 300, now); // out of order: does not lower anything
  assert.equal(w.watermark(now), 400);
  w.observe(1, 2_000, now);
  assert.equal(w.watermark(now), 900);
});

test('an idle partition stops holding the watermark back, and holds it again once it produces', () => {
  let now = 0;
  const w = new SourceWatermarks(0, 1_000, () => now);
  w.track([0, 1]);
  w.observe(0, 5_000, now);
  w.observe(1, 100, now);
  assert.equal(w.watermark(now), 100);
  now = 1_500;
  w.observe(0, 6_000, now);
  assert.equal(w.watermark(now), 6_000, 'partition 1 idle for 1.5 s');
  w.observe(1, 200, now);
  assert.equal(w.watermark(now), 6_000, 'never goes backwards');
  w.observe(0, 7_000, now);
  w.observe(1, 6_500, now);
  assert.equal(w.watermark(now), 6_500);
});

test('a finished source goes to the greatest of its partitions, then, once the end is released, to +Infinity', () => {
  const now = 0;
  const w = new SourceWatermarks(0, 1_000, () => now);
  w.observe(0, 10, now);
  w.observe(1, 40, now);
  assert.equal(w.watermark(), 10);
  w.end();
  assert.equal(w.watermark(), 40, 'read to its end: the greatest partition watermark, still finite');
  assert.equal(w.idle, true, 'a finished source holds nothing back');
  w.releaseEnd();
  assert.equal(w.watermark(), Infinity);
});

test('a finished source does not hold back a source still being read', () => {
  const now = 0;
  const done = new SourceWatermarks(0, 1_000, () => now);
  const live = new SourceWatermarks(0, 1_000, () => now);
  const job = new CombinedWatermark([done, live]);
  done.observe(0, 100, now);
  live.observe(0, 500, now);
  assert.equal(job.watermark(now), 100);
  done.end();
  assert.equal(job.watermark(now), 500, 'the live source alone holds the job watermark');
});

test('a source whose partitions are all idle stops holding back the job watermark; all idle, it stays put', () => {
  let now = 0;
  const events = new SourceWatermarks(0, 1_000, () => now);
  const requests = new SourceWatermarks(0, 1_000, () => now);
  events.track([0]);
  requests.track([0, 1]);
  const job = new CombinedWatermark([events, requests]);
  events.observe(0, 5_000, now);
  assert.equal(job.watermark(now), -Infinity, 'the request source has not produced and is not idle yet');
  requests.observe(0, 1_000, now);
  requests.observe(1, 1_200, now);
  assert.equal(job.watermark(now), 1_000);
  now = 1_500; // the requests went quiet 1.5 s ago; events keep coming
  events.observe(0, 9_000, now);
  assert.equal(job.watermark(now), 9_000, 'the idle request source no longer holds the job back');
  now = 3_000; // everything quiet: the watermark stays
  assert.equal(job.watermark(now), 9_000);
  requests.observe(1, 2_000, now); // the requests resume behind the watermark: it does not go back
  assert.equal(job.watermark(now), 9_000);
  events.observe(0, 12_000, now);
  requests.observe(1, 11_000, now);
  assert.equal(job.watermark(now), 11_000, 'the resumed source holds the watermark again');
  events.end();
  requests.end();
  assert.equal(job.watermark(now), 12_000, 'every source finished: the greatest watermark any reached');
  events.releaseEnd();
  requests.releaseEnd();
  assert.equal(job.watermark(now), Infinity, 'the end released');
});

test('a source that finishes while idle still ends the job watermark at +Infinity once the end is released', () => {
  let now = 0;
  const a = new SourceWatermarks(0, 1_000, () => now);
  const b = new SourceWatermarks(0, 1_000, () => now);
  a.observe(0, 100, now);
  b.observe(0, 100, now);
  const job = new CombinedWatermark([a, b]);
  assert.equal(job.watermark(now), 100);
  now = 5_000; // both idle
  assert.equal(job.watermark(now), 100);
  a.end();
  b.end();
  assert.equal(job.watermark(now), 100);
  a.releaseEnd();
  b.releaseEnd();
  assert.equal(job.watermark(now), Infinity, 'finished sources release every timer');
});

test('a source whose partitions all went idle goes to the greatest watermark any of them reached', () => {
  let now = 0;
  const w = new SourceWatermarks(0, 1_000, () => now);
  w.track([0, 1]);
  w.observe(0, 5_000, now);
  now = 500;
  w.observe(1, 3_000, now);
  assert.equal(w.watermark(now), 3_000);
  now = 1_200; // partition 0 idle: partition 1 alone holds it
  assert.equal(w.watermark(now), 3_000);
  now = 1_600; // both idle: as Flink's valve does once every channel is idle, the greatest
  assert.equal(w.watermark(now), 5_000);
});

test('a partition restored to where reading resumes starts from that watermark, and never moves it back', () => {
  const w = new SourceWatermarks(100, 10_000);
  w.track([0]);
  w.restore(0, 4_000, Date.now());
  assert.equal(w.partitionWatermark(0), 4_000);
  assert.equal(w.watermark(), 4_000);
  w.observe(0, 3_000, Date.now()); // a record read again, from before the resume point
  assert.equal(w.partitionWatermark(0), 4_000);
  w.restore(0, 1_000, Date.now());
  assert.equal(w.partitionWatermark(0), 4_000, 'a smaller restored watermark changes nothing');
});

test('a finished source beside an idle one that never ends (a followed command log): its last watermark, then +Infinity once released', () => {
  let now = 0;
  const events = new SourceWatermarks(0, 1_000, () => now);
  const commands = new SourceWatermarks(0, 1_000, () => now);
  const job = new CombinedWatermark([events, commands]);
  events.observe(0, 5_000, now);
  events.observe(1, 4_000, now);
  commands.observe(0, 100, now);
  assert.equal(job.watermark(now), 100);
  now = 2_000; // the command log has been quiet for longer than its idle timeout
  events.observe(0, 6_000, now);
  events.observe(1, 4_500, now);
  events.end();
  assert.equal(job.watermark(now), 6_000, 'the finished source at its greatest, the idle one holding nothing back');
  events.releaseEnd();
  assert.equal(job.watermark(now), Infinity, 'released, the finished source no longer holds the job below +Infinity');
});
