import { readFileSync } from 'node:fs';
import { writeReport } from '/work/wt/chaos/test/chaos/report.ts';
const line = readFileSync('/tmp/soak120.log', 'utf8').split('\n').find((l) => l.startsWith('{'))!;
writeReport(JSON.parse(line));
