import { signal } from "@preact/signals";

export type ToastKind = "info" | "success" | "error";

export interface Toast {
  id: number;
  kind: ToastKind;
  message: string;
}

/** Short messages announced through the shell's aria-live region. */
export function createToastStore(opts: { ttlMs?: number } = {}) {
  const toasts = signal<Toast[]>([]);
  let nextId = 1;
  const dismiss = (id: number) => {
    toasts.value = toasts.value.filter((t) => t.id !== id);
  };
  const push = (kind: ToastKind, message: string) => {
    const id = nextId++;
    toasts.value = [...toasts.value.slice(-3), { id, kind, message }];
    // Errors stay until dismissed: a user who looked away must still be able to read them.
    if (kind !== "error") setTimeout(() => dismiss(id), opts.ttlMs ?? 6000);
    return id;
  };
  return {
    toasts,
    dismiss,
    info: (message: string) => push("info", message),
    success: (message: string) => push("success", message),
    error: (message: string) => push("error", message),
  };
}

export type ToastStore = ReturnType<typeof createToastStore>;
