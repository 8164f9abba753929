// Browser persistence in Node: IndexedDB through fake-indexeddb (a fresh factory per test, so no
// test sees another's entries), fetch and document stubbed. The same code runs in Chromium in
// scripts/browser-images-test.mjs, in a page and in a worker.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { resolveObjectURL } from 'node:buffer';
import { IDBFactory } from 'fake-indexeddb';
import { ArgumentError } from '@simplegrad/core';
import {
  StorageError, deleteFromIndexedDB, downloadBytes, listIndexedDB, loadFromIndexedDB, loadFromUrl, saveToIndexedDB,
} from '../src/index.js';
import { rejectsWith, throwsWith } from './throws.js';

const bytesOf = (...v: number[]): Uint8Array => new Uint8Array(v);

test('save then load gives the same bytes; a missing key is null; saving again replaces', async () => {
  const indexedDB = new IDBFactory();
  assert.is(await loadFromIndexedDB('model', { indexedDB }), null);
  await saveToIndexedDB('model', bytesOf(1, 2, 3), { indexedDB });
  assert.equal(Array.from((await loadFromIndexedDB('model', { indexedDB }))!), [1, 2, 3]);
  await saveToIndexedDB('model', bytesOf(9), { indexedDB });
  assert.equal(Array.from((await loadFromIndexedDB('model', { indexedDB }))!), [9]);
});

test('a subarray saves only its own bytes, and later changes to the source do not reach the store', async () => {
  const indexedDB = new IDBFactory();
  const whole = bytesOf(0, 1, 2, 3, 4, 5);
  await saveToIndexedDB('part', whole.subarray(2, 4), { indexedDB });
  whole.fill(7);
  const got = (await loadFromIndexedDB('part', { indexedDB }))!;
  assert.instance(got, Uint8Array);
  assert.equal(Array.from(got), [2, 3]);
  assert.is(got.buffer.byteLength, 2);
});

test('list reports key, size and save time sorted by key; delete removes one entry and says whether it existed', async () => {
  const indexedDB = new IDBFactory();
  assert.equal(await listIndexedDB({ indexedDB }), []);
  const before = Date.now();
  await saveToIndexedDB('b', new Uint8Array(300), { indexedDB });
  await saveToIndexedDB('a', bytesOf(1), { indexedDB });
  const list = await listIndexedDB({ indexedDB });
  assert.equal(list.map((e) => [e.key, e.size]), [['a', 1], ['b', 300]]);
  assert.ok(list.every((e) => e.savedAt >= before && e.savedAt <= Date.now()), JSON.stringify(list));
  assert.is(await deleteFromIndexedDB('b', { indexedDB }), true);
  assert.is(await deleteFromIndexedDB('b', { indexedDB }), false);
  assert.is(await loadFromIndexedDB('b', { indexedDB }), null);
  assert.equal((await listIndexedDB({ indexedDB })).map((e) => e.key), ['a']);
});

test('databases are separate by dbName; the default is the global indexedDB and database "simplegrad"', async () => {
  const indexedDB = new IDBFactory();
  await saveToIndexedDB('k', bytesOf(1), { indexedDB, dbName: 'one' });
  await saveToIndexedDB('k', bytesOf(2), { indexedDB, dbName: 'two' });
  assert.equal(Array.from((await loadFromIndexedDB('k', { indexedDB, dbName: 'one' }))!), [1]);
  assert.equal(Array.from((await loadFromIndexedDB('k', { indexedDB, dbName: 'two' }))!), [2]);
  const g = globalThis as { indexedDB?: IDBFactory };
  g.indexedDB = indexedDB;
  try {
    await saveToIndexedDB('k', bytesOf(3));
    assert.equal(Array.from((await loadFromIndexedDB('k'))!), [3]);
    assert.equal((await listIndexedDB()).map((e) => e.key), ['k']);
    assert.equal(Array.from((await loadFromIndexedDB('k', { indexedDB, dbName: 'simplegrad' }))!), [3]);
    assert.is(await deleteFromIndexedDB('k'), true);
  } finally {
    delete g.indexedDB;
  }
});

test('without IndexedDB (plain Node) every function rejects with a StorageError saying what to pass', async () => {
  for (const p of [saveToIndexedDB('k', bytesOf(1)), loadFromIndexedDB('k'), listIndexedDB(), deleteFromIndexedDB('k')]) {
    await rejectsWith(p, StorageError, 'IndexedDB is not available here', 'options.indexedDB');
  }
  await rejectsWith(loadFromIndexedDB('k', { indexedDB: {} as IDBFactory }), StorageError, 'loadFromIndexedDB: IndexedDB is not available');
});

test('bad arguments are typed errors naming the function and the argument', async () => {
  const indexedDB = new IDBFactory();
  await rejectsWith(saveToIndexedDB('', bytesOf(1), { indexedDB }), ArgumentError, "saveToIndexedDB: key must be a non-empty string, got ''");
  await rejectsWith(loadFromIndexedDB(3 as unknown as string, { indexedDB }), ArgumentError, 'loadFromIndexedDB: key must be a non-empty string, got 3');
  await rejectsWith(deleteFromIndexedDB(null as unknown as string, { indexedDB }), ArgumentError, 'deleteFromIndexedDB: key must be');
  await rejectsWith(saveToIndexedDB('k', [1, 2] as unknown as Uint8Array, { indexedDB }), ArgumentError, 'saveToIndexedDB: bytes must be a Uint8Array');
  await rejectsWith(listIndexedDB({ indexedDB, dbname: 'x' } as never), ArgumentError, "listIndexedDB: unknown option 'dbname' (known: dbName, indexedDB)");
  await rejectsWith(listIndexedDB({ indexedDB, dbName: '' }), ArgumentError, "listIndexedDB: dbName must be a non-empty string, got ''");
});

test('a database of the same name made by someone else, or at a newer version, is a StorageError', async () => {
  const indexedDB = new IDBFactory();
  await new Promise<void>((resolve) => {
    const req = indexedDB.open('theirs', 1);
    req.onupgradeneeded = () => req.result.createObjectStore('things');
    req.onsuccess = () => { req.result.close(); resolve(); };
  });
  await rejectsWith(listIndexedDB({ indexedDB, dbName: 'theirs' }), StorageError, "listIndexedDB: database 'theirs' exists but was not made by simplegrad", 'choose another dbName');
  await new Promise<void>((resolve) => {
    const req = indexedDB.open('newer', 3);
    req.onsuccess = () => { req.result.close(); resolve(); };
  });
  await rejectsWith(loadFromIndexedDB('k', { indexedDB, dbName: 'newer' }), StorageError, "loadFromIndexedDB: cannot open database 'newer': VersionError");
});

test('an aborted transaction (what a quota error does) rejects with a StorageError and saves nothing', async () => {
  const real = new IDBFactory();
  // Aborts every transaction right after its requests were queued.
  const aborting = {
    open(name: string, version?: number) {
      const req = real.open(name, version);
      req.addEventListener('success', () => {
        const db = req.result;
        const transaction = db.transaction.bind(db);
        db.transaction = ((...args: Parameters<IDBDatabase['transaction']>) => {
          const tx = transaction(...args);
          queueMicrotask(() => tx.abort());
          return tx;
        }) as IDBDatabase['transaction'];
      });
      return req;
    },
  } as IDBFactory;
  await rejectsWith(saveToIndexedDB('k', bytesOf(1), { indexedDB: aborting }), StorageError, "saveToIndexedDB: database 'simplegrad': transaction aborted (unknown error)");
  assert.is(await loadFromIndexedDB('k', { indexedDB: real }), null);
});

/** A fetch stub serving `files` (anything else is a 404); counts requests. */
function stubFetch(files: Record<string, Uint8Array>) {
  const calls: string[] = [];
  const fetch = async (url: string) => {
    calls.push(url);
    const body = files[url];
    return body === undefined
      ? { ok: false, status: 404, statusText: 'Not Found', arrayBuffer: async () => new ArrayBuffer(0) }
      : { ok: true, status: 200, statusText: 'OK', arrayBuffer: async () => body.slice().buffer };
  };
  return { fetch, calls };
}

test('loadFromUrl returns the body as bytes; HTTP errors and network failures are StorageErrors naming the URL', async () => {
  const { fetch, calls } = stubFetch({ '/m.safetensors': bytesOf(4, 5) });
  assert.equal(Array.from(await loadFromUrl('/m.safetensors', { fetch })), [4, 5]);
  assert.equal(calls, ['/m.safetensors']);
  await rejectsWith(loadFromUrl('/missing', { fetch }), StorageError, 'loadFromUrl: fetching /missing failed with HTTP 404 Not Found');
  const offline = async () => { throw new TypeError('Failed to fetch'); };
  await rejectsWith(loadFromUrl('/x', { fetch: offline }), StorageError, 'loadFromUrl: could not fetch /x: Failed to fetch');
  await rejectsWith(loadFromUrl('', { fetch }), ArgumentError, "loadFromUrl: url must be a non-empty string, got ''");
  await rejectsWith(loadFromUrl('/x', { fetch, retries: 2 } as never), ArgumentError, "loadFromUrl: unknown option 'retries' (known: fetch)");
});

test('loadFromUrl uses the global fetch by default, and says so when there is none', async () => {
  const g = globalThis as { fetch?: unknown };
  const saved = g.fetch;
  try {
    g.fetch = stubFetch({ 'http://h/a': bytesOf(8) }).fetch;
    assert.equal(Array.from(await loadFromUrl('http://h/a')), [8]);
    delete g.fetch;
    await rejectsWith(loadFromUrl('http://h/a'), ArgumentError, 'loadFromUrl: no fetch function here; pass options.fetch');
  } finally {
    g.fetch = saved;
  }
});

test('downloadBytes clicks an <a download> on a Blob URL holding the bytes, and revokes it later', async () => {
  const g = globalThis as { document?: unknown; setTimeout: typeof setTimeout };
  const clicked: { href: string; download: string }[] = [];
  const timers: (() => void)[] = [];
  const realTimeout = g.setTimeout;
  g.document = { createElement: () => ({ href: '', download: '', click() { clicked.push({ href: this.href, download: this.download }); } }) };
  g.setTimeout = ((fn: () => void) => { timers.push(fn); return 0; }) as unknown as typeof setTimeout;
  try {
    const whole = bytesOf(0, 1, 2, 3);
    downloadBytes(whole.subarray(1, 3), 'model.safetensors');
  } finally {
    g.setTimeout = realTimeout;
    delete g.document;
  }
  assert.is(clicked.length, 1);
  assert.is(clicked[0].download, 'model.safetensors');
  const blob = resolveObjectURL(clicked[0].href)!;
  assert.equal(Array.from(new Uint8Array(await blob.arrayBuffer())), [1, 2]);
  assert.is(timers.length, 1);
  timers[0]();
  assert.is(resolveObjectURL(clicked[0].href), undefined);
});

test('downloadBytes without a document (a worker, Node) tells to post the bytes to the page; bad arguments are typed', () => {
  throwsWith(() => downloadBytes(bytesOf(1), 'm.bin'), StorageError, 'downloadBytes: there is no document here (a worker, or Node): post the bytes to the page');
  throwsWith(() => downloadBytes('abc' as unknown as Uint8Array, 'm.bin'), ArgumentError, "downloadBytes: bytes must be a Uint8Array, got 'abc'");
  throwsWith(() => downloadBytes(bytesOf(1), ''), ArgumentError, "downloadBytes: fileName must be a non-empty string, got ''");
});

test.run();
