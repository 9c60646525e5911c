/** Spawns the real `loopgate` CLI (bin/loopgate.js) on the Node running the tests. */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
export const binPath = join(repoRoot, 'bin', 'loopgate.js');

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export function spawnCli(args: readonly string[], env: NodeJS.ProcessEnv = {}): ChildProcess {
  return spawn(process.execPath, [binPath, ...args], { cwd: repoRoot, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
}

export async function runCli(args: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<CliResult> {
  const child = spawnCli(args, env);
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const [code, signal] = (await once(child, 'close')) as [number | null, NodeJS.Signals | null];
  return { code, signal, stdout, stderr };
}

/** Resolves with the first stdout line matching `re` (the child's output is line-buffered JSON). */
export async function waitForLine(child: ChildProcess, re: RegExp): Promise<string> {
  let buf = '';
  const stream = child.stdout!;
  stream.setEncoding('utf8');
  return new Promise((resolve, reject) => {
    const onData = (d: string): void => {
      buf += d;
      const lines = buf.split('\n');
      buf = lines.pop() ?? '';
      const hit = lines.find((l) => re.test(l));
      if (hit !== undefined) {
        stream.off('data', onData);
        child.off('exit', onExit);
        resolve(hit);
      }
    };
    const onExit = (code: number | null): void => reject(new Error(`process exited (${code}) before printing ${re}`));
    stream.on('data', onData);
    child.once('exit', onExit);
  });
}

/** A temp folder removed by the returned cleanup. */
export function tempDir(prefix = 'loopgate-test-'): { dir: string; write: (name: string, text: string) => string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return {
    dir,
    write: (name, text) => {
      const p = join(dir, name);
      writeFileSync(p, text);
      return p;
    },
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}
