/** The CN and DNS/URI SAN values of a TLS peer's certificate (for allowed_clients). */
import type { TLSSocket } from 'node:tls';

export function peerNames(socket: TLSSocket): string[] {
  if (typeof socket.getPeerCertificate !== 'function') return [];
  const cert = socket.getPeerCertificate();
  if (!cert || Object.keys(cert).length === 0) return [];
  const names: string[] = [];
  const cn = cert.subject?.CN;
  if (typeof cn === 'string') names.push(cn);
  else if (Array.isArray(cn)) names.push(...(cn as string[]));
  for (const part of (cert.subjectaltname ?? '').split(',')) {
    const m = /^\s*(DNS|URI|IP Address):(.+)$/.exec(part);
    if (m?.[2]) names.push(m[2].trim());
  }
  return names;
}
