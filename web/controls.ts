import { formatSetting, isSettingName, type PageSettings } from './settings.js';

/**
 * Wires the sliders of `form` (index.html): each shows its value in the `<output>` beside its label and gives
 * it to screen readers as `aria-valuetext`; submitting the form (the Run button, or Enter) calls `run`.
 *
 * @returns Reads the sliders' current values.
 */
export function bindControls(form: HTMLFormElement, run: (settings: PageSettings) => void): () => PageSettings {
  const sliders = [...form.querySelectorAll<HTMLInputElement>('input[type="range"]')].map((input) => {
    const { name } = input;
    if (!isSettingName(name)) throw new Error(`index.html: slider "${name}" is not a setting`);
    const output = form.querySelector<HTMLOutputElement>(`output[for="${input.id}"]`);
    const show = (): void => {
      const text = formatSetting[name](input.valueAsNumber);
      if (output !== null) output.value = text;
      input.setAttribute('aria-valuetext', text);
    };
    input.addEventListener('input', show);
    show();
    return { name, input };
  });
  const missing = Object.keys(formatSetting).filter((name) => !sliders.some((slider) => slider.name === name));
  if (missing.length > 0) throw new Error(`index.html has no slider for ${missing.join(', ')}`);

  const read = (): PageSettings =>
    Object.fromEntries(sliders.map(({ name, input }) => [name, input.valueAsNumber])) as unknown as PageSettings;
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    run(read());
  });
  return read;
}
