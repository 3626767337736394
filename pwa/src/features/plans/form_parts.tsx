/** Form parts the backup screens share beside components/Field.tsx: errors by field, a checkbox,
 * a text area. Each shows its field's error under it and ties it to the control for screen
 * readers. */
import type { ComponentChildren } from "preact";
import { useId } from "preact/hooks";

export type FieldErrors = Record<string, string>;

/** A labelled checkbox with an optional hint. */
export function Checkbox(
  props: {
    label: ComponentChildren;
    checked: boolean;
    onValue(v: boolean): void;
    hint?: string;
    disabled?: boolean;
  },
) {
  const id = useId();
  return (
    <div class="check">
      <input
        id={id}
        type="checkbox"
        checked={props.checked}
        disabled={props.disabled}
        aria-describedby={props.hint ? `${id}-hint` : undefined}
        onChange={(e) => props.onValue((e.currentTarget as HTMLInputElement).checked)}
      />
      <label for={id}>{props.label}</label>
      {props.hint && <p class="field__hint" id={`${id}-hint`}>{props.hint}</p>}
    </div>
  );
}

/** A labelled input or text area whose error (from the client's check or the server) shows
 * under it. */
export function TextField(
  props: {
    label: string;
    value: string;
    onValue(v: string): void;
    error?: string;
    hint?: string;
    rows?: number;
    type?: "text" | "password" | "number";
    placeholder?: string;
    autoComplete?: string;
    required?: boolean;
    disabled?: boolean;
    mono?: boolean;
  },
) {
  const id = useId();
  const described = [props.hint && `${id}-hint`, props.error && `${id}-err`].filter(Boolean)
    .join(" ") || undefined;
  const common = {
    id,
    value: props.value,
    placeholder: props.placeholder,
    required: props.required,
    disabled: props.disabled,
    class: props.mono ? "mono" : undefined,
    "aria-invalid": props.error ? true : undefined,
    "aria-describedby": described,
    spellcheck: false,
    autoComplete: props.autoComplete ?? "off",
  };
  return (
    <div class={props.error ? "field field--invalid" : "field"}>
      <label for={id}>{props.label}</label>
      {props.rows
        ? (
          <textarea
            {...common}
            rows={props.rows}
            onInput={(e) => props.onValue((e.currentTarget as HTMLTextAreaElement).value)}
          />
        )
        : (
          <input
            {...common}
            // Numbers stay text so that a wrong entry reaches the check and gets its message.
            type={(props.type === "password" ? "password" : "text") as "text"}
            inputMode={props.type === "number" ? "numeric" : undefined}
            onInput={(e) => props.onValue((e.currentTarget as HTMLInputElement).value)}
          />
        )}
      {props.hint && <p class="field__hint" id={`${id}-hint`}>{props.hint}</p>}
      {props.error && <p class="field__error" id={`${id}-err`}>{props.error}</p>}
    </div>
  );
}

/** Radio buttons that look like one segmented control. */
export function Segmented<T extends string>(
  props: {
    legend: string;
    name: string;
    value: T;
    options: readonly { value: T; label: string }[];
    onValue(v: T): void;
  },
) {
  return (
    <fieldset class="segmented">
      <legend>{props.legend}</legend>
      {props.options.map((o) => (
        <label
          key={o.value}
          class={o.value === props.value ? "segmented__item is-on" : "segmented__item"}
        >
          <input
            type="radio"
            name={props.name}
            value={o.value}
            checked={o.value === props.value}
            onChange={() => props.onValue(o.value)}
          />
          <span>{o.label}</span>
        </label>
      ))}
    </fieldset>
  );
}
