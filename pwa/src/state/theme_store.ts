import { signal } from "@preact/signals";

export type ThemePreference = "system" | "light" | "dark";

const KEY = "cairn.theme";
const CHOICES: ThemePreference[] = ["system", "light", "dark"];

/**
 * The colour theme: the system's by default, or one the user picked, remembered in
 * localStorage. Applied as data-theme on <html>; the CSS does the rest.
 */
export function createThemeStore(opts: { storage?: Storage; root?: HTMLElement } = {}) {
  const storage = opts.storage ?? globalThis.localStorage;
  const root = opts.root ?? document.documentElement;
  const saved = storage?.getItem(KEY) as ThemePreference | null;
  const preference = signal<ThemePreference>(
    saved && CHOICES.includes(saved) ? saved : "system",
  );
  const apply = () => {
    root.dataset.theme = preference.value;
  };
  apply();
  return {
    preference,
    choices: CHOICES,
    choose(next: ThemePreference) {
      preference.value = next;
      storage?.setItem(KEY, next);
      apply();
    },
  };
}

export type ThemeStore = ReturnType<typeof createThemeStore>;
