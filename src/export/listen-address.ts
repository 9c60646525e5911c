/** HOST:PORT (schema-validated) split for net.Server.listen; "[::1]:9090" -> { host: "::1", port: 9090 }. */
export function parseListen(listen: string): { host: string; port: number } {
  const i = listen.lastIndexOf(':');
  const host = listen.slice(0, i).replace(/^\[(.*)\]$/, '$1');
  return { host, port: Number(listen.slice(i + 1)) };
}
