import { useSignal, useSignalEffect } from "@preact/signals";
import { useEffect } from "preact/hooks";
import { ThemeSelect } from "../../components/ThemeSelect.tsx";
import { routes } from "../../routes.ts";
import { useStores } from "../../state/stores.ts";
import { errorMessage } from "../common/use_action.ts";
import { OfflineMark } from "./OfflineMark.tsx";
import { StandbyBanner } from "../replication/StandbyBanner.tsx";
import { RouteView } from "./RouteView.tsx";

/** The signed-in frame: skip link, brand, main navigation, account, and the page itself. */
export function AppShell() {
  const { session, router, theme, dashboard, toasts } = useStores();
  const menuOpen = useSignal(false);
  const me = session.me.value!;
  const path = router.path.value;

  useEffect(() => {
    menuOpen.value = false;
  }, [path]);

  useSignalEffect(() => {
    // Started offline from the device's cache and the appliance answers again: re-check the session.
    if (session.offline.value && !dashboard.offline.value && dashboard.syncedAt.value !== null) {
      void session.recheck();
    }
  });

  useEffect(() => {
    // The fleet state is fetched (and kept on the device) whatever page the user opened first.
    if (dashboard.syncedAt.value === null) void dashboard.refresh();
    // Back online: fetch fresh figures at once instead of waiting for the next refresh.
    const online = () => void dashboard.refresh();
    const offline = () => void (dashboard.offline.value = true);
    addEventListener("online", online);
    addEventListener("offline", offline);
    return () => {
      removeEventListener("online", online);
      removeEventListener("offline", offline);
    };
  }, []);

  const signOut = async () => {
    try {
      await session.logout();
    } catch (err) {
      toasts.error(
        `Signed out on this device; the appliance could not be told: ${errorMessage(err)}`,
      );
    }
    dashboard.reset();
    // The next person to sign in starts at the dashboard, not on this user's last page.
    router.navigate("/", { replace: true });
  };

  const links = routes.filter((r) => r.nav && session.can(r.access));
  const current = (
    p: string,
  ) => (p === "/" ? path === "/" : path === p || path.startsWith(p + "/"));
  const applianceName = dashboard.view.value?.applianceName ?? "Cairn";

  return (
    <div class="shell">
      <a class="skip-link" href="#main">Skip to content</a>
      <header class="masthead">
        <div class="masthead__bar">
          <a class="brand" href="/">
            <img class="brand__mark" src="/icons/favicon.svg" alt="" width="28" height="28" />
            <span class="brand__text">
              <span class="brand__name">Cairn</span>
              {applianceName !== "Cairn" && <span class="brand__sub">{applianceName}</span>}
            </span>
          </a>
          <button
            type="button"
            class="btn btn--ghost menu-button"
            aria-expanded={menuOpen.value}
            aria-controls="main-nav"
            onClick={() => (menuOpen.value = !menuOpen.value)}
          >
            Menu
          </button>
        </div>
        <div id="main-nav" class={menuOpen.value ? "navpanel is-open" : "navpanel"}>
          <nav aria-label="Main">
            <ul class="nav">
              {links.map((r) => (
                <li key={r.path}>
                  <a href={r.path} aria-current={current(r.path) ? "page" : undefined}>
                    {typeof r.nav === "string" ? r.nav : r.title}
                    {r.path === "/alerts" && <ActiveAlerts />}
                  </a>
                </li>
              ))}
            </ul>
          </nav>
          <div class="account">
            <p class="account__who">
              <span class="account__name">{me.user.username}</span>
              <span class="badge">{me.user.role}</span>
            </p>
            <ThemeSelect
              value={theme.preference.value}
              choices={theme.choices}
              onChoose={theme.choose}
            />
            <button type="button" class="btn btn--secondary btn--block" onClick={signOut}>
              Sign out
            </button>
          </div>
        </div>
      </header>
      <main id="main" tabIndex={-1}>
        <OfflineMark />
        <StandbyBanner />
        <RouteView />
      </main>
    </div>
  );
}

/** The count of open and acknowledged alerts beside "Alerts" in the navigation. */
function ActiveAlerts() {
  const { dashboard } = useStores();
  const a = dashboard.attention.value?.active;
  const n = a ? a.critical + a.warning + a.info : 0;
  if (n === 0) return null;
  return (
    <span
      class={a && a.critical > 0 ? "nav__count nav__count--bad" : "nav__count"}
      data-testid="alert-count"
    >
      <span class="visually-hidden">:</span>
      {n}
      <span class="visually-hidden">{n === 1 ? " alert" : " alerts"}</span>
    </span>
  );
}
