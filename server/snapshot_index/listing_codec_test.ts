import assert from "node:assert/strict";
import { pageOfListing } from "./browse.ts";
import type { OrderOptions } from "./browse.ts";
import { DIR_CODE, TYPE_CODE } from "./entry.ts";
import {
  decodeListing,
  decodeNameIds,
  encodeListing,
  ORDER_MIN,
  ownerAt,
} from "./listing_codec.ts";
import type { ListingRow } from "./listing_codec.ts";

function rows(n: number, seed = 1): ListingRow[] {
  let s = seed;
  const rand = () => (s = (s * 16807) % 2147483647) / 2147483647;
  return Array.from({ length: n }, (_, i): ListingRow => {
    const type = rand() < 0.1 ? DIR_CODE : rand() < 0.05 ? TYPE_CODE.symlink : TYPE_CODE.file;
    return {
      nameId: 1 + i * 3,
      type,
      mode: type === DIR_CODE ? 0o755 : 0o644,
      size: type === DIR_CODE ? 0 : Math.floor(rand() * 20), // small sizes: many ties
      mtime: rand() < 0.05 ? null : 1.7e12 + Math.floor(rand() * 1e6) * (rand() < 0.5 ? -1 : 1),
      uid: rand() < 0.2 ? 0 : 1000,
      gid: rand() < 0.2 ? 0 : 1000,
      user: rand() < 0.2 ? "root" : "ann",
      group: null,
      link: type === TYPE_CODE.symlink ? `../t${i}\nü` : null,
    };
  });
}

Deno.test("a listing decodes to what was encoded, including huge sizes and odd owners", () => {
  const input: ListingRow[] = [
    {
      nameId: 2 ** 40,
      type: TYPE_CODE.file,
      mode: 0o4755,
      size: 2 ** 50 + 3,
      mtime: -86_400_000,
      uid: null,
      gid: null,
      user: null,
      group: null,
      link: null,
    },
    {
      nameId: 0,
      type: TYPE_CODE.hardlink,
      mode: 0,
      size: 0,
      mtime: null,
      uid: 2 ** 32,
      gid: 0,
      user: "ü ser",
      group: "",
      link: "/a/b",
    },
    {
      nameId: 7,
      type: DIR_CODE,
      mode: 0o1777,
      size: 0,
      mtime: 1.8e12,
      uid: 0,
      gid: 0,
      user: "root",
      group: "root",
      link: null,
    },
  ];
  const l = decodeListing(encodeListing(input));
  assert.equal(l.length, 3);
  assert.deepEqual(Array.from(l.nameIds), [2 ** 40, 0, 7]);
  assert.deepEqual(Array.from(l.sizes), [2 ** 50 + 3, 0, 0]);
  assert.deepEqual(Array.from(l.mtimes).map((t) => (Number.isNaN(t) ? null : t)), [
    -86_400_000,
    null,
    1.8e12,
  ]);
  assert.deepEqual(Array.from(l.modes), [0o4755, 0, 0o1777]);
  assert.deepEqual(ownerAt(l, 0), { uid: null, gid: null, user: null, group: null });
  assert.deepEqual(ownerAt(l, 1), { uid: 2 ** 32, gid: 0, user: "ü ser", group: "" });
  assert.equal(l.links.get(1), "/a/b");
  assert.equal(l.order("size"), null);
  assert.deepEqual(Array.from(decodeNameIds(encodeListing(input))), [2 ** 40, 0, 7]);
});

Deno.test("big listings carry their size and time orders; every column survives", () => {
  const input = rows(ORDER_MIN + 500);
  const l = decodeListing(encodeListing(input));
  input.forEach((r, i) => {
    assert.equal(l.nameIds[i], r.nameId);
    assert.equal(l.types[i], r.type);
    assert.equal(l.sizes[i], r.size);
    assert.equal(Number.isNaN(l.mtimes[i]) ? null : l.mtimes[i], r.mtime);
    assert.deepEqual(ownerAt(l, i), { uid: r.uid, gid: r.gid, user: r.user, group: r.group });
    assert.equal(l.links.get(i) ?? null, r.link);
  });
  const bySize = input.map((_, i) => i).sort((a, b) => input[a].size - input[b].size || a - b);
  assert.deepEqual(Array.from(l.order("mtime")!).length, input.length, "either order first");
  assert.deepEqual(Array.from(l.order("size")!), bySize);
  const t = (i: number) => input[i].mtime ?? -Infinity;
  assert.deepEqual(
    Array.from(l.order("mtime")!),
    input.map((_, i) => i).sort((a, b) => t(a) - t(b) || a - b),
  );
});

Deno.test("a corrupt listing throws instead of reading past its end", () => {
  const bytes = encodeListing(rows(50));
  assert.throws(() => decodeListing(bytes.slice(0, bytes.length - 40)), /corrupt/);
  assert.throws(() => decodeListing(new Uint8Array([9, 1])), /version/);
  assert.throws(() => decodeListing(new Uint8Array([1, 0x80, 0x80])), /corrupt/);
});

Deno.test("pages in every order equal slices of a plain full sort, small and big listings", () => {
  for (const n of [40, ORDER_MIN + 77]) {
    const input = rows(n, n);
    const l = decodeListing(encodeListing(input));
    const dirTotal = (i: number) => (i * 7919) % 23; // this snapshot's directory sizes
    for (const sort of ["name", "size", "mtime"] as const) {
      for (const desc of [false, true]) {
        for (const foldersFirst of [false, true]) {
          const o: OrderOptions = { sort, desc, foldersFirst };
          const key = (i: number) =>
            sort === "name"
              ? i
              : sort === "size"
              ? (input[i].type === DIR_CODE ? dirTotal(i) : input[i].size)
              : input[i].mtime ?? -Infinity;
          const dir = (i: number) => (input[i].type === DIR_CODE ? 0 : 1);
          const full = input.map((_, i) => i).sort((a, b) =>
            (foldersFirst ? dir(a) - dir(b) : 0) || key(a) - key(b) || a - b
          );
          if (desc && foldersFirst) {
            const split = full.findIndex((i) => dir(i) === 1);
            const cut = split < 0 ? full.length : split;
            full.splice(
              0,
              full.length,
              ...full.slice(0, cut).reverse(),
              ...full.slice(cut).reverse(),
            );
          } else if (desc) full.reverse();
          for (const [offset, limit] of [[0, 10], [13, 200], [n - 5, 10], [n + 1, 5]]) {
            assert.deepEqual(
              pageOfListing(l, dirTotal, { ...o, offset, limit }),
              full.slice(offset, offset + limit),
              JSON.stringify({ n, ...o, offset, limit }),
            );
          }
        }
      }
    }
  }
});
