import { useEffect } from "preact/hooks";
import { PageHeader, requestTitleFocus } from "../../components/PageHeader.tsx";
import { routes } from "../../routes.ts";
import { matchRoute } from "../../state/router_store.ts";
import { useStores } from "../../state/stores.ts";

/** Renders the screen for the current path, gives the page its title, and moves focus to it. */
export function RouteView() {
  const { router, session, dashboard } = useStores();
  const match = matchRoute(routes, router.path.value);
  const allowed = match !== null && session.can(match.route.access);
  const title = match === null ? "Not found" : allowed ? match.route.title : "Not allowed";
  const applianceName = dashboard.view.value?.applianceName ?? "Cairn";
  const navigations = router.navigations.value;

  useEffect(() => {
    document.title = applianceName === "Cairn" ? `${title} · Cairn` : `${title} · ${applianceName}`;
  }, [title, applianceName]);

  useEffect(() => {
    // After an in-app navigation, screen-reader and keyboard users land on the new page's title.
    // A lazy screen's title is not there yet: PageHeader takes the request when it mounts.
    if (navigations > 0) requestTitleFocus();
  }, [navigations]);

  if (match === null) {
    return (
      <section>
        <PageHeader title="Not found" lead="There is no page at this address in Cairn." />
        <p>
          <a href="/">Go to the dashboard</a>
        </p>
      </section>
    );
  }
  if (!allowed) {
    return (
      <section>
        <PageHeader title="Not allowed" lead="Your role does not allow this page." />
        <p>
          Ask an admin if you need it. <a href="/">Go to the dashboard</a>
        </p>
      </section>
    );
  }
  const Screen = match.route.screen;
  return <Screen params={match.params} />;
}
