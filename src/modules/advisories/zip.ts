import { crc32, deflateRawSync, inflateRawSync } from 'node:zlib';

/**
 * A minimal ZIP writer and reader (APPNOTE 6.3). The writer (local headers, deflated data, central
 * directory) is enough for OSV's per-ecosystem all.zip: no ZIP64, so at most 65,535 entries and 4 GiB,
 * far beyond one instance's advisories; anything larger is refused rather than written corrupt. The
 * reader takes what `embargo import osv` is given: archives from this writer, Info-ZIP's `zip`, Python's
 * zipfile or OSV.dev's bucket (stored or deflated entries, data descriptors, ZIP64 for large ones).
 */

export type ZipEntry = { name: string; data: Buffer; modified: Date };

const MAX_ENTRIES = 0xffff;
const MAX_SIZE = 0xffffffff;
const UTF8_NAMES = 0x0800;
const SIGNATURE = { local: 0x04034b50, central: 0x02014b50, end: 0x06054b50, end64: 0x06064b50, locator64: 0x07064b50 } as const;

function dosDateTime(date: Date): { time: number; date: number } {
  // DOS dates start in 1980; a stored date before that would wrap around.
  const d = date.getUTCFullYear() < 1980 ? new Date(Date.UTC(1980, 0, 1)) : date;
  return {
    time: (d.getUTCHours() << 11) | (d.getUTCMinutes() << 5) | Math.floor(d.getUTCSeconds() / 2),
    date: ((d.getUTCFullYear() - 1980) << 9) | ((d.getUTCMonth() + 1) << 5) | d.getUTCDate(),
  };
}

/** ZIP 2.0: deflate and folders. */
const VERSION = 20;

type EntryFields = { method: number; time: number; date: number; checksum: number; compressedSize: number; size: number; nameLength: number };

/** The run of fields a local header (at 4) and its central directory entry (at 6) share, in the same order. */
function writeEntryFields(header: Buffer, at: number, fields: EntryFields): void {
  header.writeUInt16LE(VERSION, at);
  header.writeUInt16LE(UTF8_NAMES, at + 2);
  header.writeUInt16LE(fields.method, at + 4);
  header.writeUInt16LE(fields.time, at + 6);
  header.writeUInt16LE(fields.date, at + 8);
  header.writeUInt32LE(fields.checksum, at + 10);
  header.writeUInt32LE(fields.compressedSize, at + 14);
  header.writeUInt32LE(fields.size, at + 18);
  header.writeUInt16LE(fields.nameLength, at + 22);
}

export function buildZip(entries: ZipEntry[]): Buffer {
  if (entries.length > MAX_ENTRIES) throw new RangeError(`a ZIP without ZIP64 holds at most ${MAX_ENTRIES} entries`);
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const entry of entries) {
    const name = Buffer.from(entry.name, 'utf8');
    const compressed = deflateRawSync(entry.data);
    // Deflate can grow incompressible data; store it as is then.
    const stored = compressed.length >= entry.data.length;
    const body = stored ? entry.data : compressed;
    const method = stored ? 0 : 8;
    const checksum = crc32(entry.data) >>> 0;
    const { time, date } = dosDateTime(entry.modified);
    if (offset > MAX_SIZE || entry.data.length > MAX_SIZE) throw new RangeError('a ZIP without ZIP64 holds at most 4 GiB');

    const fields = { method, time, date, checksum, compressedSize: body.length, size: entry.data.length, nameLength: name.length };
    const local = Buffer.alloc(30);
    local.writeUInt32LE(SIGNATURE.local, 0);
    writeEntryFields(local, 4, fields);
    // extra length: 0
    locals.push(local, name, body);

    const central = Buffer.alloc(46);
    central.writeUInt32LE(SIGNATURE.central, 0);
    central.writeUInt16LE(VERSION, 4);
    writeEntryFields(central, 6, fields);
    // extra length, comment length, disk number, internal and external attributes: all 0
    central.writeUInt32LE(offset, 42);
    centrals.push(central, name);
    offset += local.length + name.length + body.length;
  }
  const directory = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(SIGNATURE.end, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, directory, end]);
}

// ---- Reading ----

/** An archive that cannot be read: its message says what is wrong, for the operator. */
export class ZipError extends Error {
  override name = 'ZipError';
}

export type ZipReadEntry = {
  name: string;
  /** Uncompressed size, as the central directory declares it. */
  size: number;
  /** 0 stored, 8 deflated. */
  method: number;
  /** The entry's bytes, inflated and checked against the declared size and CRC-32; throws ZipError. */
  read(): Buffer;
};

/** OSV records are kilobytes: a larger entry is refused before it is inflated (a ZIP bomb is cheap to make). */
export const MAX_ZIP_ENTRY_BYTES = 64 * 1024 * 1024;

const ENCRYPTED = 0x0001;
const NO_VALUE_16 = 0xffff;
const NO_VALUE_32 = 0xffffffff;

function uint64(buffer: Buffer, at: number): number {
  const value = buffer.readBigUInt64LE(at);
  if (value > BigInt(Number.MAX_SAFE_INTEGER)) throw new ZipError('damaged ZIP archive: a ZIP64 size or offset is out of range');
  return Number(value);
}

/** Where the central directory is and how many entries it lists, from the (ZIP64) end records. */
function centralDirectory(buffer: Buffer): { count: number; offset: number; size: number } {
  const minimum = 22;
  const signature = Buffer.from([0x50, 0x4b, 0x05, 0x06]);
  // The end record is the last thing in the file, followed only by a comment of at most 65,535 bytes.
  const end = buffer.length < minimum ? -1 : buffer.lastIndexOf(signature, buffer.length - minimum);
  if (end < 0 || end < buffer.length - minimum - 0xffff) {
    throw new ZipError('not a ZIP archive (no end of central directory record)');
  }
  if (buffer.readUInt16LE(end + 4) !== 0 || buffer.readUInt16LE(end + 6) !== 0) throw new ZipError('multi-part (spanned) ZIP archives are not supported');
  let count = buffer.readUInt16LE(end + 10);
  let size = buffer.readUInt32LE(end + 12);
  let offset = buffer.readUInt32LE(end + 16);
  if (count === NO_VALUE_16 || size === NO_VALUE_32 || offset === NO_VALUE_32) {
    const locator = end - 20;
    if (locator < 0 || buffer.readUInt32LE(locator) !== SIGNATURE.locator64) throw new ZipError('damaged ZIP archive: the ZIP64 end of central directory locator is missing');
    const record = uint64(buffer, locator + 8);
    if (record + 56 > locator || buffer.readUInt32LE(record) !== SIGNATURE.end64) throw new ZipError('damaged ZIP archive: the ZIP64 end of central directory record is missing');
    count = uint64(buffer, record + 32);
    size = uint64(buffer, record + 40);
    offset = uint64(buffer, record + 48);
  }
  if (offset + size > end) throw new ZipError('damaged ZIP archive: the central directory lies outside the file (truncated download?)');
  return { count, offset, size };
}

/**
 * The entries of a ZIP archive, from its central directory. The directory's structure is checked
 * here; each entry's data when it is read. Directory entries are left out.
 */
export function readZip(buffer: Buffer): ZipReadEntry[] {
  const directory = centralDirectory(buffer);
  const limit = directory.offset + directory.size;
  const entries: ZipReadEntry[] = [];
  let at = directory.offset;
  for (let index = 0; index < directory.count; index += 1) {
    if (at + 46 > limit || buffer.readUInt32LE(at) !== SIGNATURE.central) throw new ZipError(`damaged ZIP archive: central directory entry ${index + 1} of ${directory.count} is missing`);
    const flags = buffer.readUInt16LE(at + 8);
    const method = buffer.readUInt16LE(at + 10);
    const crc = buffer.readUInt32LE(at + 16);
    let compressedSize = buffer.readUInt32LE(at + 20);
    let size = buffer.readUInt32LE(at + 24);
    const nameLength = buffer.readUInt16LE(at + 28);
    const extraLength = buffer.readUInt16LE(at + 30);
    const commentLength = buffer.readUInt16LE(at + 32);
    let local = buffer.readUInt32LE(at + 42);
    const next = at + 46 + nameLength + extraLength + commentLength;
    if (next > limit) throw new ZipError(`damaged ZIP archive: central directory entry ${index + 1} runs past the directory`);
    const name = buffer.subarray(at + 46, at + 46 + nameLength).toString('utf8');
    // ZIP64: the extra field holds, in this order, the values whose 32-bit fields are all ones.
    if (size === NO_VALUE_32 || compressedSize === NO_VALUE_32 || local === NO_VALUE_32) {
      const extra = zip64Extra(buffer, at + 46 + nameLength, extraLength);
      if (!extra) throw new ZipError(`damaged ZIP archive: ${name} has no ZIP64 extra field`);
      let field = extra.start;
      const take = () => {
        if (field + 8 > extra.end) throw new ZipError(`damaged ZIP archive: ${name} has a short ZIP64 extra field`);
        const value = uint64(buffer, field);
        field += 8;
        return value;
      };
      if (size === NO_VALUE_32) size = take();
      if (compressedSize === NO_VALUE_32) compressedSize = take();
      if (local === NO_VALUE_32) local = take();
    }
    at = next;
    if (name.endsWith('/')) continue;
    if (flags & ENCRYPTED) throw new ZipError(`${name}: encrypted ZIP entries are not supported`);
    if (method !== 0 && method !== 8) throw new ZipError(`${name}: ZIP compression method ${method} is not supported (only stored and deflated)`);
    if (local + 30 > directory.offset || buffer.readUInt32LE(local) !== SIGNATURE.local) throw new ZipError(`damaged ZIP archive: the local header of ${name} is missing`);
    const start = local + 30 + buffer.readUInt16LE(local + 26) + buffer.readUInt16LE(local + 28);
    if (start + compressedSize > directory.offset) throw new ZipError(`damaged ZIP archive: the data of ${name} runs past the end of the entries (truncated?)`);
    entries.push({
      name,
      size,
      method,
      read() {
        if (size > MAX_ZIP_ENTRY_BYTES) throw new ZipError(`${name}: ${size} bytes uncompressed, more than the ${MAX_ZIP_ENTRY_BYTES} accepted for one entry`);
        const raw = buffer.subarray(start, start + compressedSize);
        let data: Buffer;
        if (method === 0) {
          data = Buffer.from(raw);
        } else {
          try {
            // Never more than the declared size: a lying header cannot make it inflate without bound.
            data = inflateRawSync(raw, { maxOutputLength: Math.max(1, size) });
          } catch (error) {
            throw new ZipError(`damaged ZIP archive: ${name} does not inflate (${(error as Error).message})`);
          }
        }
        if (data.length !== size) throw new ZipError(`damaged ZIP archive: ${name} holds ${data.length} bytes, its header says ${size}`);
        if ((crc32(data) >>> 0) !== crc) throw new ZipError(`damaged ZIP archive: ${name} fails its CRC-32 check`);
        return data;
      },
    });
  }
  return entries;
}

function zip64Extra(buffer: Buffer, start: number, length: number): { start: number; end: number } | null {
  let at = start;
  while (at + 4 <= start + length) {
    const id = buffer.readUInt16LE(at);
    const size = buffer.readUInt16LE(at + 2);
    if (id === 0x0001) return { start: at + 4, end: Math.min(at + 4 + size, start + length) };
    at += 4 + size;
  }
  return null;
}
