/**
 * Web Push on this device: the state (allowed, blocked, not supported, needs HTTPS, not asked),
 * "Enable notifications on this device" (permission, then pushManager.subscribe with the
 * appliance's VAPID key, then the subscription saved under a label from the user agent), "Turn
 * off on this device", the user's devices, and "Send a test".
 */
import { useState } from "preact/hooks";
import type { PushSubscriptionView, TestResultView } from "../../../../server/contract/notify.ts";
import type { NotifyApi } from "../../api/notify_api.ts";
import { formatAgo } from "../../components/format.ts";
import { Notice } from "../../components/Notice.tsx";
import { useLoad } from "../../components/use_load.ts";
import { LoadState } from "../common/LoadState.tsx";
import { useAction } from "../common/use_action.ts";
import { useStores } from "../../state/stores.ts";
import {
  base64UrlToBytes,
  deviceLabel,
  pushState,
  readEnvironment,
  STATE_WORDS,
  subscriptionBody,
} from "./push_state.ts";
import { TestResult } from "./TestResult.tsx";

/** This device's subscription id on the appliance, so "Turn off" removes the right one. */
const DEVICE_KEY = "cairn.push.subscription";

/** `work`, or an error saying `what` did not answer within `ms`. */
function within<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not answer`)), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

function registration(): Promise<ServiceWorkerRegistration> {
  return within(navigator.serviceWorker.ready, 10_000, "the app's service worker");
}

async function currentSubscription(): Promise<PushSubscription | null> {
  if (pushState(readEnvironment()) !== "granted") return null;
  return await (await registration()).pushManager.getSubscription();
}

export function PushCard({ api }: { api: NotifyApi }) {
  const [state, setState] = useState(() => pushState(readEnvironment()));
  const [problem, setProblem] = useState<string | null>(null);
  const [result, setResult] = useState<TestResultView | null>(null);
  const { toasts } = useStores();
  const action = useAction();
  const [enabling, setBusy] = useState(false);
  const busy = action.busy || enabling;
  const run = action.run;
  const loaded = useLoad(async () => {
    const [devices, here] = await Promise.all([api.push.list(), currentSubscription()]);
    return { devices, subscribed: here !== null };
  });
  const refresh = () => {
    setState(pushState(readEnvironment()));
    void loaded.reload();
  };

  const enable = async () => {
    setProblem(null);
    const permission = await Notification.requestPermission();
    setState(pushState(readEnvironment()));
    if (permission !== "granted") return;
    setBusy(true);
    try {
      const reg = await registration();
      const { publicKey } = await api.push.vapidKey();
      // A browser whose push service is out of reach can wait on this for minutes.
      const sub = await within(
        reg.pushManager.subscribe({
          userVisibleOnly: true,
          applicationServerKey: base64UrlToBytes(publicKey),
        }),
        15_000,
        "the browser's push service",
      );
      const saved = await api.push.subscribe(
        subscriptionBody(sub.toJSON(), deviceLabel(navigator.userAgent)),
      );
      localStorage.setItem(DEVICE_KEY, saved.id);
      toasts.success("Notifications are on for this device");
    } catch (err) {
      const reason = err instanceof Error ? err.message : String(err);
      setProblem(`Notifications could not be turned on for this device: ${reason}.`);
    } finally {
      setBusy(false);
    }
    refresh();
  };

  const disable = async () => {
    await run(async () => {
      const sub = await currentSubscription();
      await sub?.unsubscribe();
      const id = localStorage.getItem(DEVICE_KEY);
      if (id) await api.push.remove(id);
      localStorage.removeItem(DEVICE_KEY);
    }, "Notifications are off for this device");
    refresh();
  };

  const removeDevice = async (d: PushSubscriptionView) => {
    await run(() => api.push.remove(d.id), `${d.label} removed`);
    if (localStorage.getItem(DEVICE_KEY) === d.id) {
      await (await currentSubscription())?.unsubscribe();
      localStorage.removeItem(DEVICE_KEY);
    }
    refresh();
  };

  const test = async () => {
    const r = await run(() => api.push.test());
    if (r.ok) setResult(r.value);
  };

  const words = STATE_WORDS[state];
  const subscribed = loaded.data?.subscribed ?? false;
  return (
    <section class="card push-card" aria-labelledby="push-title" data-testid="push-card">
      <div class="card__head">
        <h2 id="push-title">Notifications on this device</h2>
        <span
          class={state === "granted"
            ? "badge badge--good"
            : state === "default"
            ? "badge"
            : "badge badge--warn"}
          data-testid="push-state"
          data-state={state}
        >
          {words.label}
        </span>
      </div>
      <p class="card__lead">{words.text}</p>
      {problem && <Notice kind="error">{problem}</Notice>}
      <div class="button-row">
        {(state === "default" || (state === "granted" && !subscribed)) && (
          <button type="button" class="btn btn--primary" disabled={busy} onClick={enable}>
            Enable notifications on this device
          </button>
        )}
        {state === "granted" && subscribed && (
          <button type="button" class="btn btn--secondary" disabled={busy} onClick={disable}>
            Turn off on this device
          </button>
        )}
        {(loaded.data?.devices.length ?? 0) > 0 && (
          <button type="button" class="btn btn--secondary" disabled={busy} onClick={test}>
            Send a test
          </button>
        )}
      </div>
      {result && <TestResult result={result} />}
      <h3 class="subhead">Your devices</h3>
      <LoadState loaded={loaded} what="your devices" />
      {loaded.data && loaded.data.devices.length === 0 && (
        <p class="muted">No device of yours gets push notifications yet.</p>
      )}
      <ul class="plain-list device-list">
        {loaded.data?.devices.map((d) => (
          <li key={d.id} data-device={d.id}>
            <span>
              <strong>{d.label || d.endpointHost}</strong>
              <span class="muted">
                {" "}
                via {d.endpointHost}, {d.minSeverity} and above
                {d.lastSuccessAt && `, last delivered ${formatAgo(d.lastSuccessAt)}`}
              </span>
              {d.lastFailure && <span class="field__error">Last failure: {d.lastFailure}</span>}
            </span>
            <button
              type="button"
              class="btn btn--ghost btn--small"
              disabled={busy}
              onClick={() => removeDevice(d)}
            >
              Remove
            </button>
          </li>
        ))}
      </ul>
    </section>
  );
}
