/**
 * Every screen of the app, in nav order. To add a feature: make features/<domain>/XScreen.tsx
 * and add one line here. Screens that are not needed for the first render of the dashboard
 * load lazily, each in its own chunk, to keep the start-up budget.
 */
import { lazy } from "./components/Lazy.tsx";
import { DashboardScreen } from "./features/dashboard/DashboardScreen.tsx";
import type { ScreenRoute } from "./state/router_store.ts";

export const routes: ScreenRoute[] = [
  { path: "/", title: "Dashboard", access: "viewer", nav: true, screen: DashboardScreen },
  {
    path: "/hosts",
    title: "Hosts",
    access: "viewer",
    nav: true,
    screen: lazy(() => import("./features/hosts/HostsScreen.tsx")),
  },
  {
    path: "/hosts/:id",
    title: "Host",
    access: "viewer",
    screen: lazy(() => import("./features/hosts/HostScreen.tsx")),
  },
  {
    path: "/hosts/:id/snapshots/:repo/:snap",
    title: "Snapshot",
    access: "viewer",
    screen: lazy(() => import("./features/restore/SnapshotBrowserScreen.tsx")),
  },
  {
    path: "/hosts/:id/snapshots/:repo/:snap/diff",
    title: "Compare snapshots",
    access: "viewer",
    screen: lazy(() => import("./features/restore/DiffScreen.tsx")),
  },
  {
    path: "/hosts/:id/snapshots/:repo/:snap/restore",
    title: "Restore",
    access: "operator",
    screen: lazy(() => import("./features/restore/RestoreWizardScreen.tsx")),
  },
  {
    path: "/restore",
    title: "Restore",
    access: "viewer",
    nav: true,
    screen: lazy(() => import("./features/restore/RestoreScreen.tsx")),
  },
  {
    path: "/alerts",
    title: "Alerts",
    access: "viewer",
    nav: true,
    screen: lazy(() => import("./features/alerts/AlertsScreen.tsx")),
  },
  {
    path: "/plans",
    title: "Plans",
    access: "viewer",
    nav: true,
    screen: lazy(() => import("./features/plans/PlansScreen.tsx")),
  },
  {
    path: "/plans/:id",
    title: "Plan",
    access: "viewer",
    screen: lazy(() => import("./features/plans/PlanScreen.tsx")),
  },
  {
    path: "/jobs",
    title: "Jobs",
    access: "viewer",
    nav: true,
    screen: lazy(() => import("./features/jobs/JobsScreen.tsx")),
  },
  {
    path: "/jobs/:id",
    title: "Job",
    access: "viewer",
    screen: lazy(() => import("./features/jobs/JobScreen.tsx")),
  },
  {
    path: "/repositories",
    title: "Repositories",
    access: "viewer",
    nav: true,
    screen: lazy(() => import("./features/repositories/RepositoriesScreen.tsx")),
  },
  {
    path: "/repositories/:id",
    title: "Repository",
    access: "viewer",
    screen: lazy(() => import("./features/repositories/RepositoryScreen.tsx")),
  },
  {
    path: "/ssh-keys",
    title: "SSH keys",
    access: "admin",
    nav: true,
    screen: lazy(() => import("./features/ssh_keys/SshKeysScreen.tsx")),
  },
  {
    path: "/users",
    title: "Users",
    access: "admin",
    nav: true,
    screen: lazy(() => import("./features/users/UsersScreen.tsx")),
  },
  {
    path: "/tokens",
    title: "API tokens",
    access: "admin",
    nav: true,
    screen: lazy(() => import("./features/tokens/TokensScreen.tsx")),
  },
  {
    path: "/audit",
    title: "Audit log",
    access: "admin",
    nav: true,
    screen: lazy(() => import("./features/audit/AuditScreen.tsx")),
  },
  {
    path: "/settings/notifications",
    title: "Notifications",
    access: "viewer",
    screen: lazy(() => import("./features/notifications/NotificationsScreen.tsx")),
  },
  {
    path: "/settings",
    title: "Settings",
    access: "viewer",
    nav: true,
    screen: lazy(() => import("./features/settings/SettingsScreen.tsx")),
  },
];
