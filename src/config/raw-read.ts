/** Typed reads of a merged (already validated) config source: a missing key gives the zero value. */
import type { Raw } from './validate.js';

export const str = (raw: Raw, k: string): string => (typeof raw[k] === 'string' ? (raw[k] as string) : '');
export const num = (raw: Raw, k: string): number => (typeof raw[k] === 'number' ? (raw[k] as number) : 0);
export const bool = (raw: Raw, k: string): boolean => raw[k] === true;
export const sub = (raw: Raw, k: string): Raw => (typeof raw[k] === 'object' && raw[k] !== null ? (raw[k] as Raw) : {});
export const list = (raw: Raw, k: string): string[] => (Array.isArray(raw[k]) ? (raw[k] as unknown[]).map(String) : []);
export const has = (raw: Raw, k: string): boolean => raw[k] !== undefined;
