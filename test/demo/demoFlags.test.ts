import { describe, expect, it } from 'vitest';
import { demoDefaults, demoLimits } from '../../src/demo/demoDefaults.js';
import { demoFlags, InvalidFlagValue, positiveInteger, seedNumber, skewShare } from '../../src/demo/demoFlags.js';

describe('demoFlags', () => {
  it('should have one flag per demo setting, each parsing its own default', () => {
    expect(demoFlags.map((flag) => flag.name).sort()).toEqual(Object.keys(demoDefaults).sort());
    for (const flag of demoFlags) expect(flag.parse(String(demoDefaults[flag.name]))).toBe(demoDefaults[flag.name]);
  });

  it('should cap --events at the demo limit', () => {
    const events = demoFlags.find((flag) => flag.name === 'events');
    expect(events?.parse(String(demoLimits.events))).toBe(demoLimits.events);
    expect(() => events?.parse(String(demoLimits.events + 1))).toThrow(`Expected at most ${demoLimits.events}.`);
  });
});

describe('positiveInteger', () => {
  it('should take integers from 1 up to the maximum', () => {
    expect(positiveInteger()('1')).toBe(1);
    expect(positiveInteger(10)(' 10 ')).toBe(10);
  });

  it.each(['0', '-1', '1.5', '1e3', 'many', '', ' '])('should refuse %j as not a positive integer', (text) => {
    expect(() => positiveInteger()(text)).toThrow(new InvalidFlagValue('Expected a positive integer.'));
  });

  it('should refuse more than the maximum', () => {
    expect(() => positiveInteger(10)('11')).toThrow(new InvalidFlagValue('Expected at most 10.'));
  });
});

describe('skewShare', () => {
  it('should take a share from 0 up to, not including, 1', () => {
    expect(skewShare('0')).toBe(0);
    expect(skewShare('0.95')).toBe(0.95);
    expect(skewShare('.5')).toBe(0.5);
  });

  it.each(['1', '2', '-0.1', 'NaN', '', 'half'])('should refuse %j', (text) => {
    expect(() => skewShare(text)).toThrow(new InvalidFlagValue('Expected a number from 0 up to, not including, 1.'));
  });
});

describe('seedNumber', () => {
  it('should take any 32-bit unsigned integer', () => {
    expect(seedNumber('0')).toBe(0);
    expect(seedNumber('4294967295')).toBe(0xffffffff);
  });

  it.each(['-1', '4294967296', '1.5', 'x', ''])('should refuse %j', (text) => {
    expect(() => seedNumber(text)).toThrow(InvalidFlagValue);
  });
});
