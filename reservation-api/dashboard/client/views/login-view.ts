import { button, h } from '../../../../web/dom';
import type { Translator } from '../i18n';

export interface LoginViewOptions {
  /** A text key shown above the form (why we are here: failed, expired, signed out). */
  notice?: string | undefined;
  /** Tries to log in; resolves with a text key to show when it did not work. */
  onSubmit(name: string, token: string): Promise<string | undefined>;
  onSwitchLanguage(): void;
}

/** The login form: operator name and token (from `npm run ops -- operator create`). */
export function loginView(t: Translator, options: LoginViewOptions): HTMLElement {
  const name = h('input', {
    id: 'login-name',
    name: 'name',
    autocomplete: 'username',
    required: true,
    maxlength: 64,
    spellcheck: 'false',
  });
  const token = h('input', {
    id: 'login-token',
    name: 'token',
    type: 'password',
    autocomplete: 'current-password',
    required: true,
    maxlength: 128,
  });
  const message = h(
    'p',
    { class: 'login-message', role: 'alert', 'data-message': options.notice ?? '' },
    options.notice ? t.t(options.notice) : '',
  );
  const submit = h('button', { type: 'submit', class: 'primary' }, t.t('login.submit'));
  const form = h(
    'form',
    { class: 'login-form', novalidate: true },
    h('label', { for: 'login-name' }, t.t('login.name')),
    name,
    h('label', { for: 'login-token' }, t.t('login.token')),
    token,
    message,
    submit,
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    if (name.value.trim() === '' || token.value === '') return;
    submit.disabled = true;
    submit.textContent = t.t('login.busy');
    void options.onSubmit(name.value.trim(), token.value).then((failure) => {
      // Whatever happened, the token leaves the page's DOM.
      token.value = '';
      if (failure === undefined) return;
      submit.disabled = false;
      submit.textContent = t.t('login.submit');
      message.dataset.message = failure;
      message.textContent = t.t(failure);
      token.focus();
    });
  });
  queueMicrotask(() => name.focus());
  return h(
    'div',
    { class: 'login-page' },
    h(
      'div',
      { class: 'login-card' },
      h(
        'div',
        { class: 'login-head' },
        h('h1', {}, t.t('app.title')),
        button(
          {
            class: 'language',
            lang: t.language === 'ja' ? 'en' : 'ja',
            'aria-label': t.t('language.switchLabel'),
          },
          t.t('language.switch'),
          options.onSwitchLanguage,
        ),
      ),
      h('p', { class: 'login-subtitle' }, t.t('app.subtitle')),
      h('h2', {}, t.t('login.title')),
      h('p', { class: 'login-intro' }, t.t('login.intro')),
      form,
    ),
  );
}
