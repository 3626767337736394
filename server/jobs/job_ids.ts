/**
 * Job ids that rise strictly in the order jobs are made. The queue runs oldest first by id and a
 * snapshot listing is newer than another by its job id, but two ULIDs made in the same
 * millisecond order at random: a new id that does not sort after the last one is the last one
 * plus one.
 */
import { newId } from "../ids.ts";

const ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz";

/** The next id in ULID order: the last character rises, carrying leftwards. */
export function bumpId(id: string): string {
  const [prefix, body] = [id.slice(0, id.indexOf("_") + 1), id.slice(id.indexOf("_") + 1)];
  const chars = body.split("");
  for (let i = chars.length - 1; i >= 0; i--) {
    const n = ALPHABET.indexOf(chars[i]);
    if (n < ALPHABET.length - 1) {
      chars[i] = ALPHABET[n + 1];
      return prefix + chars.join("");
    }
    chars[i] = ALPHABET[0];
  }
  throw new Error("Job id space exhausted");
}

export function createJobIds(last: () => Promise<string | null>) {
  let latest: string | null | undefined;
  return async (now: number): Promise<string> => {
    if (latest === undefined) latest = await last();
    let id = newId("job", now);
    if (latest !== null && id <= latest) id = bumpId(latest);
    latest = id;
    return id;
  };
}
