/**
 * A packed image of the whole waiting room, written at a forced checkpoint (graceful shutdown) and read
 * back by recovery in one pass instead of a million `queue_tokens` rows.
 *
 * Why: stepping a million rows through SQLite and better-sqlite3 costs ~1-2 s of start-up (one array
 * and five values per row, most of it garbage at once). The image is two values: every token and user
 * id concatenated into one TEXT (cut apart again with `slice`, which shares the big string), and a
 * BLOB of fixed-width numbers per token. The row table stays the durable truth, written in every
 * commit; the image is a shortcut that is valid only while no queue event was journaled after it.
 */
import type { QueueTokenImage } from './store.js';

/** The journal stream of waiting-room events: the image is stale once a row of it follows the image. */
export const QUEUE_STREAM = 'queue';

const FORMAT_VERSION = 1;
const HEADER_BYTES = 8; // u32 format version, u32 token count
/** f64 seq, f64 issuedAtMs, f64 activeUntilMs, u32 token length, u32 user id length, u8 status. */
const TOKEN_BYTES = 33;
const ACTIVE = 1;

export interface PackedQueueImage {
  count: number;
  /** Each token's token then user id, in seq order, concatenated. */
  strings: string;
  numbers: Buffer;
}

/** Packs live tokens, which must come in seq order (recovery lays the line out in that order). */
export function encodeQueueImage(tokens: Iterable<QueueTokenImage>): PackedQueueImage {
  const parts: string[] = [];
  const rows: QueueTokenImage[] = [];
  for (const token of tokens) {
    rows.push(token);
    parts.push(token.token, token.userId);
  }
  const numbers = Buffer.alloc(HEADER_BYTES + TOKEN_BYTES * rows.length);
  numbers.writeUInt32LE(FORMAT_VERSION, 0);
  numbers.writeUInt32LE(rows.length, 4);
  let offset = HEADER_BYTES;
  let previousSeq = Number.NEGATIVE_INFINITY;
  for (const token of rows) {
    if (token.seq <= previousSeq) throw new Error('queue image needs tokens in seq order');
    previousSeq = token.seq;
    numbers.writeDoubleLE(token.seq, offset);
    numbers.writeDoubleLE(token.issuedAtMs, offset + 8);
    numbers.writeDoubleLE(token.activeUntilMs, offset + 16);
    numbers.writeUInt32LE(token.token.length, offset + 24);
    numbers.writeUInt32LE(token.userId.length, offset + 28);
    numbers.writeUInt8(token.status === 'ACTIVE' ? ACTIVE : 0, offset + 32);
    offset += TOKEN_BYTES;
  }
  return { count: rows.length, strings: parts.join(''), numbers };
}

/**
 * The tokens of an image, or null when it does not hold together (another format version, or lengths
 * that do not add up: recovery then reads the rows instead). The iterable hands out ONE object, refilled
 * at each step, so a million tokens allocate nothing here: read its fields before the next step.
 */
export function decodeQueueImage(image: PackedQueueImage): Iterable<QueueTokenImage> | null {
  const { numbers, strings } = image;
  if (numbers.length < HEADER_BYTES || numbers.readUInt32LE(0) !== FORMAT_VERSION) return null;
  const count = numbers.readUInt32LE(4);
  if (count !== image.count || numbers.length !== HEADER_BYTES + TOKEN_BYTES * count) return null;
  const view = new DataView(numbers.buffer, numbers.byteOffset, numbers.byteLength);
  let totalLength = 0;
  for (let offset = HEADER_BYTES; offset < numbers.length; offset += TOKEN_BYTES) {
    totalLength += view.getUint32(offset + 24, true) + view.getUint32(offset + 28, true);
  }
  if (totalLength !== strings.length) return null;
  return { [Symbol.iterator]: () => new QueueImageIterator(view, strings, count) };
}

class QueueImageIterator implements Iterator<QueueTokenImage> {
  private readonly token: QueueTokenImage = { token: '', userId: '', seq: 0, status: 'WAITING', issuedAtMs: 0, activeUntilMs: 0 };
  private readonly result: IteratorResult<QueueTokenImage> = { done: false, value: this.token };
  private index = 0;
  private byteOffset = HEADER_BYTES;
  private charOffset = 0;

  constructor(
    private readonly view: DataView,
    private readonly strings: string,
    private readonly count: number,
  ) {}

  next(): IteratorResult<QueueTokenImage> {
    if (this.index >= this.count) return { done: true, value: undefined };
    const view = this.view;
    const at = this.byteOffset;
    const token = this.token;
    const tokenLength = view.getUint32(at + 24, true);
    const userLength = view.getUint32(at + 28, true);
    token.token = this.strings.slice(this.charOffset, this.charOffset + tokenLength);
    token.userId = this.strings.slice(this.charOffset + tokenLength, this.charOffset + tokenLength + userLength);
    token.seq = view.getFloat64(at, true);
    token.issuedAtMs = view.getFloat64(at + 8, true);
    token.activeUntilMs = view.getFloat64(at + 16, true);
    token.status = view.getUint8(at + 32) === ACTIVE ? 'ACTIVE' : 'WAITING';
    this.charOffset += tokenLength + userLength;
    this.byteOffset += TOKEN_BYTES;
    this.index++;
    return this.result;
  }
}
