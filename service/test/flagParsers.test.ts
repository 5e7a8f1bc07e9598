import { InvalidArgumentError } from 'commander';
import { describe, expect, it } from 'vitest';
import { actionCosts, capsPair, integerFrom, nameList, priorityLevel, ratePair } from '../src/flagParsers.js';

describe("serve's flag parsers", () => {
  it('--caps <host>,<vm>: either limit may be left out, never both; positive integers only', () => {
    expect(capsPair('2,1')).toEqual({ host: 2, vm: 1 });
    expect(capsPair(' 3 ')).toEqual({ host: 3 });
    expect(capsPair(',1')).toEqual({ vm: 1 });
    for (const bad of ['', ',', '0,1', '2,0', 'a,1', '1.5', '2,1,1', '-1'])
      expect(() => capsPair(bad), bad).toThrow(InvalidArgumentError);
  });

  it('--cost <action>=<slots>: a list, and repeated flags add up', () => {
    expect(actionCosts('migrate=4')).toEqual({ migrate: 4 });
    expect(actionCosts('heal=2', actionCosts('migrate=4, update = 3'))).toEqual({ migrate: 4, update: 3, heal: 2 });
    for (const bad of ['migrate', 'migrate=0', '=4', 'migrate=x', 'migrate=1.5'])
      expect(() => actionCosts(bad), bad).toThrow(InvalidArgumentError);
  });

  it('--latest <policies>: names, repeated flags adding up', () => {
    expect(nameList('state, health')).toEqual(['state', 'health']);
    expect(nameList('b', nameList('a'))).toEqual(['a', 'b']);
    expect(() => nameList('a,,b')).toThrow(InvalidArgumentError);
  });

  it('--priority <actions>: one level per flag, most urgent first; an action in one level only', () => {
    expect(priorityLevel('heal, evacuate')).toEqual([['heal', 'evacuate']]);
    expect(priorityLevel('migrate', priorityLevel('heal'))).toEqual([['heal'], ['migrate']]);
    expect(() => priorityLevel('heal,heal')).toThrow('Expected each action in one level, got "heal" twice.');
    expect(() => priorityLevel('heal', [['heal']])).toThrow('got "heal" twice');
    expect(() => priorityLevel('heal,,migrate')).toThrow(InvalidArgumentError);
  });

  it('--priority-every <n>: an integer from 2 up', () => {
    expect(integerFrom(2)('8')).toBe(8);
    for (const bad of ['1', '0', '2.5', 'x', '']) expect(() => integerFrom(2)(bad), bad).toThrow('from 2 up');
  });

  it('--rate <host>,<vm>: each <n>/<interval> in ms, s or m; either may be left out, never both', () => {
    expect(ratePair('5/1s,1/500ms')).toEqual({ host: { limit: 5, interval: 1000 }, vm: { limit: 1, interval: 500 } });
    expect(ratePair('100/1m')).toEqual({ host: { limit: 100, interval: 60_000 } });
    expect(ratePair(',2/1.5s')).toEqual({ vm: { limit: 2, interval: 1500 } });
    for (const bad of ['', ',', '5', '5/1', '0/1s', '5/0s', '5/1h', '-1/1s', '5/0.5ms', '1/1s,1/1s,1/1s', 'x/1s'])
      expect(() => ratePair(bad), bad).toThrow('Expected <host>,<vm>: each <n>/<interval>');
  });
});
