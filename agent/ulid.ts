/**
 * Report ids: ULIDs (48-bit millisecond time, 80 random bits, Crockford base32). Within one
 * millisecond the random part counts up, so ids made by one generator sort in the order they
 * were made; the appliance stores each id once, which is what makes re-sending safe.
 */
const ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

function encodeTime(ms: number): string {
  let out = "";
  let t = ms;
  for (let i = 0; i < 10; i++) {
    out = ALPHABET[t % 32] + out;
    t = Math.floor(t / 32);
  }
  return out;
}

/** A generator of increasing ULIDs; `now` is injectable for tests. */
export function createUlidFactory(now: () => number = Date.now): () => string {
  let lastTime = -1;
  const rand = new Uint8Array(16);
  return () => {
    const t = Math.max(now(), lastTime);
    if (t === lastTime) {
      let i = 15;
      while (i >= 0 && rand[i] === 31) rand[i--] = 0;
      if (i < 0) throw new Error("Too many ids in one millisecond");
      rand[i]++;
    } else {
      crypto.getRandomValues(rand);
      for (let i = 0; i < 16; i++) rand[i] &= 31;
      rand[0] &= 15; // leaves room to count up within the millisecond
      lastTime = t;
    }
    let r = "";
    for (let i = 0; i < 16; i++) r += ALPHABET[rand[i]];
    return encodeTime(t) + r;
  };
}
