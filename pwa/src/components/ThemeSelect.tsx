import type { ThemePreference } from "../state/theme_store.ts";

const LABELS: Record<ThemePreference, string> = {
  system: "System",
  light: "Light",
  dark: "Dark",
};

/** The theme switch: three radio buttons in one group, usable with arrow keys. */
export function ThemeSelect(
  props: { value: ThemePreference; choices: ThemePreference[]; onChoose(t: ThemePreference): void },
) {
  return (
    <fieldset class="segmented">
      <legend>Theme</legend>
      {props.choices.map((c) => (
        <label key={c} class={c === props.value ? "segmented__item is-on" : "segmented__item"}>
          <input
            type="radio"
            name="cairn-theme"
            value={c}
            checked={c === props.value}
            onChange={() =>
              props.onChoose(c)}
          />
          <span>{LABELS[c]}</span>
        </label>
      ))}
    </fieldset>
  );
}
