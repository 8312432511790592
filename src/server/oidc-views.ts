import type { OidcViews } from '../oidc/index.ts';

/** Escapes text for HTML element content and double-quoted attributes. */
export function escapeHtml(value: string): string {
  return value.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c,
  );
}

export const PAGE_STYLE = `
  body { font-family: system-ui, "Noto Sans JP", sans-serif; max-width: 40rem; margin: 2rem auto; padding: 0 1rem; line-height: 1.6; color: #1a1a1a; }
  h1 { font-size: 1.4rem; } label { display: block; margin-top: 1rem; font-weight: 600; }
  .en { font-weight: normal; color: #555; font-size: .9em; }
  input[type=file], input[type=password] { width: 100%; padding: .5rem; font-size: 1rem; box-sizing: border-box; }
  button, a.button { display: inline-block; text-decoration: none; margin-top: 1.5rem; margin-right: .5rem; padding: .7rem 1.5rem; font-size: 1rem; background: #0b57d0; color: #fff; border: 0; border-radius: .3rem; cursor: pointer; }
  button.secondary { background: #e8eaed; color: #1a1a1a; }
  button[disabled] { opacity: .5; }
  fieldset { margin-top: 1rem; border: 1px solid #ccc; border-radius: .3rem; }
  fieldset label { font-weight: normal; }
  .service { font-size: 1.1rem; font-weight: 600; }
  .status { margin-top: 1.5rem; padding: 1rem; border-radius: .3rem; }
  .status.ok { background: #e6f4ea; } .status.error { background: #fce8e6; }
  .status:empty { display: none; }
  code { background: #f1f3f4; padding: 0 .2rem; }`;

/** Security headers of every page the provider and its interactions show. */
export function pageHeaders(formTargets: readonly string[] = []): Record<string, string> {
  const targets = ["'self'", ...formTargets].join(' ');
  return {
    'content-security-policy': `default-src 'none'; script-src 'self' 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'; form-action ${targets}; frame-ancestors 'none'; base-uri 'none'`,
    'x-content-type-options': 'nosniff',
    'x-frame-options': 'DENY',
    'referrer-policy': 'no-referrer',
    'cache-control': 'no-store',
  };
}

export function page(titleJa: string, titleEn: string, body: string): string {
  return `<!doctype html>
<html lang="ja">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(titleJa)} / ${escapeHtml(titleEn)}</title>
<style>${PAGE_STYLE}</style>
</head>
<body>
<h1>${escapeHtml(titleJa)}<br><span class="en">${escapeHtml(titleEn)}</span></h1>
${body}
</body>
</html>`;
}

/** A problem shown as a page: its stable code and message, nothing internal. */
export function errorPage(code: string, message: string): string {
  return page(
    'サインインできませんでした',
    'Could not sign in',
    `<div class="status error" role="alert"><p><code>${escapeHtml(code)}</code></p><p>${escapeHtml(message)}</p></div>
<p>サービスの画面に戻り、最初からやり直してください。<br><span class="en">Go back to the service and start again.</span></p>`,
  );
}

/** The pages the library itself renders: errors it cannot send to the service, and sign-out. */
export const oidcViews: OidcViews = {
  error: (out) => errorPage(out.error, out.error_description ?? ''),
  logout: (form, clientName) =>
    page(
      'サインアウトしますか？',
      'Sign out?',
      `${form}
<p>${clientName === undefined ? '' : `${escapeHtml(clientName)} から`}マイナンバーカードでのサインインを終了します。<br><span class="en">This ends your My Number card sign-in${clientName === undefined ? '' : ` to ${escapeHtml(clientName)}`}.</span></p>
<button type="submit" form="op.logoutForm" value="yes" name="logout">サインアウト / Sign out</button>
<button type="submit" form="op.logoutForm" class="secondary">キャンセル / Stay signed in</button>`,
    ),
  loggedOut: (clientName) =>
    page(
      'サインアウトしました',
      'Signed out',
      `<p>${clientName === undefined ? '' : `${escapeHtml(clientName)}: `}サインアウトしました。<span class="en">You are signed out.</span></p>`,
    ),
};
