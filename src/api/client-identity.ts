/**
 * Who is calling: the client certificate's CN and SANs (grpc-js 1.14+ getAuthContext), matched
 * against gate.tls.allowed_clients.
 */
import type { PeerCertificate } from 'node:tls';

export interface ClientIdentity {
  /** The certificate's CN, '' without one. */
  cn: string;
  /** SAN values without their type prefix (DNS:, IP Address:, URI:, email:). */
  sans: string[];
}

export function clientIdentity(call: { getAuthContext(): { sslPeerCertificate?: PeerCertificate } }): ClientIdentity | undefined {
  const cert = call.getAuthContext().sslPeerCertificate;
  if (!cert || !cert.subject) return undefined;
  const cnRaw = (cert.subject as unknown as Record<string, string | string[] | undefined>)['CN'];
  const cn = Array.isArray(cnRaw) ? (cnRaw[0] ?? '') : (cnRaw ?? '');
  const sans = (cert.subjectaltname ?? '')
    .split(/,\s*/)
    .map((s: string) => s.slice(s.indexOf(':') + 1).trim())
    .filter((s: string) => s !== '');
  return { cn, sans };
}

/** allowed undefined: any client the transport let in. Otherwise CN or any SAN must match exactly. */
export function isAllowed(id: ClientIdentity | undefined, allowed: readonly string[] | undefined): boolean {
  if (allowed === undefined) return true;
  if (!id) return false;
  return allowed.includes(id.cn) || id.sans.some((s) => allowed.includes(s));
}
