import assert from "node:assert/strict";
import { mkdtemp, readdir, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as v from "valibot";
import { ephemeralIdentity } from "../../server/agent_channel/identity.ts";
import { sealForAgent } from "../../server/agent_channel/seal.ts";
import type { JobSpec } from "../../server/contract/jobs.ts";
import {
  type JobScheduled,
  JobScheduledSchema,
  ScheduledJobIdSchema,
  type ScheduleEntry,
} from "../../server/contract/schedules.ts";
import { testSecret } from "../../test/helpers/log_capture.ts";
import { loadOrCreateIdentity } from "../identity.ts";
import { openOutbox, type Outbox } from "../outbox.ts";
import { nextRun } from "./decide.ts";
import { createScheduler, type Scheduler } from "./scheduler.ts";
import { createScheduleStore } from "./store.ts";

const MIN = 60_000;
const HOUR = 60 * MIN;

/** A manual timer: remembers the wait it was armed with; tests move the clock and tick. */
function manualTimer() {
  const t = { wait: null as number | null, set: 0 };
  return {
    t,
    timer: {
      set: (_fn: () => void, ms: number) => {
        t.wait = ms;
        return ++t.set;
      },
      clear: () => void (t.wait = null),
    },
  };
}

interface Rig {
  dir: string;
  clock: { t: number };
  outbox: Outbox;
  enqueued: JobSpec[];
  active: Set<string>;
  online: { v: boolean };
  logs: string[];
  timer: ReturnType<typeof manualTimer>;
  scheduler: Scheduler;
  spec: JobSpec;
  /** A new scheduler on the same state dir (an agent restart). */
  restart(): Promise<Scheduler>;
  scheduled(): Array<JobScheduled & { jobId: string }>;
  applied(): Array<{ version: number; entries: number }>;
  /** Moves the clock to each armed wake-up until `end`, ticking at each. */
  runUntil(end: number): Promise<void>;
  close(): Promise<void>;
}

async function rig(start: number, opts: { tickMs?: number } = {}): Promise<Rig> {
  const dir = await mkdtemp(join(tmpdir(), "cairn-sched-"));
  const clock = { t: start };
  const now = () => clock.t;
  const outbox = await openOutbox(join(dir, "outbox.db"), { now });
  const agent = await loadOrCreateIdentity(dir);
  const appliance = ephemeralIdentity();
  const passphrase = testSecret("schedule-passphrase");
  const spec: JobSpec = {
    jobId: "placeholder",
    kind: "backup",
    engine: "restic",
    hostId: "hst_1",
    repository: {
      id: "rep_1",
      name: "r",
      location: { kind: "local", path: "/srv/repo" },
      passphrase: await sealForAgent(appliance, {
        agentKey: agent.publicKey,
        boxPublicKey: agent.boxPublicKey,
        name: "repository.passphrase",
        plaintext: passphrase,
        now: start,
      }),
    },
    options: {},
    timeoutMs: 0,
  };
  const enqueued: JobSpec[] = [];
  const active = new Set<string>();
  const online = { v: true };
  const logs: string[] = [];
  const timer = manualTimer();
  const make = () =>
    createScheduler({
      store: createScheduleStore(dir),
      outbox,
      runner: {
        enqueueLocal: (s) => {
          if (!enqueued.some((e) => e.jobId === s.jobId)) enqueued.push(s);
          return Promise.resolve({});
        },
        isActive: (id) => active.has(id),
      },
      hostId: "hst_1",
      log: (level, msg, fields) => logs.push(`${level} ${msg} ${JSON.stringify(fields ?? {})}`),
      next: nextRun,
      online: () => online.v,
      now,
      timer: timer.timer,
      tickMs: opts.tickMs ?? 10_000,
    });
  const r: Rig = {
    dir,
    clock,
    outbox,
    enqueued,
    active,
    online,
    logs,
    timer,
    spec,
    scheduler: make(),
    async restart() {
      await r.scheduler.stop();
      r.scheduler = make();
      await r.scheduler.start();
      return r.scheduler;
    },
    scheduled: () =>
      outbox.take(10_000).filter((x) => x.kind === "job.scheduled").map((x) => ({
        ...v.parse(JobScheduledSchema, x.body),
        jobId: v.parse(ScheduledJobIdSchema, x.jobId),
      })),
    applied: () =>
      outbox.take(10_000).filter((x) => x.kind === "schedule.applied").map((x) =>
        x.body as { version: number; entries: number }
      ),
    async runUntil(end) {
      while (timer.t.wait !== null && clock.t + timer.t.wait <= end) {
        clock.t += Math.max(1, timer.t.wait);
        await r.scheduler.tick();
      }
      clock.t = end;
      await r.scheduler.tick();
    },
    async close() {
      await r.scheduler.stop();
      outbox.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
  await r.scheduler.start();
  return r;
}

function entry(r: Rig, over: Partial<ScheduleEntry> = {}): ScheduleEntry {
  return {
    scheduleId: "sch_1",
    planId: "pln_1",
    kind: "backup",
    cron: "0 * * * *",
    timeZone: "UTC",
    jitterSeconds: 0,
    catchUp: "once",
    pausedUntil: null,
    spec: r.spec,
    ...over,
  };
}

const doc = (version: number, entries: ScheduleEntry[]) => ({
  version,
  hostId: "hst_1",
  issuedAt: 1,
  entries,
});

const iso = (ms: number) => new Date(ms).toISOString();
const at = (s: string) => Date.parse(s);

async function withRig(start: string, fn: (r: Rig) => Promise<void>, opts?: { tickMs?: number }) {
  const r = await rig(at(start), opts);
  try {
    await fn(r);
  } finally {
    await r.close();
  }
}

Deno.test("a Europe/Berlin daily 02:30 fires once a day across spring-forward and fall-back", async () => {
  await withRig("2026-03-27T12:00:00Z", async (r) => {
    await r.scheduler.put(doc(1, [entry(r, { cron: "30 2 * * *", timeZone: "Europe/Berlin" })]));
    await r.runUntil(at("2026-03-31T12:00:00Z"));
    r.clock.t = at("2026-10-23T12:00:00Z");
    await r.scheduler.put(doc(2, [entry(r, { cron: "30 2 * * *", timeZone: "Europe/Berlin" })]));
    await r.runUntil(at("2026-10-27T12:00:00Z"));
    const runs = r.scheduled();
    assert.deepEqual(runs.map((x) => iso(x.scheduledFor)), [
      "2026-03-28T01:30:00.000Z", // 02:30 CET
      "2026-03-29T01:00:00.000Z", // 02:30 does not exist: 03:00 CEST, right after the gap
      "2026-03-30T00:30:00.000Z", // 02:30 CEST
      "2026-03-31T00:30:00.000Z",
      // The October document kept the entry's timing, so its state (last run 30 March) holds;
      // the missed days are made up once, then the days run as usual.
      "2026-10-23T00:30:00.000Z",
      "2026-10-24T00:30:00.000Z", // 02:30 CEST
      "2026-10-25T00:30:00.000Z", // 02:30 happens twice: the first one only
      "2026-10-26T01:30:00.000Z", // 02:30 CET
      "2026-10-27T01:30:00.000Z",
    ]);
    assert.deepEqual(runs.map((x) => x.catchUp), [
      false,
      false,
      false,
      false,
      true,
      false,
      false,
      false,
      false,
    ]);
    for (const x of runs.filter((x) => !x.catchUp)) assert.equal(x.firedAt, x.scheduledFor);
    assert.deepEqual(r.enqueued.map((s) => s.jobId), runs.map((x) => x.jobId));
  }, { tickMs: 6 * HOUR });
});

Deno.test("jitter delays each run by the entry's seconds; scheduledFor stays the run time", async () => {
  await withRig("2026-05-01T10:10:00Z", async (r) => {
    await r.scheduler.put(doc(1, [entry(r, { jitterSeconds: 300 })]));
    await r.runUntil(at("2026-05-01T11:04:59Z"));
    assert.equal(r.scheduled().length, 0);
    await r.runUntil(at("2026-05-01T12:30:00Z"));
    const runs = r.scheduled();
    assert.deepEqual(runs.map((x) => [iso(x.scheduledFor), iso(x.firedAt)]), [
      ["2026-05-01T11:00:00.000Z", "2026-05-01T11:05:00.000Z"],
      ["2026-05-01T12:00:00.000Z", "2026-05-01T12:05:00.000Z"],
    ]);
  });
});

Deno.test("a new entry never fires what was due before it arrived", async () => {
  await withRig("2026-05-01T10:00:30Z", async (r) => {
    await r.scheduler.put(doc(1, [entry(r, { catchUp: "once" })]));
    await r.scheduler.tick();
    assert.equal(r.scheduled().length, 0, "10:00 was due before the entry arrived");
    await r.runUntil(at("2026-05-01T11:00:00Z"));
    assert.deepEqual(r.scheduled().map((x) => iso(x.scheduledFor)), ["2026-05-01T11:00:00.000Z"]);
  });
});

Deno.test("runs missed during a long gap are caught up once, for the latest, never as a burst", async () => {
  await withRig("2026-05-01T00:30:00Z", async (r) => {
    await r.scheduler.put(doc(1, [entry(r)]));
    await r.runUntil(at("2026-05-01T01:00:00Z"));
    r.online.v = false;
    r.clock.t = at("2026-05-01T11:20:00Z"); // asleep for ten hours
    await r.scheduler.tick();
    await r.scheduler.tick();
    await r.runUntil(at("2026-05-01T11:59:00Z"));
    const runs = r.scheduled();
    assert.deepEqual(runs.map((x) => [iso(x.scheduledFor), x.catchUp, x.offline]), [
      ["2026-05-01T01:00:00.000Z", false, false],
      ["2026-05-01T11:00:00.000Z", true, true],
    ]);
    assert.equal(runs[1].firedAt, at("2026-05-01T11:20:00Z"));
  });
});

Deno.test("a run up to two minutes late fires as usual; later with catchUp skip, it is passed", async () => {
  await withRig("2026-05-01T00:30:00Z", async (r) => {
    await r.scheduler.put(doc(1, [entry(r, { catchUp: "skip" })]));
    r.clock.t = at("2026-05-01T01:01:59Z");
    await r.scheduler.tick();
    r.clock.t = at("2026-05-01T05:30:00Z");
    await r.scheduler.tick();
    assert.deepEqual(
      r.scheduled().map((x) => [iso(x.scheduledFor), x.catchUp]),
      [["2026-05-01T01:00:00.000Z", false]],
    );
    assert.ok(r.logs.some((l) => l.includes("was not fired") && l.includes('"reason":"missed"')));
    await r.runUntil(at("2026-05-01T06:00:00Z"));
    assert.deepEqual(
      r.scheduled().map((x) => iso(x.scheduledFor)),
      ["2026-05-01T01:00:00.000Z", "2026-05-01T06:00:00.000Z"],
    );
  });
});

Deno.test("a paused entry fires nothing and does not make up the paused runs afterwards", async () => {
  await withRig("2026-05-01T00:30:00Z", async (r) => {
    const pausedUntil = at("2026-05-01T04:30:00Z");
    await r.scheduler.put(doc(1, [entry(r, { pausedUntil })]));
    await r.runUntil(at("2026-05-01T04:29:00Z"));
    assert.equal(r.scheduled().length, 0);
    r.clock.t = at("2026-05-01T04:40:00Z");
    await r.scheduler.tick();
    assert.equal(r.scheduled().length, 0, "04:00 fell in the pause: not caught up");
    await r.runUntil(at("2026-05-01T05:00:00Z"));
    assert.deepEqual(
      r.scheduled().map((x) => [iso(x.scheduledFor), x.catchUp]),
      [["2026-05-01T05:00:00.000Z", false]],
    );
  });
});

Deno.test("a run is skipped while the entry's previous run is still queued or running", async () => {
  await withRig("2026-05-01T00:30:00Z", async (r) => {
    await r.scheduler.put(doc(1, [entry(r)]));
    await r.runUntil(at("2026-05-01T01:00:00Z"));
    const first = r.scheduled()[0].jobId;
    r.active.add(first);
    await r.runUntil(at("2026-05-01T02:00:00Z"));
    assert.equal(r.scheduled().length, 1);
    assert.ok(r.logs.some((l) => l.includes("previous run still goes") && l.includes(first)));
    r.active.delete(first);
    await r.runUntil(at("2026-05-01T03:00:00Z"));
    assert.deepEqual(
      r.scheduled().map((x) => iso(x.scheduledFor)),
      ["2026-05-01T01:00:00.000Z", "2026-05-01T03:00:00.000Z"],
    );
  });
});

Deno.test("documents apply in version order; kept entries keep their state, gone ones stop", async () => {
  await withRig("2026-05-01T00:30:00Z", async (r) => {
    const a = entry(r, { scheduleId: "sch_a" });
    const b = entry(r, { scheduleId: "sch_b", cron: "30 * * * *" });
    assert.deepEqual(await r.scheduler.put(doc(2, [a, b])), {
      applied: true,
      appliedVersion: 2,
      entries: 2,
    });
    assert.deepEqual(await r.scheduler.put(doc(1, [a])), { applied: false, appliedVersion: 2 });
    assert.deepEqual(r.applied(), [{
      version: 2,
      entries: 2,
      appliedAt: at("2026-05-01T00:30:00Z"),
    }]);
    await r.scheduler.put(doc(2, [a]));
    assert.equal(r.applied().length, 2, "the same version again is acknowledged again");
    assert.equal(r.scheduler.appliedVersion(), 2);
    await r.runUntil(at("2026-05-01T01:00:00Z"));
    const before = r.scheduler.states().sch_a;
    const c = entry(r, { scheduleId: "sch_c", cron: "0 * * * *" });
    await r.scheduler.put(doc(3, [{ ...a, catchUp: "skip" }, c]));
    assert.deepEqual(r.scheduler.states().sch_a, before);
    assert.equal(r.scheduler.states().sch_b, undefined);
    await r.runUntil(at("2026-05-01T02:10:00Z"));
    assert.deepEqual(
      r.scheduled().map((x) => `${x.scheduleId}@${iso(x.scheduledFor).slice(11, 16)}`),
      ["sch_a@01:00", "sch_a@02:00", "sch_c@02:00"],
    );
    assert.equal(r.scheduled().at(-1)!.scheduleVersion, 3);
    await assert.rejects(
      () => r.scheduler.put({ ...doc(4, [a]), hostId: "hst_2" }),
      /for another host/,
    );
    await assert.rejects(() => r.scheduler.put({ version: 5 }), /schedule document is invalid/);
    await assert.rejects(() => r.scheduler.put(doc(6, [a, a])), /names a schedule twice/);
    assert.equal(r.scheduler.appliedVersion(), 3);
  });
});

Deno.test("a changed cron starts the entry afresh instead of catching up under the new rule", async () => {
  await withRig("2026-05-01T00:30:00Z", async (r) => {
    await r.scheduler.put(doc(1, [entry(r, { cron: "0 1 * * *" })]));
    await r.runUntil(at("2026-05-01T10:00:00Z"));
    await r.scheduler.put(doc(2, [entry(r, { cron: "0 3 * * *" })]));
    await r.scheduler.tick();
    assert.deepEqual(r.scheduled().map((x) => iso(x.scheduledFor)), ["2026-05-01T01:00:00.000Z"]);
  });
});

Deno.test("a restarted agent resumes from the stored state without firing twice", async () => {
  await withRig("2026-05-01T00:30:00Z", async (r) => {
    await r.scheduler.put(doc(1, [entry(r)]));
    await r.runUntil(at("2026-05-01T01:00:30Z"));
    assert.equal(r.scheduled().length, 1);
    await r.restart();
    await r.scheduler.tick();
    assert.equal(r.scheduled().length, 1, "01:00 was fired before the restart");
    assert.equal(r.scheduler.appliedVersion(), 1);
    await r.runUntil(at("2026-05-01T02:00:00Z"));
    assert.deepEqual(
      r.scheduled().map((x) => iso(x.scheduledFor)),
      ["2026-05-01T01:00:00.000Z", "2026-05-01T02:00:00.000Z"],
    );
    // The document and the states are private files that hold no secret in the clear.
    for (const name of await readdir(join(r.dir, "schedule"))) {
      const file = join(r.dir, "schedule", name);
      assert.equal((await stat(file)).mode & 0o777, 0o600, name);
      assert.ok(!(await readFile(file, "utf8")).includes("schedule-passphrase"));
    }
  });
});

Deno.test("a fire cut short after its intent was written is finished once at the next start", async () => {
  await withRig("2026-05-01T00:30:00Z", async (r) => {
    await r.scheduler.put(doc(1, [entry(r)]));
    const store = createScheduleStore(r.dir);
    const states = await store.readStates();
    const jobId = "job_01kaz0000000000000000000ab";
    const pending = {
      jobId,
      scheduledFor: at("2026-05-01T01:00:00Z"),
      firedAt: at("2026-05-01T01:00:00Z"),
      catchUp: false,
      offline: true,
    };
    // As a kill -9 leaves it: the intent on disk, the report already in the outbox, no job.
    states.sch_1 = {
      ...states.sch_1,
      lastScheduledFor: pending.scheduledFor,
      lastJobId: jobId,
      pending,
    };
    await store.writeStates(states);
    r.outbox.acceptCommand(`sched:${jobId}`, { kind: "job.scheduled", jobId, body: {} });
    r.clock.t = at("2026-05-01T01:00:20Z");
    await r.restart();
    assert.deepEqual(r.enqueued.map((s) => s.jobId), [jobId]);
    assert.equal(r.outbox.take(100).filter((x) => x.kind === "job.scheduled").length, 1);
    assert.equal(r.scheduler.states().sch_1.pending, null);
    await r.restart();
    await r.scheduler.tick();
    assert.deepEqual(r.enqueued.map((s) => s.jobId), [jobId], "nothing fired twice");
  });
});

Deno.test("an intent with no report yet gets its job.scheduled before the job is queued", async () => {
  await withRig("2026-05-01T00:30:00Z", async (r) => {
    await r.scheduler.put(doc(1, [entry(r)]));
    const store = createScheduleStore(r.dir);
    const states = await store.readStates();
    const jobId = "job_01kaz0000000000000000000cd";
    const scheduledFor = at("2026-05-01T01:00:00Z");
    states.sch_1 = {
      ...states.sch_1,
      lastScheduledFor: scheduledFor,
      lastJobId: jobId,
      pending: { jobId, scheduledFor, firedAt: scheduledFor, catchUp: false, offline: false },
    };
    await store.writeStates(states);
    r.clock.t = scheduledFor + 5_000;
    await r.restart();
    const runs = r.scheduled();
    assert.deepEqual(runs.map((x) => [x.jobId, iso(x.scheduledFor)]), [
      [jobId, "2026-05-01T01:00:00.000Z"],
    ]);
    assert.deepEqual(r.enqueued.map((s) => s.jobId), [jobId]);
  });
});

Deno.test("a damaged schedule file is dropped and version 0 reported, so the appliance resends", async () => {
  await withRig("2026-05-01T00:30:00Z", async (r) => {
    await r.scheduler.put(doc(4, [entry(r)]));
    await Deno.writeTextFile(join(r.dir, "schedule", "document.json"), "{ not json");
    await r.restart();
    assert.equal(r.scheduler.appliedVersion(), 0);
    assert.deepEqual(r.applied().map((x) => x.version), [4, 0]);
    await r.scheduler.put(doc(4, [entry(r)]));
    assert.equal(r.scheduler.appliedVersion(), 4);
  });
});

Deno.test("the timer is armed for the next run, never later than the tick interval", async () => {
  await withRig("2026-05-01T00:59:00Z", async (r) => {
    await r.scheduler.put(doc(1, [entry(r)]));
    assert.equal(r.timer.t.wait, 10_000);
    r.clock.t = at("2026-05-01T00:59:55Z");
    await r.scheduler.tick();
    assert.equal(r.timer.t.wait, 5_000);
    await r.scheduler.stop();
    assert.equal(r.timer.t.wait, null, "a stopped scheduler leaves no timer");
  });
});
