/**
 * Machine-wide TCP counters from /proc/net/netstat (Linux): ListenOverflows counts connections the
 * kernel dropped because a listening socket's accept queue was full; the client then waits for a SYN
 * retransmit (1 s, 3 s, 7 s ...). Null where the file does not exist.
 */
import { readFileSync } from 'node:fs';

export function listenOverflows(): number | null {
  try {
    const lines = readFileSync('/proc/net/netstat', 'utf8').split('\n').filter((line) => line.startsWith('TcpExt:'));
    const names = lines[0]?.split(/\s+/) ?? [];
    const values = lines[1]?.split(/\s+/) ?? [];
    const index = names.indexOf('ListenOverflows');
    return index < 0 ? null : Number(values[index]);
  } catch {
    return null;
  }
}
