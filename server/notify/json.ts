/** JSON cells of the notify tables, written by Cairn only: a damaged cell reads as the default. */
export function parseJson<T>(text: string | null | undefined, fallback: T): T {
  try {
    return text ? JSON.parse(text) as T : fallback;
  } catch {
    return fallback; // written by Cairn only; a damaged cell reads as the default
  }
}
