import { Field } from "./Field.tsx";

/**
 * The field a dangerous action waits on: the user types `word` (no autocomplete, capitals or
 * spelling help) before its button is enabled; `confirmed` says whether they have.
 */
export function ConfirmWord(props: { word: string; value: string; onValue(v: string): void }) {
  return (
    <Field
      label={`Type "${props.word}" to confirm`}
      value={props.value}
      onValue={props.onValue}
      autoComplete="off"
      autoCapitalize="none"
      spellcheck={false}
    />
  );
}

export const confirmed = (typed: string, word: string) => typed.trim() === word;
