/**
 * TOML config under a role's home directory, with every key overridable from the command
 * line as `--set section.key=value`. Shared by the mix node and gateway CLIs.
 */
import fs from 'node:fs';
import path from 'node:path';
import { parse, stringify } from 'smol-toml';
import { NodeConfigError } from './errors.js';

export type TomlTable = Record<string, unknown>;

export function configPath(home: string): string {
  return path.join(home, 'config.toml');
}

export function readToml(file: string): TomlTable {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    throw new NodeConfigError('config', `cannot read ${file} (run init first)`);
  }
  try {
    return parse(text) as TomlTable;
  } catch (e) {
    throw new NodeConfigError('config', `${file}: ${(e as Error).message}`);
  }
}

export function writeToml(file: string, table: TomlTable, header: string): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, `${header}\n${stringify(table)}\n`);
}

/** Applies `section.key=value` overrides; values parse as TOML literals, else as strings. */
export function applyOverrides(table: TomlTable, sets: string[]): TomlTable {
  const out = structuredClone(table);
  for (const s of sets) {
    const eq = s.indexOf('=');
    if (eq <= 0) throw new NodeConfigError(s, 'expected section.key=value');
    const keyPath = s.slice(0, eq).split('.');
    const raw = s.slice(eq + 1);
    let value: unknown;
    try {
      value = (parse(`v = ${raw}`) as TomlTable).v;
    } catch {
      value = raw;
    }
    let t: TomlTable = out;
    for (const k of keyPath.slice(0, -1)) {
      if (typeof t[k] !== 'object' || t[k] === null) t[k] = {};
      t = t[k] as TomlTable;
    }
    t[keyPath[keyPath.length - 1]] = value;
  }
  return out;
}

// typed readers with the key named in errors

export function section(t: TomlTable, name: string): TomlTable {
  const v = t[name];
  if (v === undefined) return {};
  if (typeof v !== 'object' || v === null || Array.isArray(v))
    throw new NodeConfigError(name, 'expected a table');
  return v as TomlTable;
}
export function optString(t: TomlTable, key: string, def: string): string;
export function optString(t: TomlTable, key: string, def?: undefined): string | undefined;
export function optString(t: TomlTable, key: string, def?: string): string | undefined {
  const v = t[key];
  if (v === undefined) return def;
  if (typeof v !== 'string') throw new NodeConfigError(key, 'expected a string');
  return v;
}
export function optNumber(t: TomlTable, key: string, def: number): number;
export function optNumber(t: TomlTable, key: string, def?: undefined): number | undefined;
export function optNumber(t: TomlTable, key: string, def?: number): number | undefined {
  const v = t[key];
  if (v === undefined) return def;
  const n = typeof v === 'bigint' ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isFinite(n)) throw new NodeConfigError(key, 'expected a number');
  return n;
}
export function optBool(t: TomlTable, key: string, def: boolean): boolean {
  const v = t[key];
  if (v === undefined) return def;
  if (typeof v !== 'boolean') throw new NodeConfigError(key, 'expected true or false');
  return v;
}
export function optStringArray(t: TomlTable, key: string): string[] {
  const v = t[key];
  if (v === undefined) return [];
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'string'))
    throw new NodeConfigError(key, 'expected strings');
  return v as string[];
}
