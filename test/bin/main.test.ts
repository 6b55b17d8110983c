import {readFileSync} from 'node:fs';
import path from 'node:path';
import {describe, expect, it} from 'vitest';
import {COMMAND_LOADERS} from '../../bin/main.js';
import {REPO_ROOT} from '../helpers/cli.js';

describe('the bundled entry', () => {
  it('has one loader per command of the manifest, each giving that command', async () => {
    const manifest = JSON.parse(readFileSync(path.join(REPO_ROOT, 'oclif.manifest.json'), 'utf8')) as {commands: Record<string, {summary: string}>};
    expect(Object.keys(COMMAND_LOADERS).sort()).toEqual(Object.keys(manifest.commands).sort());
    for (const [id, load] of Object.entries(COMMAND_LOADERS)) {
      const cmd = (await load()).default;
      expect(typeof cmd.run).toBe('function');
      expect(cmd.summary, id).toBe(manifest.commands[id]!.summary);
    }
  });
});
