/**
 * Who is calling: the client certificate's CN and SANs (grpc-js 1.14+ getAuthContext), matched
 * against gate.tls.allowed_clients.
 *
 * getAuthContext() runs TLSSocket.getPeerCertificate() on every call (X.509 to a JS object with
 * three fingerprints), a large share of a small call's CPU. The certificate cannot change within a
 * TLS connection, so the identity is cached per HTTP/2 session (a WeakMap: gone with the
 * connection). grpc-js does not expose the session publicly; it is found on the call's internal
 * chain (pinned grpc-js 1.14.7), and when it is not there every call simply asks getAuthContext.
 */
import type { PeerCertificate } from 'node:tls';

export interface ClientIdentity {
  /** The certificate's CN, '' without one. */
  cn: string;
  /** SAN values without their type prefix (DNS:, IP Address:, URI:, email:). */
  sans: string[];
}

type AuthCall = { getAuthContext(): { sslPeerCertificate?: PeerCertificate } };

const bySession = new WeakMap<object, ClientIdentity | null>();

export function clientIdentity(call: AuthCall): ClientIdentity | undefined {
  const session = sessionOf(call);
  if (session) {
    const hit = bySession.get(session);
    if (hit !== undefined) return hit ?? undefined;
  }
  const id = identityOf(call.getAuthContext().sslPeerCertificate);
  if (session) bySession.set(session, id ?? null);
  return id;
}

export function identityOf(cert: PeerCertificate | undefined): ClientIdentity | undefined {
  if (!cert || !cert.subject) return undefined;
  const cnRaw = (cert.subject as unknown as Record<string, string | string[] | undefined>)['CN'];
  const cn = Array.isArray(cnRaw) ? (cnRaw[0] ?? '') : (cnRaw ?? '');
  const sans = (cert.subjectaltname ?? '')
    .split(/,\s*/)
    .map((s: string) => s.slice(s.indexOf(':') + 1).trim())
    .filter((s: string) => s !== '');
  return { cn, sans };
}

/** The HTTP/2 session under a grpc-js server call, when the internals are where 1.14 keeps them. */
export function sessionOf(call: object): object | undefined {
  let c = (call as { call?: unknown }).call;
  for (let depth = 0; depth < 8 && c && typeof c === 'object'; depth++) {
    const session = (c as { stream?: { session?: unknown } }).stream?.session;
    if (session && typeof session === 'object') return session;
    c = (c as { nextCall?: unknown }).nextCall;
  }
  return undefined;
}

/** allowed undefined: any client the transport let in. Otherwise CN or any SAN must match exactly. */
export function isAllowed(id: ClientIdentity | undefined, allowed: readonly string[] | undefined): boolean {
  if (allowed === undefined) return true;
  if (!id) return false;
  return allowed.includes(id.cn) || id.sans.some((s) => allowed.includes(s));
}
