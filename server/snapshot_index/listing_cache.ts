/**
 * Decoded listings by id, least recently used first out, bounded by the number of entries held
 * (a decoded entry costs about 40 bytes). Paging through a directory of 100,000 children, or
 * searching the same directories again, then decodes each listing once. Listing ids are only
 * reused after a delete, and the collector tells the cache which ids it deleted.
 */
import { decodeListing } from "./listing_codec.ts";
import type { Listing } from "./listing_codec.ts";

export class ListingCache {
  private readonly map = new Map<number, Listing>();
  private held = 0;

  constructor(readonly maxEntries = 500_000) {}

  get(id: number): Listing | undefined {
    const l = this.map.get(id);
    if (l) {
      this.map.delete(id);
      this.map.set(id, l);
    }
    return l;
  }

  /** Decodes and keeps `data` as listing `id` (a listing larger than the bound is not kept). */
  put(id: number, data: Uint8Array): Listing {
    const l = decodeListing(data);
    this.delete([id]);
    if (l.length > this.maxEntries) return l;
    this.map.set(id, l);
    this.held += l.length;
    for (const [old, v] of this.map) {
      if (this.held <= this.maxEntries) break;
      this.map.delete(old);
      this.held -= v.length;
    }
    return l;
  }

  delete(ids: readonly number[]) {
    for (const id of ids) {
      const l = this.map.get(id);
      if (l) {
        this.map.delete(id);
        this.held -= l.length;
      }
    }
  }
}

/** The listings with these ids, from the cache or else from `load` (which reads the database). */
export async function loadListings(
  cache: ListingCache,
  ids: readonly number[],
  load: (ids: number[]) => Promise<Map<number, Uint8Array>>,
): Promise<Map<number, Listing>> {
  const out = new Map<number, Listing>();
  const missing: number[] = [];
  for (const id of new Set(ids)) {
    const l = cache.get(id);
    if (l) out.set(id, l);
    else missing.push(id);
  }
  if (missing.length) {
    for (const [id, data] of await load(missing)) out.set(id, cache.put(id, data));
  }
  return out;
}
