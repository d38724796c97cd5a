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

const FORMAT_VERSION = 2;
const HEADER_BYTES = 8; // u32 format version, u32 token count
const ACTIVE = 1;
/** Times that are not safe integers (never from a real clock) are stored whole, as two f64s. */
const RAW_TIMES = 2;

export interface PackedQueueImage {
  count: number;
  /** Each token's token then user id, in seq order, concatenated. */
  strings: string;
  /**
   * Per token, in seq order: a flags byte, then varints: seq minus the previous seq, issuedAtMs minus the
   * previous one (zigzag), activeUntilMs minus issuedAtMs (zigzag, ACTIVE only), token and user id
   * lengths. ~6 bytes a token instead of 33 as fixed-width numbers: reading the image is bound by its size.
   */
  numbers: Buffer;
}

/** Packs live tokens, which must come in seq order (recovery lays the line out in that order). */
export function encodeQueueImage(tokens: Iterable<QueueTokenImage>): PackedQueueImage {
  const parts: string[] = [];
  const out = new ByteWriter();
  out.u32(FORMAT_VERSION);
  out.u32(0);
  let count = 0;
  let previousSeq = 0;
  let previousIssuedAtMs = 0;
  for (const token of tokens) {
    if (!Number.isSafeInteger(token.seq) || token.seq <= previousSeq) throw new Error('queue image needs tokens in seq order');
    const active = token.status === 'ACTIVE';
    const issuedDelta = token.issuedAtMs - previousIssuedAtMs;
    const activeDelta = token.activeUntilMs - token.issuedAtMs;
    const raw = !fitsVarint(issuedDelta) || !fitsVarint(activeDelta);
    out.byte((active ? ACTIVE : 0) | (raw ? RAW_TIMES : 0));
    out.varint(token.seq - previousSeq);
    if (raw) {
      out.f64(token.issuedAtMs);
      out.f64(active ? token.activeUntilMs : 0);
    } else {
      out.varint(zigzag(issuedDelta));
      if (active) out.varint(zigzag(activeDelta));
    }
    out.varint(token.token.length);
    out.varint(token.userId.length);
    parts.push(token.token, token.userId);
    previousSeq = token.seq;
    previousIssuedAtMs = token.issuedAtMs;
    count++;
  }
  const numbers = out.finish();
  numbers.writeUInt32LE(count, 4);
  return { count, strings: parts.join(''), numbers };
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
  if (count !== image.count) return null;
  // A dry run over the numbers: a torn or foreign image is refused before any token is restored.
  const check = new QueueImageIterator(numbers, strings, count);
  let totalLength = 0;
  try {
    for (let i = 0; i < count; i++) totalLength += check.skip();
  } catch {
    return null;
  }
  if (check.bytesRead() !== numbers.length || totalLength !== strings.length) return null;
  return { [Symbol.iterator]: () => new QueueImageIterator(numbers, strings, count) };
}

class QueueImageIterator implements Iterator<QueueTokenImage> {
  private readonly token: QueueTokenImage = { token: '', userId: '', seq: 0, status: 'WAITING', issuedAtMs: 0, activeUntilMs: 0 };
  private readonly result: IteratorResult<QueueTokenImage> = { done: false, value: this.token };
  private index = 0;
  private at = HEADER_BYTES;
  private charOffset = 0;
  private seq = 0;
  private issuedAtMs = 0;
  private activeUntilMs = 0;
  private active = false;
  private tokenLength = 0;
  private userLength = 0;

  constructor(
    private readonly bytes: Buffer,
    private readonly strings: string,
    private readonly count: number,
  ) {}

  next(): IteratorResult<QueueTokenImage> {
    if (this.index >= this.count) return { done: true, value: undefined };
    this.readNumbers();
    const token = this.token;
    const from = this.charOffset;
    token.token = this.strings.slice(from, from + this.tokenLength);
    token.userId = this.strings.slice(from + this.tokenLength, from + this.tokenLength + this.userLength);
    token.seq = this.seq;
    token.issuedAtMs = this.issuedAtMs;
    token.activeUntilMs = this.activeUntilMs;
    token.status = this.active ? 'ACTIVE' : 'WAITING';
    this.charOffset = from + this.tokenLength + this.userLength;
    this.index++;
    return this.result;
  }

  /** Reads one token's numbers only; returns its string length. Throws past the end. */
  skip(): number {
    this.readNumbers();
    return this.tokenLength + this.userLength;
  }

  bytesRead(): number {
    return this.at;
  }

  private readNumbers(): void {
    const flags = this.byte();
    this.active = (flags & ACTIVE) !== 0;
    this.seq += this.varint();
    if ((flags & RAW_TIMES) !== 0) {
      this.issuedAtMs = this.f64();
      this.activeUntilMs = this.f64();
    } else {
      this.issuedAtMs += unzigzag(this.varint());
      this.activeUntilMs = this.active ? this.issuedAtMs + unzigzag(this.varint()) : 0;
    }
    this.tokenLength = this.varint();
    this.userLength = this.varint();
  }

  private byte(): number {
    if (this.at >= this.bytes.length) throw new RangeError('queue image ends early');
    return this.bytes[this.at++] as number;
  }

  /** Unsigned LEB128 up to 2^53, by arithmetic (bitwise operators stop at 32 bits). */
  private varint(): number {
    let value = 0;
    let scale = 1;
    for (;;) {
      const b = this.byte();
      value += (b & 0x7f) * scale;
      if (b < 0x80) return value;
      scale *= 128;
      if (scale > 2 ** 56) throw new RangeError('queue image varint too long');
    }
  }

  private f64(): number {
    if (this.at + 8 > this.bytes.length) throw new RangeError('queue image ends early');
    const value = this.bytes.readDoubleLE(this.at);
    this.at += 8;
    return value;
  }
}

/** A growable byte buffer for the encoder (shutdown only: simplicity over speed). */
class ByteWriter {
  private buffer = Buffer.alloc(1 << 16);
  private length = 0;

  byte(value: number): void {
    this.reserve(1);
    this.buffer[this.length++] = value;
  }

  u32(value: number): void {
    this.reserve(4);
    this.buffer.writeUInt32LE(value, this.length);
    this.length += 4;
  }

  f64(value: number): void {
    this.reserve(8);
    this.buffer.writeDoubleLE(value, this.length);
    this.length += 8;
  }

  varint(value: number): void {
    let rest = value;
    while (rest >= 0x80) {
      this.byte((rest % 128) | 0x80);
      rest = Math.floor(rest / 128);
    }
    this.byte(rest);
  }

  finish(): Buffer {
    return this.buffer.subarray(0, this.length);
  }

  private reserve(bytes: number): void {
    if (this.length + bytes <= this.buffer.length) return;
    const grown = Buffer.alloc(Math.max(this.buffer.length * 2, this.length + bytes));
    this.buffer.copy(grown, 0, 0, this.length);
    this.buffer = grown;
  }
}

/** An integer whose zigzag form (twice its size) is still exact in a double. */
function fitsVarint(value: number): boolean {
  return Number.isSafeInteger(value) && Math.abs(value) < 2 ** 51;
}

function zigzag(value: number): number {
  return value >= 0 ? value * 2 : -value * 2 - 1;
}

function unzigzag(value: number): number {
  return value % 2 === 0 ? value / 2 : -(value + 1) / 2;
}
