#!/usr/bin/env node
// Runs every test file (all packages and examples) in one uvu process under c8, straight from the
// TypeScript sources, and ends with the line CI reads: `N passed, N failed, N skipped`.
// uvu prints no such line, exits 0 when no test ran, and colours its summary: this wrapper fixes all three.
import { spawn } from 'node:child_process';

const pattern = process.argv[2] ?? '(packages/[^/]+|examples)/test/.*\\.test\\.ts$';
const args = [
  'node_modules/c8/bin/c8.js',
  'node', '--conditions=@simplegrad/source', '--import', 'tsx',
  'node_modules/uvu/bin.js', '.', pattern, '--no-color',
];
const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
let out = '';
child.stdout.on('data', (d) => { process.stdout.write(d); out += d; });
child.stderr.on('data', (d) => { process.stderr.write(d); out += d; });
child.on('close', (code) => {
  const text = out.replace(/\x1b\[[0-9;]*m/g, '');
  const num = (label) => Number((text.match(new RegExp(`^\\s*${label}:\\s+(\\d+)`, 'm')) ?? [])[1]);
  const total = num('Total'), passed = num('Passed'), skipped = num('Skipped') || 0;
  if (Number.isNaN(total)) {
    console.log('0 passed, 1 failed');
    process.exit(code || 1);
  }
  if (total === 0) console.log('no test ran');
  console.log(`${passed} passed, ${total - passed} failed, ${skipped} skipped`);
  process.exit(total === 0 ? 1 : code ?? 1);
});
