/**
 * Setters that touch the DOM only when the value differs. The panel keeps its elements for its
 * whole life and brings them up to date with these, so a state arriving from the server never
 * replaces a node a person is using: a half-typed entry, its caret and selection, the focused
 * control, an open menu and a text selection all survive.
 */

/** Sets the text of `element` when it differs (equal text would still replace its text node). */
export function syncText(element: Element, text: string): void {
  if (element.textContent !== text) element.textContent = text;
}

/** Sets attribute `name` to `value`, or removes it for null, when that changes anything. */
export function syncAttribute(element: Element, name: string, value: string | null): void {
  if (value === null) {
    if (element.hasAttribute(name)) element.removeAttribute(name);
  } else if (element.getAttribute(name) !== value) {
    element.setAttribute(name, value);
  }
}

/** Enables or disables a control when that changes anything. */
export function syncDisabled(control: HTMLButtonElement | HTMLSelectElement, disabled: boolean): void {
  if (control.disabled !== disabled) control.disabled = disabled;
}

/** Shows or hides `element` when that changes anything. */
export function syncHidden(element: HTMLElement, hidden: boolean): void {
  if (element.hidden !== hidden) element.hidden = hidden;
}

export interface SelectOption {
  value: string;
  label: string;
}

/**
 * Gives `select` exactly `options` (rebuilt only when their values or labels changed) and selects
 * `selected` when it is not already selected, so an unchanged state leaves an open menu alone.
 */
export function syncSelect(
  select: HTMLSelectElement,
  options: readonly SelectOption[],
  selected: string,
): void {
  const current = Array.from(select.options, (option) => ({ value: option.value, label: option.text }));
  const same =
    current.length === options.length &&
    current.every((option, i) => option.value === options[i]?.value && option.label === options[i]?.label);
  if (!same) {
    select.replaceChildren(
      ...options.map((option) => {
        const element = document.createElement('option');
        element.value = option.value;
        element.text = option.label;
        return element;
      }),
    );
  }
  if (select.value !== selected) select.value = selected;
}
