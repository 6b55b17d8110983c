#!/usr/bin/env node
// oclif checks the Node version with semver on every start (a tenth of the start-up time);
// package.json's engines field asks for Node 20, checked here without loading semver.
if (Number(process.versions.node.split('.')[0]) < 20) process.emitWarning(`planner needs Node 20 or later; this is Node ${process.versions.node}`);
const ownEngineCheck = process.env.OCLIF_DISABLE_ENGINE_WARNING === undefined;
if (ownEngineCheck) process.env.OCLIF_DISABLE_ENGINE_WARNING = '1';
// Stacks (--debug, DEBUG=...) name the TypeScript sources, not the bundle's lines.
if (process.argv.includes('--debug') || process.env.DEBUG) process.setSourceMapsEnabled(true);
// The build's bundle of bin/main.ts, @oclif/core and the commands (scripts/bundle.ts).
const {main} = await import('../dist/bundle/main.js');
if (ownEngineCheck) delete process.env.OCLIF_DISABLE_ENGINE_WARNING;

await main(process.argv.slice(2), import.meta.url);
