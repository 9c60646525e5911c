/**
 * A URL as it may appear in logs and errors: any password in its userinfo replaced by `***`; the
 * rest of the text unchanged (no normalisation, so operators recognise their config).
 */
export function redactUrl(url: string): string {
  return url.replace(/^([^:/?#]*:\/\/[^/?#@:]*):[^/?#]*@/, '$1:***@').replace(/\/\/([^/?#@:]*):[^/?#@]*@/, '//$1:***@');
}
