#!/usr/bin/env node
// loopgate's TypeScript runs on Node's own type stripping, which needs Node >= 22.15 (24 LTS preferred).
const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 22 || (major === 22 && minor < 15)) {
  process.stderr.write(`loopgate needs Node.js >= 22.15 (24 LTS recommended); this is ${process.version}.\n` +
    'In a checkout, `npm start` / `npx loopgate` use the Node 24 that `npm ci` installs.\n');
  process.exit(1);
}
await import('../src/main.ts');
