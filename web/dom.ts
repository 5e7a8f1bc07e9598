/** Attributes for {@link h}: strings set as attributes (`class`, `data-testid`, `aria-*`, ...). */
export type Attributes = Readonly<Record<string, string>>;

/** Creates an element with attributes and children (elements or text): the page's only DOM builder. */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attributes: Attributes = {},
  ...children: readonly (Node | string)[]
): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) element.setAttribute(name, value);
  element.append(...children);
  return element;
}

/**
 * Shows a number: `text` for people, the raw value in `data-value` for tests and tools (empty when NaN: nothing
 * measured).
 */
export function showNumber(element: HTMLElement, value: number, text: string): void {
  element.textContent = text;
  element.dataset['value'] = Number.isNaN(value) ? '' : String(value);
}

/** Text only screen readers read. */
export function srOnly(text: string): HTMLSpanElement {
  return h('span', { class: 'sr-only' }, text);
}
