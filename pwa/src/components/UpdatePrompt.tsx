/** "Update available — reload": shown when a new version of the app is waiting. */
export function UpdatePrompt(props: { onReload(): void; onLater(): void }) {
  return (
    <div class="update-prompt" role="status">
      <span>Update available: a new version of Cairn is ready.</span>
      <div class="update-prompt__actions">
        <button type="button" class="btn btn--primary btn--small" onClick={props.onReload}>
          Reload
        </button>
        <button type="button" class="btn btn--ghost btn--small" onClick={props.onLater}>
          Later
        </button>
      </div>
    </div>
  );
}
