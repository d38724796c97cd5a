/**
 * Checks a room's published audit bundle (JSON, see src/rooms/fairness/verify-room.ts) and prints what it
 * found. Exit 0: the line was fair by every check; 1: a violation (each printed); 2: the file could not be read.
 *
 *   npm run verify-room -- bundle.json
 */
import { readFileSync } from 'node:fs';
import { verifyRoomAudit, type RoomAuditBundle } from '../src/rooms/fairness/verify-room.js';

const path = process.argv[2];
if (path === undefined) {
  process.stderr.write('usage: npm run verify-room -- <audit bundle JSON file>\n');
  process.exit(2);
}
let bundle: RoomAuditBundle;
try {
  bundle = JSON.parse(readFileSync(path, 'utf8')) as RoomAuditBundle;
} catch (error) {
  process.stderr.write(`cannot read ${path}: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(2);
}
const startedAt = performance.now();
const report = verifyRoomAudit(bundle);
const ms = Math.round(performance.now() - startedAt);
process.stdout.write(`room ${String(bundle.roomId)}: ${report.entrants} entrants, ${report.admissions} admissions, ${report.receipts} receipts checked in ${ms} ms\n`);
if (report.ok) {
  process.stdout.write('FAIR: the seed matches its commitment, the log is unbroken and signed, admissions follow the order, every receipt holds\n');
  process.exit(0);
}
process.stdout.write(`NOT FAIR: ${report.violations.length} violation(s)\n`);
for (const violation of report.violations) process.stdout.write(`  - ${violation}\n`);
process.exit(1);
