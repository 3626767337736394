import { Component } from "preact";
import type { ComponentChildren } from "preact";

/** The last line of defence: a bug in a screen shows a calm message, not a blank page. */
export class ErrorBoundary extends Component<{ children: ComponentChildren }, { error: unknown }> {
  override state = { error: null as unknown };

  override componentDidCatch(error: unknown) {
    console.error("Cairn: a screen failed", error);
    this.setState({ error });
  }

  override render() {
    if (this.state.error === null) return this.props.children;
    return (
      <main class="crash">
        <h1>Something went wrong</h1>
        <p role="alert">This screen hit a bug. Your data on the appliance is safe.</p>
        <button type="button" class="btn btn--primary" onClick={() => location.reload()}>
          Reload Cairn
        </button>
      </main>
    );
  }
}
