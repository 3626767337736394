/**
 * Job ids that rise strictly in the order jobs are made, across restarts too: the queue runs
 * oldest first by id and a snapshot listing is newer than another by its job id. newId rises
 * within a process; this also starts above the newest job stored, in case the clock went back.
 */
import { bumpId, newId } from "../ids.ts";

export function createJobIds(last: () => Promise<string | null>) {
  let latest: string | null | undefined;
  return async (now: number): Promise<string> => {
    if (latest === undefined) latest = await last();
    let id = newId("job", now);
    if (latest !== null && id <= latest) id = bumpId(latest);
    latest = id;
    return id;
  };
}
