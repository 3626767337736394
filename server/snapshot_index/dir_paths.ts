/** Paths of directory nodes, walked up through index_dirs one level per query and memoised. */
import { childPath } from "./browse.ts";
import type { SnapshotIndexRepo } from "./repo.ts";

export type DirPaths = (ids: readonly number[]) => Promise<Map<number, string>>;

export function createDirPaths(repo: Pick<SnapshotIndexRepo, "dirsById">): DirPaths {
  const node = new Map<number, { parentId: number; name: string }>();
  const path = new Map<number, string>([[0, "/"]]);
  const pathOf = (id: number): string => {
    let p = path.get(id);
    if (p === undefined) {
      const n = node.get(id);
      p = n ? childPath(pathOf(n.parentId), n.name) : "/?";
      path.set(id, p);
    }
    return p;
  };
  return async (ids) => {
    let todo = [...new Set(ids)].filter((id) => !path.has(id) && !node.has(id));
    while (todo.length) {
      const rows = await repo.dirsById(todo);
      for (const r of rows) node.set(r.id, { parentId: r.parentId, name: r.name });
      const next = new Set<number>();
      for (const r of rows) {
        if (!path.has(r.parentId) && !node.has(r.parentId)) next.add(r.parentId);
      }
      todo = [...next];
    }
    return new Map(ids.map((id) => [id, pathOf(id)]));
  };
}
