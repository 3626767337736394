/**
 * The last fleet state kept on the device, so the app knows who is signed in and the dashboard
 * opens while the appliance is out of reach. IndexedDB through idb-keyval, in a database of its
 * own; cleared on sign-out so the next person on this device sees nothing of it.
 */
import { clear, createStore, del, get, set } from "idb-keyval";
import type { UseStore } from "idb-keyval";

export interface Cached<T> {
  value: T;
  /** When the value came from the appliance, Unix ms. */
  savedAt: number;
}

export interface LocalCache {
  read<T>(key: string): Promise<Cached<T> | null>;
  write<T>(key: string, value: T, savedAt: number): Promise<void>;
  remove(key: string): Promise<void>;
  clearAll(): Promise<void>;
}

export function createLocalCache(dbName = "cairn", storeName = "fleet-state"): LocalCache {
  let store: UseStore | null = null;
  // Opened on first use, not at import: no work at import time, and no IndexedDB in private modes
  // that lack it until something needs it.
  const db = () => (store ??= createStore(dbName, storeName));
  // The cache only helps: if the browser refuses IndexedDB, the app still works online.
  const quietly = async <T>(work: () => Promise<T>, fallback: T): Promise<T> => {
    try {
      return await work();
    } catch (err) {
      console.warn("Cairn: local cache unavailable", err);
      return fallback;
    }
  };
  return {
    read: <T>(key: string) => quietly(async () => (await get<Cached<T>>(key, db())) ?? null, null),
    write: (key, value, savedAt) => quietly(() => set(key, { value, savedAt }, db()), undefined),
    remove: (key) => quietly(() => del(key, db()), undefined),
    clearAll: () => quietly(() => clear(db()), undefined),
  };
}
