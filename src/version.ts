import {readFileSync} from 'node:fs';

/** `planner x.y.z`, as recorded in profiles and reports (package.json sits two levels above dist/src). */
function readVersion(): string {
  for (const rel of ['../../package.json', '../package.json']) {
    try {
      return (JSON.parse(readFileSync(new URL(rel, import.meta.url), 'utf8')) as {version: string}).version;
    } catch {
      // try the next layout (compiled vs. run from source)
    }
  }
  return '0.0.0';
}

export const TOOL_VERSION = readVersion();
export const TOOL_NAME = `planner ${TOOL_VERSION}`;
