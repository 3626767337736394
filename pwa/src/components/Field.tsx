import { useId } from "preact/hooks";

/** The input attributes the screens use; a closed list keeps Preact's input typing simple. */
interface InputProps {
  type?: "text" | "password" | "search" | "datetime-local" | "url";
  name?: string;
  autoComplete?: string;
  autoCapitalize?: "none" | "off" | "on" | "sentences" | "words" | "characters";
  spellcheck?: boolean;
  required?: boolean;
  disabled?: boolean;
  minLength?: number;
  maxLength?: number;
  placeholder?: string;
}

/** A labelled input with an optional hint, wired for screen readers. */
export function Field(
  props: InputProps & {
    label: string;
    value: string;
    onValue(value: string): void;
    hint?: string;
  },
) {
  const { label, value, onValue, hint, ...rest } = props;
  const id = useId();
  return (
    <div class="field">
      <label for={id}>{label}</label>
      <input
        {...rest}
        // Preact 11 types <input> per `type` value; a union of them does not narrow, so one is named.
        type={(rest.type ?? "text") as "text"}
        id={id}
        value={value}
        aria-describedby={hint ? `${id}-hint` : undefined}
        onInput={(e) => onValue((e.currentTarget as HTMLInputElement).value)}
      />
      {hint && <p class="field__hint" id={`${id}-hint`}>{hint}</p>}
    </div>
  );
}

/** A labelled select over a fixed list of values. */
export function SelectField<T extends string>(
  props: {
    label: string;
    value: T;
    options: readonly { value: T; label: string }[];
    onValue(value: T): void;
    disabled?: boolean;
  },
) {
  const id = useId();
  return (
    <div class="field">
      <label for={id}>{props.label}</label>
      <select
        id={id}
        value={props.value}
        disabled={props.disabled}
        onChange={(e) => props.onValue((e.currentTarget as HTMLSelectElement).value as T)}
      >
        {props.options.map((o) => <option key={o.value} value={o.value}>{o.label}</option>)}
      </select>
    </div>
  );
}
