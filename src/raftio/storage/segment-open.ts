/**
 * Opening the log directory: leftover temporary files removed, every segment scanned in index
 * order, and the chain checked (each segment starts right after the one before it).
 */
import { join } from 'node:path';
import type { Logger } from '../../lib/index.js';
import type { StorageFs } from './fs-facade.js';
import { lastIndexOf, segmentFile, segmentNamePattern, type Segment } from './segment-plan.js';
import { corruptLog, scanSegment } from './segment-scan.js';

export interface LoadedSegments {
  segments: Segment[];
  /** Set when the last segment ends in a torn write, to be cut at its `end`. */
  torn: { reason: string; droppedRecords: number } | null;
}

export async function loadSegments(fs: StorageFs, dir: string, logger: Logger): Promise<LoadedSegments> {
  await fs.mkdir(dir);
  const names = (await fs.readdir(dir)).sort();
  const segNames: string[] = [];
  for (const name of names) {
    if (name.endsWith('.tmp')) {
      logger.debug('raft log: removing a leftover temporary file', { file: join(dir, name) });
      await fs.unlink(join(dir, name));
    } else if (segmentNamePattern.test(name)) segNames.push(name);
    else logger.warn('raft log: ignoring an unknown file in the log directory', { file: join(dir, name) });
  }
  const segments: Segment[] = [];
  let torn: LoadedSegments['torn'] = null;
  for (const [i, name] of segNames.entries()) {
    const file = join(dir, name);
    const scan = await scanSegment(await fs.readFile(file), file, i === segNames.length - 1);
    if (file !== segmentFile(dir, scan.firstIndex)) throw corruptLog(file, 16, `the header's first index ${scan.firstIndex} does not match the file name`);
    const prev = segments[segments.length - 1];
    if (prev && scan.firstIndex !== lastIndexOf(prev) + 1) {
      throw corruptLog(file, 0, `segment starts at index ${scan.firstIndex} but ${prev.file} ends at index ${lastIndexOf(prev)} (a segment is missing)`);
    }
    segments.push({ firstIndex: scan.firstIndex, file, offsets: scan.offsets, terms: scan.terms, end: scan.end });
    if (scan.torn) torn = { reason: scan.torn.reason, droppedRecords: scan.torn.droppedRecords };
  }
  return { segments, torn };
}
