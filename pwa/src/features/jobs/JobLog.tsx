import { useEffect, useLayoutEffect, useRef, useState } from "preact/hooks";
import type { JobLogLine } from "../../../../server/contract/backups.ts";

const CLOCK = new Intl.DateTimeFormat(undefined, {
  hour: "2-digit",
  minute: "2-digit",
  second: "2-digit",
});

/**
 * The job's log, following new lines at the bottom unless the reader scrolled up to look at
 * something; "Follow" brings them back down.
 */
export function JobLog(props: { lines: JobLogLine[]; live: boolean }) {
  const box = useRef<HTMLDivElement>(null);
  const [follow, setFollow] = useState(true);
  const programmatic = useRef(false);

  useLayoutEffect(() => {
    const el = box.current;
    if (!el || !follow) return;
    programmatic.current = true;
    el.scrollTop = el.scrollHeight;
  }, [props.lines, follow]);

  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const onScroll = () => {
      if (programmatic.current) {
        programmatic.current = false;
        return;
      }
      setFollow(el.scrollHeight - el.scrollTop - el.clientHeight < 24);
    };
    el.addEventListener("scroll", onScroll);
    return () => el.removeEventListener("scroll", onScroll);
  }, []);

  return (
    <section class="card" aria-labelledby="log-title">
      <div class="card__head">
        <h2 id="log-title">Log</h2>
        {props.live && !follow && (
          <button
            type="button"
            class="btn btn--small"
            onClick={() => setFollow(true)}
          >
            Follow new lines
          </button>
        )}
      </div>
      <div
        ref={box}
        class="job-log"
        role="log"
        aria-label="Job log"
        tabIndex={0}
        data-following={follow ? "yes" : "no"}
      >
        {props.lines.length === 0 && <p class="muted">Nothing logged yet.</p>}
        {props.lines.map((l) => (
          <div key={l.seq} class={`job-log__line job-log__line--${l.level}`}>
            <time dateTime={l.at}>{CLOCK.format(new Date(l.at))}</time>
            {l.source !== "tool" && <span class="job-log__source">{l.source}</span>}
            <span class="job-log__text">{l.text}</span>
          </div>
        ))}
      </div>
    </section>
  );
}
