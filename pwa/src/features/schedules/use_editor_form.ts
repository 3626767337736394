/**
 * The state every schedule editor keeps (the plan's and the drill schedule's): the form, the
 * errors by field from the form's own check or the appliance, those of the live preview, and
 * whether a save is under way. Changing a field clears its error.
 */
import { useState } from "preact/hooks";
import type { FieldErrors } from "./schedule_form.ts";

export function useEditorForm<F extends object>(initial: () => F) {
  const [form, setForm] = useState<F>(initial);
  const [errors, setErrors] = useState<FieldErrors>({});
  const [previewErrors, setPreviewErrors] = useState<FieldErrors>({});
  const [busy, setBusy] = useState(false);
  const set = <K extends keyof F>(key: K, value: F[K]) => {
    setForm((f) => ({ ...f, [key]: value }));
    setErrors((e) => {
      const { [key as string]: _gone, ...rest } = e;
      return rest;
    });
  };
  /** What the fields show: the preview's errors, then the save's over them. */
  const shown = { ...previewErrors, ...errors };
  return { form, set, errors, setErrors, setPreviewErrors, busy, setBusy, shown };
}
