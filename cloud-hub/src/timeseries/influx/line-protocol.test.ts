import { describe, expect, it } from 'vitest';
import { escapeKey, escapeMeasurement, toLines } from './line-protocol.js';

const tags = () => ({ measurement: 'eastron-sdm120', tags: { gateway: 'gw-1', device: 'meter-1', site: 'plant a', line: '' } });

describe('line protocol', () => {
  it('writes one line per reading, tags sorted (empty ones left out), numbers as floats, bools, strings quoted, ms times', () => {
    const lines = toLines([
      { device: 'meter-1', point: 'voltage', t: 1000, value: 230 },
      { device: 'meter-1', point: 'relay', t: 1000, value: true },
      { device: 'meter-1', point: 'mode', t: 1000, value: 'auto "eco"\\' },
      { device: 'meter-1', point: 'voltage', t: 2000, value: 230.5 },
    ], tags);
    expect(lines).toEqual([
      { line: 'eastron-sdm120,device=meter-1,gateway=gw-1,site=plant\\ a voltage=230,relay=true,mode="auto \\"eco\\"\\\\" 1000', points: 3 },
      { line: 'eastron-sdm120,device=meter-1,gateway=gw-1,site=plant\\ a voltage=230.5 2000', points: 1 },
    ]);
  });

  it('escapes names so that no value can end a key, a line, or the tag set', () => {
    expect(escapeKey('a,b=c d\\')).toBe('a\\,b\\=c\\ d\\\\');
    expect(escapeKey('x\ny\rz')).toBe('x\\ny\\rz');
    expect(escapeMeasurement('m,1 =x')).toBe('m\\,1\\ =x');
    const [line] = toLines([{ device: 'd', point: 'p q\n,evil=1 0', t: 5, value: 1 }], () => ({ measurement: 'unknown', tags: { device: 'd', note: 'ends in \\' } }));
    expect(line!.line).toBe('unknown,device=d,note=ends\\ in\\ \\\\ p\\ q\\n\\,evil\\=1\\ 0=1 5');
    expect(line!.line).not.toContain('\n');
  });
});
