/**
 * A minimal element builder shared by the kiosk UI and the operator dashboard. Text goes in through
 * text nodes only (never innerHTML), so nothing from a view model, a catalogue or the API (a store
 * name, an alert's detail) can ever become markup.
 */
type Attributes = Record<string, string | number | boolean | undefined>;
export type Child = Node | string | null | undefined | false;

/** Creates `<tag>` with attributes (false/undefined omitted) and children (strings become text). */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attributes: Attributes = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === false) continue;
    element.setAttribute(name, value === true ? '' : String(value));
  }
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    element.append(child);
  }
  return element;
}

/** A button that calls `onPress` on click; touch screens deliver taps as clicks. */
export function button(
  attributes: Attributes,
  label: Child | Child[],
  onPress: () => void,
): HTMLButtonElement {
  const children = Array.isArray(label) ? label : [label];
  const element = h('button', { type: 'button', ...attributes }, ...children);
  element.addEventListener('click', onPress);
  return element;
}

/** Replaces every child of `parent`. */
export function replaceChildren(parent: Element, ...children: Child[]): void {
  parent.replaceChildren(...children.filter((child): child is Node | string => Boolean(child)));
}
