#!/usr/bin/env node
// oclif checks the Node version with semver on every start (a tenth of the start-up time);
// package.json's engines field asks for Node 20, checked here without loading semver.
if (Number(process.versions.node.split('.')[0]) < 20) process.emitWarning(`planner needs Node 20 or later; this is Node ${process.versions.node}`);
const ownEngineCheck = process.env.OCLIF_DISABLE_ENGINE_WARNING === undefined;
if (ownEngineCheck) process.env.OCLIF_DISABLE_ENGINE_WARNING = '1';
const {run, flush} = await import('@oclif/core');
if (ownEngineCheck) delete process.env.OCLIF_DISABLE_ENGINE_WARNING;
const {reportTopLevelError} = await import('../dist/src/ui/command.js');

await run(process.argv.slice(2), import.meta.url)
  .then(() => flush())
  .catch(reportTopLevelError);
