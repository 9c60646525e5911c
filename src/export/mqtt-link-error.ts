/**
 * Turns what MQTT.js and Node's TLS report into a reason an operator can act on: which side
 * refused, and which setting to look at. The original code and message stay in the text.
 */

/** MQTT 5 reason codes / 3.1.1 return codes for refused credentials or authorisation. */
const AUTH_REFUSED = new Set([4, 5, 0x86, 0x87, 0x8c]);

/** Node's verification codes for a broker certificate we do not trust. */
const SERVER_CERT_UNTRUSTED = new Set([
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_SIGNATURE_FAILURE',
  'CERT_UNTRUSTED',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

export function explainLinkError(err: Error & { code?: number | string }): string {
  const code = err.code;
  if (typeof code === 'number') return AUTH_REFUSED.has(code) ? `broker refused the credentials (${err.message})` : err.message;
  if (code !== undefined && SERVER_CERT_UNTRUSTED.has(code)) {
    // Node's own hint (system CA store) does not apply: mqtt.tls.ca is the only trust anchor.
    return `TLS: the broker's certificate is not trusted (${code}: ${err.message.split(';')[0]}); check mqtt.tls.ca and the host name in mqtt.url`;
  }
  // The broker's TLS alert when it wants a client certificate we did not send, or rejects ours.
  if (typeof code === 'string' && /^ERR_SSL_(TLSV13_ALERT_CERTIFICATE_REQUIRED|SSLV3_ALERT_BAD_CERTIFICATE|TLSV1_ALERT_UNKNOWN_CA|SSLV3_ALERT_CERTIFICATE_(EXPIRED|REVOKED|UNKNOWN|UNSUPPORTED)|TLSV1_ALERT_ACCESS_DENIED)$/.test(code)) {
    return `TLS: the broker refused our client certificate (${code}); check mqtt.tls.cert and mqtt.tls.key`;
  }
  if (typeof code === 'string' && code.startsWith('ERR_SSL_')) return `TLS: ${code}: ${err.message.split('\n')[0]}`;
  return err.message;
}
