#!/usr/bin/env node
import {run, flush} from '@oclif/core';
import {reportTopLevelError} from '../dist/src/ui/command.js';

await run(process.argv.slice(2), import.meta.url)
  .then(() => flush())
  .catch(reportTopLevelError);
