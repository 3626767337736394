/**
 * Where the appliance's own files are. This module sits one level below the project root both
 * as source (server/paths.ts) and in the Node bundle (dist/server_node.mjs), so one relative URL
 * serves both; keep every import.meta.url lookup here.
 */
import { fileURLToPath } from "node:url";

export const PROJECT_ROOT = fileURLToPath(new URL("..", import.meta.url));
export const MIGRATIONS_DIR = fileURLToPath(new URL("../migrations", import.meta.url));
export const PWA_DIST_DIR = fileURLToPath(new URL("../pwa/dist", import.meta.url));
