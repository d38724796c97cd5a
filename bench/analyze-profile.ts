/**
 * Summarizes a V8 .cpuprofile (from `node --cpu-prof`): self time per function and per source file,
 * and inclusive (total) time for functions of this project, so "where does the time go" has numbers.
 *
 * Usage: npx tsx bench/analyze-profile.ts <file.cpuprofile> [--top=30] [--filter=src/] [--timeline] [--from=s --to=s]
 *   --timeline      busy share per second of the profile (find the window of a load run)
 *   --from/--to     only samples in that window, in seconds from the profile's start
 */
import { readFileSync } from 'node:fs';

interface CallFrame { functionName: string; url: string; lineNumber: number; columnNumber: number }
interface ProfileNode { id: number; callFrame: CallFrame; children?: number[]; hitCount?: number }
interface CpuProfile { nodes: ProfileNode[]; startTime: number; endTime: number; samples: number[]; timeDeltas: number[] }

function shortUrl(url: string): string {
  if (url === '') return '(native)';
  const cut = url.replace(/^file:\/\//, '');
  const nodeModules = cut.lastIndexOf('node_modules/');
  if (nodeModules >= 0) return cut.slice(nodeModules + 'node_modules/'.length);
  const src = cut.search(/\/(src|dist|bench)\//);
  return src >= 0 ? cut.slice(src + 1) : cut;
}

function label(frame: CallFrame): string {
  return `${frame.functionName || '(anonymous)'} ${shortUrl(frame.url)}:${frame.lineNumber + 1}`;
}

function main(): void {
  const args = process.argv.slice(2);
  const file = args.find((a) => !a.startsWith('--'));
  if (file === undefined) throw new Error('usage: analyze-profile.ts <file.cpuprofile> [--top=30] [--filter=src/]');
  const top = Number(args.find((a) => a.startsWith('--top='))?.slice(6) ?? 30);
  const filter = args.find((a) => a.startsWith('--filter='))?.slice(9) ?? 'src/';
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const fromUs = Number(args.find((a) => a.startsWith('--from='))?.slice(7) ?? 0) * 1e6;
  const toUs = Number(args.find((a) => a.startsWith('--to='))?.slice(5) ?? Number.POSITIVE_INFINITY) * 1e6;

  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const selfUs = new Map<number, number>();
  const idleIds = new Set(profile.nodes.filter((n) => n.callFrame.functionName === '(idle)').map((n) => n.id));
  const busyPerSecond: number[] = [];
  let atUs = 0;
  let totalUs = 0;
  profile.samples.forEach((id, i) => {
    const delta = profile.timeDeltas[i] ?? 0;
    atUs += delta;
    const second = Math.floor(atUs / 1e6);
    if (!idleIds.has(id)) busyPerSecond[second] = (busyPerSecond[second] ?? 0) + delta;
    if (atUs < fromUs || atUs > toUs) return;
    totalUs += delta;
    selfUs.set(id, (selfUs.get(id) ?? 0) + delta);
  });
  if (args.includes('--timeline')) {
    process.stdout.write('busy share per second (100% = the main thread never idle):\n');
    for (let s = 0; s < busyPerSecond.length; s++) process.stdout.write(`${String(s).padStart(4)} s ${String(Math.round((busyPerSecond[s] ?? 0) / 1e4)).padStart(3)}%\n`);
  }

  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);

  const selfByFunction = new Map<string, number>();
  const selfByFile = new Map<string, number>();
  const inclusiveByFunction = new Map<string, number>();
  for (const [id, us] of selfUs) {
    const node = byId.get(id);
    if (node === undefined) continue;
    const key = label(node.callFrame);
    selfByFunction.set(key, (selfByFunction.get(key) ?? 0) + us);
    const fileKey = node.callFrame.url === '' ? `(${node.callFrame.functionName || 'native'})` : shortUrl(node.callFrame.url);
    selfByFile.set(fileKey, (selfByFile.get(fileKey) ?? 0) + us);
    // Inclusive: credit every distinct function on the stack once.
    const seen = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const frame = byId.get(at)?.callFrame;
      if (frame === undefined) break;
      const name = label(frame);
      if (seen.has(name)) continue;
      seen.add(name);
      inclusiveByFunction.set(name, (inclusiveByFunction.get(name) ?? 0) + us);
    }
  }
  const pct = (us: number): string => `${((us / totalUs) * 100).toFixed(1).padStart(5)}%`;
  const print = (title: string, map: Map<string, number>, keep: (key: string) => boolean): void => {
    process.stdout.write(`\n## ${title}\n`);
    [...map].filter(([k]) => keep(k)).sort((a, b) => b[1] - a[1]).slice(0, top)
      .forEach(([k, us]) => process.stdout.write(`${pct(us)}  ${(us / 1000).toFixed(0).padStart(7)} ms  ${k}\n`));
  };
  process.stdout.write(`profile ${file}: ${(totalUs / 1e6).toFixed(1)} s of samples analysed (window ${fromUs / 1e6}..${Number.isFinite(toUs) ? toUs / 1e6 : 'end'} s)\n`);
  print('Self time by file', selfByFile, () => true);
  print('Self time by function', selfByFunction, () => true);
  print(`Inclusive time, functions in ${filter}`, inclusiveByFunction, (k) => k.includes(` ${filter}`));
}

main();
