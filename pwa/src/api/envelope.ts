/**
 * Reading the appliance's answers whatever their envelope: the contract names the views, not the
 * objects around them, so `{ schedule: {...} }` and a bare `{...}` read the same.
 */

/** The answer's named member, or the answer itself when the appliance sends the object bare. */
export function unwrap<T>(body: unknown, key: string): T {
  if (body && typeof body === "object" && key in body) return (body as Record<string, T>)[key];
  return body as T;
}

/** The answer's list under `key`, or else its one list, whatever its envelope calls it. */
export function listOf<T>(body: unknown, key?: string): T[] {
  if (Array.isArray(body)) return body as T[];
  if (body && typeof body === "object" && key && Array.isArray((body as never)[key])) {
    return (body as Record<string, T[]>)[key];
  }
  const found = body && typeof body === "object" ? Object.values(body).find(Array.isArray) : null;
  return (found ?? []) as T[];
}
