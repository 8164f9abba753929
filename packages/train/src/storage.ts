/**
 * Keeping a model in a browser: checkpoint bytes (e.g. from `saveSafetensors` or `saveCheckpoint`)
 * saved to IndexedDB survive a page reload, and IndexedDB exists in workers too, so a training
 * worker saves and loads without the page. Also: bytes from a URL, and a download of bytes as a
 * file (the one step that needs the page's `document`).
 *
 * A database holds two object stores written in one transaction: `bytes` (the checkpoints) and
 * `info` (size and save time), so listing never reads the checkpoints themselves.
 */
import { ArgumentError, SimplegradError, checkKnownOptions, fmtValue } from '@simplegrad/core';
import { type FetchLike, fetchBytes } from '@simplegrad/datasets';

/**
 * Storage could not do what was asked: no IndexedDB here, a failed IndexedDB request (e.g. quota),
 * a failed download, or a download asked for where there is no page.
 *
 * @example
 * try { await saveToIndexedDB('model', bytes); }
 * catch (e) { if (e instanceof StorageError) console.error(e.message); }
 */
export class StorageError extends SimplegradError {}

/** Options of the IndexedDB functions. */
export interface IndexedDBOptions {
  /** The database name (default `'simplegrad'`); its stores are created on first use. */
  dbName?: string;
  /** The IndexedDB factory (default `globalThis.indexedDB`; in Node pass e.g. fake-indexeddb's). */
  indexedDB?: IDBFactory;
}

/** One saved entry, as {@link listIndexedDB} reports it. */
export interface StoredEntry {
  /** The key it was saved under. */
  key: string;
  /** Size of the saved bytes. */
  size: number;
  /** When it was saved (milliseconds since the epoch, `Date.now()`). */
  savedAt: number;
}

const BYTES = 'bytes';
const INFO = 'info';
const DB_KEYS = ['dbName', 'indexedDB'];

function checkKey(op: string, key: unknown): string {
  if (typeof key !== 'string' || key.length === 0) throw new ArgumentError(op, `key must be a non-empty string, got ${fmtValue(key)}`);
  return key;
}

/** Resolves the options to a factory and a database name, or throws naming what is missing. */
function resolveDb(op: string, options: IndexedDBOptions): { factory: IDBFactory; name: string } {
  checkKnownOptions(op, options, DB_KEYS);
  const name = options.dbName ?? 'simplegrad';
  if (typeof name !== 'string' || name.length === 0) throw new ArgumentError(op, `dbName must be a non-empty string, got ${fmtValue(name)}`);
  const factory = options.indexedDB ?? (globalThis as { indexedDB?: IDBFactory }).indexedDB;
  if (factory === undefined || typeof factory?.open !== 'function') {
    throw new StorageError(op, 'IndexedDB is not available here (browsers and their workers have it, Node does not: pass options.indexedDB, e.g. from fake-indexeddb)');
  }
  return { factory, name };
}

/** The message of whatever an IndexedDB request failed with. */
const reason = (e: DOMException | Error | null | undefined): string => (e ? `${e.name}: ${e.message}` : 'unknown error');

/** Opens (creating on first use) the database with both stores. */
function open(op: string, factory: IDBFactory, name: string): Promise<IDBDatabase> {
  return new Promise((resolve, reject) => {
    const req = factory.open(name, 1);
    req.onupgradeneeded = () => {
      const db = req.result;
      db.createObjectStore(BYTES);
      db.createObjectStore(INFO);
    };
    req.onsuccess = () => {
      const db = req.result;
      if (!db.objectStoreNames.contains(BYTES) || !db.objectStoreNames.contains(INFO)) {
        db.close();
        reject(new StorageError(op, `database '${name}' exists but was not made by simplegrad (no '${BYTES}' and '${INFO}' stores); choose another dbName`));
        return;
      }
      resolve(db);
    };
    req.onerror = () => reject(new StorageError(op, `cannot open database '${name}': ${reason(req.error)}`));
  });
}

/**
 * Runs `body` in one transaction over both stores and resolves with what it returned once the
 * transaction has completed (so a save is durable before the promise resolves); closes the database.
 */
async function transact<T>(op: string, options: IndexedDBOptions, mode: IDBTransactionMode, body: (bytes: IDBObjectStore, info: IDBObjectStore) => () => T): Promise<T> {
  const { factory, name } = resolveDb(op, options);
  const db = await open(op, factory, name);
  try {
    return await new Promise<T>((resolve, reject) => {
      const tx = db.transaction([BYTES, INFO], mode);
      const result = body(tx.objectStore(BYTES), tx.objectStore(INFO));
      tx.oncomplete = () => resolve(result());
      // A failed request (e.g. QuotaExceededError) aborts its transaction, so abort covers errors too.
      tx.onabort = () => reject(new StorageError(op, `database '${name}': transaction aborted (${reason(tx.error)})`));
    });
  } finally {
    db.close();
  }
}

/** The value of a request once its transaction completed. */
function later<T>(req: IDBRequest<T>): () => T {
  return () => req.result;
}

/**
 * Saves `bytes` (a checkpoint) under `key` in IndexedDB, replacing what was there. Resolves once
 * the write has committed, so the entry survives a reload. Works in a page and in a worker.
 *
 * @example
 * await saveToIndexedDB('my-model', saveSafetensors(model.stateDict()));
 * // after a reload:
 * const bytes = await loadFromIndexedDB('my-model');       // Uint8Array, or null if never saved
 * if (bytes) model.loadStateDict(loadSafetensors(bytes));
 */
export async function saveToIndexedDB(key: string, bytes: Uint8Array, options: IndexedDBOptions = {}): Promise<void> {
  const op = 'saveToIndexedDB';
  checkKey(op, key);
  if (!(bytes instanceof Uint8Array)) throw new ArgumentError(op, `bytes must be a Uint8Array, got ${fmtValue(bytes)}`);
  const entry: StoredEntry = { key, size: bytes.byteLength, savedAt: Date.now() };
  await transact(op, options, 'readwrite', (store, info) => {
    // A copy of exactly the view's bytes, not the whole buffer a subarray may sit in.
    store.put(bytes.slice().buffer, key);
    info.put(entry, key);
    return () => undefined;
  });
}

/**
 * The bytes saved under `key` by {@link saveToIndexedDB}, or `null` when there are none.
 *
 * @example
 * const bytes = await loadFromIndexedDB('my-model', { dbName: 'my-app' });
 */
export async function loadFromIndexedDB(key: string, options: IndexedDBOptions = {}): Promise<Uint8Array | null> {
  const op = 'loadFromIndexedDB';
  checkKey(op, key);
  const value = await transact(op, options, 'readonly', (store) => later(store.get(key) as IDBRequest<ArrayBuffer | undefined>));
  return value === undefined ? null : new Uint8Array(value);
}

/**
 * Every saved entry (key, size in bytes, save time), sorted by key; reads no checkpoint bytes.
 *
 * @example
 * for (const { key, size, savedAt } of await listIndexedDB()) console.log(key, size, new Date(savedAt));
 */
export async function listIndexedDB(options: IndexedDBOptions = {}): Promise<StoredEntry[]> {
  const entries = await transact('listIndexedDB', options, 'readonly', (_store, info) => later(info.getAll() as IDBRequest<StoredEntry[]>));
  return entries.sort((a, b) => (a.key < b.key ? -1 : 1)); // keys are unique
}

/**
 * Deletes the entry saved under `key`; resolves to whether there was one.
 *
 * @example
 * await deleteFromIndexedDB('my-model');   // true, then false
 */
export async function deleteFromIndexedDB(key: string, options: IndexedDBOptions = {}): Promise<boolean> {
  const op = 'deleteFromIndexedDB';
  checkKey(op, key);
  return transact(op, options, 'readwrite', (store, info) => {
    const had = info.count(key);
    store.delete(key);
    info.delete(key);
    return () => had.result > 0;
  });
}

/** Options of {@link loadFromUrl}. */
export interface LoadFromUrlOptions {
  /** The fetch function (default `globalThis.fetch`). */
  fetch?: FetchLike;
}

/**
 * Fetches a checkpoint (or any file) from `url` as bytes; a failed request or a non-2xx answer is a
 * {@link StorageError} naming the URL and the status.
 *
 * @example
 * model.loadStateDict(loadSafetensors(await loadFromUrl('/models/mnist.safetensors')));
 */
export async function loadFromUrl(url: string, options: LoadFromUrlOptions = {}): Promise<Uint8Array> {
  const op = 'loadFromUrl';
  checkKnownOptions(op, options, ['fetch']);
  if (typeof url !== 'string' || url.length === 0) throw new ArgumentError(op, `url must be a non-empty string, got ${fmtValue(url)}`);
  const fetchFn = options.fetch ?? (globalThis as { fetch?: FetchLike }).fetch;
  if (typeof fetchFn !== 'function') throw new ArgumentError(op, 'no fetch function here; pass options.fetch');
  return fetchBytes(op, url, fetchFn, (o, m) => new StorageError(o, m));
}

/**
 * Offers `bytes` to the user as a file download named `fileName` (a Blob behind an `<a download>`).
 * Needs the page's `document`: in a worker it throws a {@link StorageError}; post the bytes to the
 * page (transferring their buffer) and call it there.
 *
 * @example
 * downloadBytes(saveSafetensors(model.stateDict()), 'model.safetensors');
 */
export function downloadBytes(bytes: Uint8Array, fileName: string): void {
  const op = 'downloadBytes';
  if (!(bytes instanceof Uint8Array)) throw new ArgumentError(op, `bytes must be a Uint8Array, got ${fmtValue(bytes)}`);
  if (typeof fileName !== 'string' || fileName.length === 0) throw new ArgumentError(op, `fileName must be a non-empty string, got ${fmtValue(fileName)}`);
  const doc = (globalThis as { document?: Document }).document;
  if (doc === undefined) {
    throw new StorageError(op, 'there is no document here (a worker, or Node): post the bytes to the page, e.g. postMessage(bytes, [bytes.buffer]), and call downloadBytes there');
  }
  const url = URL.createObjectURL(new Blob([bytes.slice().buffer], { type: 'application/octet-stream' }));
  const a = doc.createElement('a');
  a.href = url;
  a.download = fileName;
  a.click();
  // The click starts the download asynchronously; the URL must outlive that start.
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
