// src/send.js's `revive`: a record from Rust, its numbers given as indices into `nums`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { revive } from '../../src/send.js';

const text = '{"schema":0,"keys":{"holds":[{"class":"digit","n":1,"mean":2}]},"score":null,"flags":[3]}';
const nums = [2, 7, 81.25, -0.5];
const want = { schema: 2, keys: { holds: [{ class: 'digit', n: 7, mean: 81.25 }] }, score: null, flags: [-0.5] };

test('every number is put back from nums, in objects and arrays', () => {
  assert.deepEqual(revive(text, nums), want);
});

test("a page's JSON.parse wrapper that drops the caller's reviver changes nothing", () => {
  const parse = JSON.parse;
  // A legacy "revive dates" wrapper: its own reviver, the caller's ignored.
  JSON.parse = (t) => parse(t, (_, v) => (typeof v === 'string' && /^\d{4}-\d\d-\d\dT/.test(v) ? new Date(v) : v));
  try {
    assert.deepEqual(revive(text, nums), want);
  } finally {
    JSON.parse = parse;
  }
});
