import type { Role } from "../../../../server/contract/api.ts";

export const ROLE_OPTIONS: readonly { value: Role; label: string }[] = [
  { value: "viewer", label: "Viewer: sees the fleet" },
  { value: "operator", label: "Operator: also runs backups and restores" },
  { value: "admin", label: "Admin: also manages hosts, users and settings" },
];

export const ROLE_SHORT: readonly { value: Role; label: string }[] = [
  { value: "viewer", label: "Viewer" },
  { value: "operator", label: "Operator" },
  { value: "admin", label: "Admin" },
];
