/**
 * A small history router. The path is a signal; plain <a href="/users"> links are intercepted
 * (so features need no Link component and a middle-click still opens a tab); Back and Forward
 * work through popstate. Deep links load index.html from the server or, offline, from the
 * service worker's navigation fallback.
 */
import { signal } from "@preact/signals";
import type { ComponentType } from "preact";
import type { Role } from "../../../server/contract/api.ts";

export interface ScreenProps {
  params: Record<string, string>;
}

export interface ScreenRoute {
  /** "/users", or with parameters: "/hosts/:id". */
  path: string;
  /** Page title, and the nav label unless `nav` names one. */
  title: string;
  /** The least role that may open the screen; the nav hides it from lesser roles. */
  access: Role;
  /** Show in the main navigation (true, or a shorter label). */
  nav?: boolean | string;
  screen: ComponentType<ScreenProps>;
}

export interface RouteMatch {
  route: ScreenRoute;
  params: Record<string, string>;
}

export function matchRoute(routes: ScreenRoute[], pathname: string): RouteMatch | null {
  const parts = trimSlash(pathname).split("/");
  for (const route of routes) {
    const pattern = trimSlash(route.path).split("/");
    if (pattern.length !== parts.length) continue;
    const params: Record<string, string> = {};
    const ok = pattern.every((p, i) => {
      if (p.startsWith(":")) {
        if (!parts[i]) return false;
        try {
          params[p.slice(1)] = decodeURIComponent(parts[i]);
        } catch {
          return false; // a malformed escape is no match, not a crash
        }
        return true;
      }
      return p === parts[i];
    });
    if (ok) return { route, params };
  }
  return null;
}

function trimSlash(p: string): string {
  return p.length > 1 ? p.replace(/\/+$/, "") : p;
}

/** Paths the server answers itself: never routed in the app. */
const SERVER_PATHS = /^\/(api|install|metrics|healthz)(\/|$)|\.[a-z0-9]+$/i;

export function createRouterStore(win: Window = globalThis.window) {
  const path = signal(win.location.pathname);
  const search = signal(win.location.search);
  /** Bumped on every in-app navigation, so the shell can move focus to the new page. */
  const navigations = signal(0);

  /** Reads the location into the signals; true when the page (path or query) changed. */
  const sync = (): boolean => {
    const changed = path.value !== win.location.pathname || search.value !== win.location.search;
    path.value = win.location.pathname;
    search.value = win.location.search;
    return changed;
  };

  function navigate(to: string, opts: { replace?: boolean } = {}) {
    const url = new URL(to, win.location.href);
    if (opts.replace) win.history.replaceState(null, "", url);
    else win.history.pushState(null, "", url);
    sync();
    navigations.value++;
    win.scrollTo(0, 0);
  }

  function onClick(e: MouseEvent) {
    if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) {
      return;
    }
    const a = (e.target as Element | null)?.closest?.("a");
    if (!a || !a.href || a.hasAttribute("download")) return;
    if (a.target && a.target !== "_self") return;
    const url = new URL(a.href);
    if (url.origin !== win.location.origin || SERVER_PATHS.test(url.pathname)) return;
    // Same page, another fragment (the skip link): the browser's own jump is right.
    if (url.pathname === path.value && url.search === search.value && url.hash) return;
    e.preventDefault();
    if (url.pathname + url.search !== path.value + search.value) {
      navigate(url.pathname + url.search + url.hash);
    }
  }

  const onPop = () => {
    if (sync()) navigations.value++;
  };

  return {
    path,
    search,
    navigations,
    navigate,
    /** Starts listening to link clicks and history; returns the function that stops it. */
    start(): () => void {
      win.document.addEventListener("click", onClick);
      win.addEventListener("popstate", onPop);
      return () => {
        win.document.removeEventListener("click", onClick);
        win.removeEventListener("popstate", onPop);
      };
    },
  };
}

export type RouterStore = ReturnType<typeof createRouterStore>;
