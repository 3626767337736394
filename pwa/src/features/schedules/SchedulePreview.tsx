/** The live preview of a rule: plain words and the next five runs, in both zones. */
import { useEffect, useState } from "preact/hooks";
import type { SchedulePreview as Preview } from "../../../../server/contract/schedules.ts";
import { ApiError } from "../../api/client.ts";
import type { SchedulesApi } from "../../api/schedules_api.ts";
import { errorMessage } from "../common/use_action.ts";
import { previewBody, serverFieldErrors } from "./schedule_form.ts";
import type { FieldErrors, ScheduleForm } from "./schedule_form.ts";
import { runLine, viewerZone } from "./schedule_words.ts";

const DEBOUNCE_MS = 250;

export function SchedulePreview(
  props: { form: ScheduleForm; api: SchedulesApi; onProblems(e: FieldErrors): void },
) {
  const [preview, setPreview] = useState<Preview | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const body = previewBody(props.form);
  const key = JSON.stringify(body);
  useEffect(() => {
    if (!body) {
      setPreview(null);
      return;
    }
    let live = true;
    const timer = setTimeout(async () => {
      try {
        const p = await props.api.preview({ ...body, count: 5 });
        if (!live) return;
        setPreview(p);
        setProblem(null);
        props.onProblems({});
      } catch (err) {
        if (!live) return;
        setPreview(null);
        const byField = err instanceof ApiError && err.status === 400
          ? serverFieldErrors(err.details)
          : {};
        props.onProblems(byField);
        setProblem(Object.keys(byField).length ? null : errorMessage(err));
      }
    }, DEBOUNCE_MS);
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [key]);

  const viewer = viewerZone();
  return (
    <div class="schedule-preview" aria-live="polite" data-testid="schedule-preview">
      {problem && <p class="field__error">{problem}</p>}
      {!body && <p class="muted">Fix the fields above to see the next runs.</p>}
      {body && preview && (
        <>
          <p class="schedule-preview__words">{preview.description}</p>
          <p class="muted">
            Next runs{props.form.timeZone !== viewer && ` (${props.form.timeZone} · your time)`}:
          </p>
          <ol class="run-list">
            {preview.nextRuns.map((iso) => {
              const r = runLine(iso, { schedule: props.form.timeZone, viewer });
              return (
                <li key={iso}>
                  <time dateTime={iso}>{r.there}</time>
                  {r.here && <span class="muted">· {r.here} your time</span>}
                </li>
              );
            })}
          </ol>
          <p class="muted mono">cron: {preview.cron}</p>
        </>
      )}
    </div>
  );
}
