/**
 * node:http's createServer, taken without an ESM `import from 'node:http'`: that form builds the
 * module's namespace, which reads every export, including the lazy getters (WebSocket,
 * EventSource, ...) that load Node's bundled undici. We serve HTTP and never fetch, yet that
 * import cost the daemon 12 MB of RSS and 2 MB of heap. getBuiltinModule() returns the module
 * object as require() would, getters untouched.
 */
import type * as Http from 'node:http';

const http: typeof Http = process.getBuiltinModule('node:http');

export const createServer: typeof Http.createServer = http.createServer;
